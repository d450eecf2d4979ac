"""Early stopping (``TrainConfig.patience``, ``--patience``; issue 23 item 2)."""

from __future__ import annotations

import json

import igraph as ig
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import interrupt_at_epoch

import topocli.training.train as trainer
from topocli.errors import TopocliError
from topocli.training import TrainConfig, train_graph

torch.set_num_threads(1)

TINY = TrainConfig(epochs=5, batch_size=32, channels=4, max_train=96, threads=1, lr=0.01)
#: Scripted validation accuracies by epoch: best at epoch 2, then a plateau.
PLATEAU = {1: 0.5, 2: 0.7, 3: 0.6, 4: 0.6, 5: 0.6}


def small_graph(n=16, m=40, seed=1) -> ig.Graph:
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    chosen = rng.choice(len(pairs), m, replace=False)
    g = ig.Graph(n=n, edges=[pairs[i] for i in chosen], directed=True)
    g.vs["name"] = [f"n{i}" for i in range(n)]
    return g


@pytest.fixture
def plateau(monkeypatch):
    """Validation accuracy follows :data:`PLATEAU` (the real network still trains); each
    validation also evaluates the test split with the weights of that moment: a fresh
    evaluation of every epoch's weights, by epoch."""
    real_epoch, real_test, real_load = trainer.train_epoch, trainer.test_epoch, \
        trainer.load_data
    seen: dict = {"tests": {}}

    def load(config, device):
        seen["data"] = real_load(config, device)
        return seen["data"]

    def train_epoch(model, optimizers, data, config, epoch, progress):
        seen["epoch"] = epoch
        return real_epoch(model, optimizers, data, config, epoch, progress)

    def test_epoch(model, x, y, **kwargs):
        data = seen["data"]
        if x is data.x_test:
            return real_test(model, x, y, **kwargs)
        seen["tests"][seen["epoch"]] = real_test(model, data.x_test, data.y_test)[0]
        acc = PLATEAU[seen["epoch"]]
        return [(1 - acc, acc)]

    monkeypatch.setattr(trainer, "load_data", load)
    monkeypatch.setattr(trainer, "train_epoch", train_epoch)
    monkeypatch.setattr(trainer, "test_epoch", test_epoch)
    return seen


def test_stops_at_the_plateau_and_tests_the_best_epoch(plateau):
    result = train_graph(small_graph(), TINY.replace(patience=1))
    assert result["epochs_run"] == 3 and len(result["curve"]) == 3
    assert result["best_epoch"] == 2 and result["stopped_early"] and not result["hit_cap"]
    assert (result["test_loss"], result["test_acc"]) == plateau["tests"][2]
    assert result["val_acc"] == 0.7 and result["config"]["patience"] == 1


def test_a_run_without_a_plateau_hits_the_cap(plateau):
    result = train_graph(small_graph(), TINY.replace(patience=4))
    assert result["epochs_run"] == 5 and result["best_epoch"] == 2
    assert result["hit_cap"] and not result["stopped_early"]
    assert (result["test_loss"], result["test_acc"]) == plateau["tests"][2]


def test_resume_keeps_the_early_stopping_state(plateau, tmp_path, monkeypatch):
    config = TINY.replace(patience=1)
    full = train_graph(small_graph(), config)
    restore = interrupt_at_epoch(monkeypatch, 3)     # after the best epoch was saved
    with pytest.raises(KeyboardInterrupt):
        train_graph(small_graph(), config, out_dir=tmp_path / "run")
    restore()
    resumed = train_graph(small_graph(), config, out_dir=tmp_path / "run")
    keys = ("test_acc", "test_loss", "val_acc", "best_epoch", "epochs_run", "stopped_early",
            "curve")
    assert {k: resumed[k] for k in keys} == {k: full[k] for k in keys}
    # a finished run resumed again trains nothing more: it had stopped
    again = train_graph(small_graph(), config, out_dir=tmp_path / "run")
    assert {k: again[k] for k in keys} == {k: full[k] for k in keys}
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert saved["best_epoch"] == 2 and saved["stopped_early"] is True


def test_patience_off_changes_nothing():
    """patience 0 (the default) is left out of every recorded config, so earlier
    config.json files, results and sweep fingerprints stay byte for byte the same."""
    assert "patience" not in TrainConfig().to_dict()
    assert TrainConfig.from_dict(TrainConfig().to_dict()) == TrainConfig()
    assert TrainConfig(patience=3).to_dict()["patience"] == 3
    result = train_graph(small_graph(), TINY.replace(epochs=1))
    assert not {"best_epoch", "stopped_early", "hit_cap"} & set(result)


def test_patience_refusals(tmp_path):
    from topocli.training.stack import train_stack

    with pytest.raises(TopocliError, match="--stack 1"):
        train_stack([small_graph(), small_graph(seed=2)], TINY.replace(patience=1))
    with pytest.raises(TopocliError, match="val-fraction"):
        TrainConfig(patience=1, val_fraction=0.0).validate()
    with pytest.raises(TopocliError, match="patience"):
        TrainConfig(patience=-1).validate()


def test_train_sweep_patience_columns_and_stack_refusal(run_cli, tmp_path):
    args = ["train-sweep", "celegans-white1986", "--families", "real", "--count", "1",
            "--seeds", "1", "--epochs", "2", "--patience", "1", "--max-train", "64",
            "--channels", "4", "--threads", "1", "--jobs", "1"]
    refused = run_cli(*args, "--stack", "2", "--out", str(tmp_path / "stacked"))
    assert refused.exit_code != 0 and "--patience" in refused.output
    result = run_cli(*args, "--out", str(tmp_path / "sw"))
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(tmp_path / "sw" / "runs.csv")
    assert {"best_epoch", "stopped_early", "hit_cap", "epochs_run"} <= set(runs.columns)
    row = runs.iloc[0]
    assert row["best_epoch"] <= row["epochs_run"] <= 2
    assert bool(row["stopped_early"]) != bool(row["hit_cap"])
    assert json.loads(row["config"])["patience"] == 1


def test_train_command_patience(run_cli, tmp_path):
    result = run_cli("train", "celegans-white1986", "--epochs", "2", "--patience", "1",
                     "--max-train", "64", "--channels", "4", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert "best validation epoch" in result.output


def test_replaying_a_curve_stops_where_a_run_with_patience_stops():
    """benchmarks/analyze_patience.py replays a fixed-epoch run's validation curve through
    EarlyStopping: the stop is the first epoch with ``patience`` epochs since a strict
    improvement, and the accuracy kept is the best epoch's."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "analyze_patience.py"
    spec = importlib.util.spec_from_file_location("analyze_patience", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    curve = pd.DataFrame({"epoch": [1, 2, 3, 4, 5, 6],
                          "val_acc": [0.50, 0.60, 0.60, 0.55, 0.70, 0.71]})
    assert module.replay(curve, 1) == (3, 0.60)     # a tie is no improvement
    assert module.replay(curve, 2) == (4, 0.60)
    assert module.replay(curve, 3) == (6, 0.71)     # never stops: the cap, its best
