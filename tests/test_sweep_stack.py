"""``train-sweep --stack``: stacked tasks give the same rows; one device per worker."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd
import pytest
import torch

import topocli.sweep.tasks as tasks
import topocli.training.device as device
from topocli.sweep import plan_sweep, run_sweep
from topocli.sweep.run import default_stack, plan_stacks
from topocli.sweep.store import SweepStore
from topocli.training import TrainConfig, train_graph

torch.set_num_threads(1)

CONFIG = TrainConfig(epochs=1, batch_size=32, channels=4, max_train=96, threads=1,
                     device="cpu")
#: Columns that say how a run executed (where, how fast, with whom), not what it computed.
EXECUTION = ["worker", "wall_time_s", "images_per_s", "stack"]
NUMBERS = ["test_acc", "val_acc", "test_loss", "val_loss"]


def real_graph() -> ig.Graph:
    rng = np.random.default_rng(3)
    pairs = [(a, b) for a in range(18) for b in range(a + 1, 18)]
    g = ig.Graph(n=18, edges=[pairs[i] for i in rng.choice(len(pairs), 45, replace=False)])
    g.vs["name"] = [f"n{i}" for i in range(18)]
    return g


def tiny_sweep(out, **kw):
    return run_sweep(real_graph(), out, families="real,er,degree", count=1, seeds=2, seed=3,
                     config=CONFIG, jobs=1, progress=False, **kw)


def rows(out) -> pd.DataFrame:
    return pd.read_csv(out / "runs.csv").sort_values("run_id").reset_index(drop=True)


def test_plan_stacks_groups_one_seed_in_even_parts():
    plan = plan_sweep(["real", "ws", "er"], count=4, seeds=2, seed=0)   # 9 graphs x 2 seeds
    groups = plan_stacks(plan.runs, 4)
    assert sorted(len(g) for g in groups) == [3] * 6
    assert all(len({r.seed for r in g}) == 1 for g in groups)
    assert sorted(r.run_id for g in groups for r in g) == sorted(r.run_id for r in plan.runs)
    assert [len(g) for g in plan_stacks(plan.runs, 1)] == [1] * 18
    assert [len(g) for g in plan_stacks(plan.runs[:3], 8)] == [2, 1]   # seeds 0, 1, 0


def test_stacked_sweep_rows_equal_one_by_one(tmp_path):
    """--stack 3 writes the rows --stack 1 writes (numbers to float rounding), and
    --stack 1 gives exactly what train_graph gives for each run alone."""
    one = tiny_sweep(tmp_path / "one", stack=1)
    three = tiny_sweep(tmp_path / "three", stack=3)
    assert one.ok == three.ok == 6 and one.failed == three.failed == 0
    a, b = rows(tmp_path / "one"), rows(tmp_path / "three")
    assert list(a.columns) == list(b.columns)
    assert set(a["stack"]) == {1} and set(b["stack"]) == {3}   # recorded per run
    same = [c for c in a.columns if c not in EXECUTION + NUMBERS]
    pd.testing.assert_frame_equal(a[same], b[same])
    np.testing.assert_allclose(b[NUMBERS].to_numpy(float), a[NUMBERS].to_numpy(float),
                               rtol=1e-5)
    curves_a = pd.read_csv(tmp_path / "one" / "curves.csv")
    curves_b = pd.read_csv(tmp_path / "three" / "curves.csv")
    np.testing.assert_allclose(curves_b["train_loss"], curves_a["train_loss"], rtol=1e-5)
    with SweepStore(tmp_path / "three" / "sweep.sqlite") as store:
        results = {r.run_id: r.result for r in store.run_rows()}
        run = next(r for r in one.plan.runs if r.graph_id == "real")
        graph = store.load_graph("real")
    assert {r["stacked_with"] for r in results.values()} == {2}
    alone = train_graph(graph, CONFIG.replace(seed=run.seed))
    assert a.loc[a.run_id == run.run_id, "test_acc"].item() == alone["test_acc"]
    assert a.loc[a.run_id == run.run_id, "test_loss"].item() == alone["test_loss"]


def test_failed_stack_retrains_each_run_alone_and_records_per_run(tmp_path, monkeypatch,
                                                                  caplog):
    import topocli.training.stack as stack

    def broken(graphs, config, **kw):
        raise RuntimeError("stack broke")

    real_train = train_graph

    real_edges = sorted(real_graph().get_edgelist())

    def fails_on_real(graph, config, **kw):   # the real graph's runs fail alone as well
        if sorted(graph.get_edgelist()) == real_edges:
            raise RuntimeError("this run fails")
        return real_train(graph, config, **kw)

    monkeypatch.setattr(stack, "train_stack", broken)
    monkeypatch.setattr("topocli.training.train_graph", fails_on_real)
    res = tiny_sweep(tmp_path / "sw", stack=3)
    assert "training each alone" in caplog.text
    table = rows(tmp_path / "sw")
    assert len(table) == 6 and res.ok + res.failed == 6
    failed = table[table.status == "failed"]
    assert list(failed.graph_id) == ["real", "real"]
    assert (failed.error.str.contains("this run fails")).all()
    assert set(table[table.status == "ok"].run_id) == \
        set(table.run_id) - set(failed.run_id)
    # resume: only the failed runs are tried again (restacked), the rest stay as they were
    monkeypatch.undo()
    again = tiny_sweep(tmp_path / "sw", stack=3, retries=1)
    assert again.ran == len(failed) and again.failed == 0
    table2 = rows(tmp_path / "sw")
    keep = table.status == "ok"
    columns = sorted(table.columns)   # (the column order follows the first row's)
    pd.testing.assert_frame_equal(table2.loc[keep, columns], table.loc[keep, columns],
                                  check_dtype=False)


def test_stack_option_is_checked(run_cli, tmp_path):
    for bad in ("0", "-2"):
        res = run_cli("train-sweep", "celegans-varshney2011", "--stack", bad, "--out",
                      str(tmp_path / "x"))
        assert res.exit_code == 2
        assert res.stderr.strip().count("\n") == 0 and "--stack" in res.stderr
    assert not (tmp_path / "x").exists()
    from topocli.errors import TopocliError

    with pytest.raises(TopocliError, match="--stack"):
        tiny_sweep(tmp_path / "y", stack=0)
    from topocli.sweep.run import STACK_DEFAULTS

    res = run_cli("train-sweep", "--help")
    assert "--stack" in res.stdout
    help_text = " ".join(res.stdout.split())
    assert f"{STACK_DEFAULTS['cpu']} on the CPU, {STACK_DEFAULTS['cuda']} on a CUDA GPU" \
        in help_text
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "--stack K" in readme and \
        f"default is {STACK_DEFAULTS['cpu']} on the CPU and {STACK_DEFAULTS['cuda']} on a " \
        "CUDA GPU" in " ".join(readme.split())


def test_default_stack_per_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert default_stack("cpu") == default_stack("auto") >= 1
    assert default_stack("cuda:1") == default_stack("cuda") > default_stack("cpu")


def test_worker_slots_and_devices(tmp_path, monkeypatch):
    """Each worker process claims the lowest free slot; slots map round-robin to GPUs."""
    monkeypatch.setattr(device, "_SLOT", None)
    # another live worker holds slot 0 (flock conflicts between open files, even in one
    # process, as between processes)
    other = os.open(tmp_path / "topocli-worker-0.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert device.worker_slot(tmp_path) == 1
        assert device.worker_slot(tmp_path) == 1   # claimed once per process
    finally:
        os.close(other)
        os.close(device._SLOT[1])
    monkeypatch.setattr(device, "_SLOT", (3, -1))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert tasks._on_worker_device(CONFIG.replace(device="cuda")).device == "cuda:1"
    assert tasks._on_worker_device(CONFIG.replace(device="auto")).device == "cuda:1"
    assert tasks._on_worker_device(CONFIG.replace(device="cuda:0")).device == "cuda:0"
    assert tasks._on_worker_device(CONFIG).device == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert tasks._on_worker_device(CONFIG.replace(device="auto")).device == "auto"


def test_stacked_task_result_shape(tmp_path):
    """A stacked task returns one run_training-shaped outcome per run, in order."""
    plan = plan_sweep(["real"], count=1, seeds=1, seed=0)
    spec = plan.runs[0]
    graphs = (real_graph(), ig.Graph.Ring(10))
    specs = (spec, type(spec)(spec.run_id + "b", "ring", "x", 0, spec.seed))
    out = tasks.run_stack(specs, graphs, CONFIG, 1)
    assert out.key == tasks.stack_key(specs)
    assert [r.run_id for r in out.runs] == [s.run_id for s in specs]
    for r in out.runs:
        assert r.status == "ok" and json.dumps(r.config)
        assert r.config["seed"] == spec.seed and "config" not in r.result
