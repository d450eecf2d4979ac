"""``topocli lr-check`` and ``train-sweep --lr-from``: one learning rate for every family,
chosen on validation accuracy before the study, declared in its config and on its page."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from topocli.errors import TopocliError
from topocli.sweep.lr_check import choose_lr, parse_lrs


def _runs(table: dict[str, dict[float, float]], per_cell: int = 2) -> pd.DataFrame:
    """Runs whose mean validation accuracy per (family, lr) is ``table[family][lr]``."""
    rows = []
    for family, by_lr in table.items():
        for lr, acc in by_lr.items():
            for k in range(per_cell):   # spread around the mean, mean kept exact
                rows.append({"family": family, "lr": lr,
                             "val_acc": acc + (0.01 if k % 2 else -0.01)})
    return pd.DataFrame(rows)


def test_choose_lr_minimises_the_worst_familys_shortfall():
    runs = _runs({"real": {1e-3: 0.90, 3e-3: 0.95, 1e-2: 0.80},
                  "degree": {1e-3: 0.92, 3e-3: 0.93, 1e-2: 0.94}})
    choice = choose_lr(runs, tolerance=0.005)
    # shortfalls: 1e-3 -> (0.05, 0.02); 3e-3 -> (0, 0.01); 1e-2 -> (0.15, 0)
    assert choice.lr == 3e-3
    assert choice.worst_family == "degree"
    assert choice.worst_loss == pytest.approx(0.01)
    assert choice.family_best == {"real": 3e-3, "degree": 1e-2}
    assert not choice.shared
    assert choose_lr(runs, tolerance=0.02).shared
    cell = {(r["family"], r["lr"]): r for r in choice.table}
    assert cell["real", 1e-2]["loss_vs_family_best"] == pytest.approx(0.15)
    assert cell["real", 1e-2]["runs"] == 2


def test_choose_lr_breaks_ties_by_the_mean_then_the_smaller_rate():
    tied = _runs({"real": {1e-3: 0.90, 1e-2: 0.90}, "er": {1e-3: 0.80, 1e-2: 0.85}})
    assert choose_lr(tied).lr == 1e-2           # both lose 0 for real; er best at 1e-2
    flat = _runs({"real": {1e-3: 0.9, 1e-2: 0.9}, "er": {1e-3: 0.8, 1e-2: 0.8}})
    assert choose_lr(flat).lr == 1e-3 and choose_lr(flat).shared


def test_choose_lr_refuses_a_check_with_holes():
    runs = _runs({"real": {1e-3: 0.9, 1e-2: 0.8}, "er": {1e-3: 0.7}})
    with pytest.raises(TopocliError, match="lacks runs of er"):
        choose_lr(runs)
    with pytest.raises(TopocliError, match="no finished runs"):
        choose_lr(runs.assign(val_acc=float("nan")))


def test_parse_lrs():
    assert parse_lrs("3e-3, 1e-3,3e-3") == [1e-3, 3e-3]
    for bad in ("", "1e-3", "1e-3,x", "1e-3,-1", "1e-3,inf"):
        with pytest.raises(TopocliError, match="--lrs"):
            parse_lrs(bad)


TINY = ["--families", "real", "--count", "1", "--seeds", "1", "--epochs", "1",
        "--max-train", "96", "--channels", "4", "--threads", "1", "--jobs", "1"]


def test_lr_check_then_a_study_at_the_chosen_rate(run_cli, tmp_path):
    check = tmp_path / "lr"
    res = run_cli("lr-check", "celegans-white1986", "--lrs", "1e-3,3e-2", *TINY,
                  "--out", check)
    assert res.exit_code == 0, res.output
    record = json.loads((check / "lr_check.json").read_text())
    assert record["lr"] in (1e-3, 3e-2) and record["metric"] == "val_acc"
    assert {(r["family"], r["lr"]) for r in record["table"]} == \
        {("real", lr) for lr in (1e-3, 3e-2)}
    for lr in (1e-3, 3e-2):   # each rate a sweep folder with its runs at that rate
        runs = pd.read_csv(check / f"lr-{lr:g}" / "runs.csv")
        assert (runs["status"] == "ok").all() and len(runs) == 1
        assert {json.loads(c)["lr"] for c in runs["config"]} == {lr}
    assert f"{record['lr']:g} (chosen)" in res.stdout

    study = tmp_path / "study"
    res = run_cli("train-sweep", "celegans-white1986", *TINY, "--lr-from", check,
                  "--out", study, "--report")
    assert res.exit_code == 0, res.output
    config = json.loads((study / "config.json").read_text())
    assert config["identity"]["train"]["lr"] == record["lr"]
    declared = config["design"]["lr_check"]
    assert declared["lr"] == record["lr"] and declared["lrs"] == [1e-3, 3e-2]
    page = " ".join((study / "report" / "index.html").read_text().split())
    assert f"The learning rate {record['lr']:g} was chosen before the runs" in page

    # a check of another protocol, or --lr beside --lr-from, is one line and exit 2
    res = run_cli("train-sweep", "celegans-white1986", *TINY[:-6], "--channels", "8",
                  "--threads", "1", "--jobs", "1", "--lr-from", check,
                  "--out", tmp_path / "other")
    assert res.exit_code == 2 and "another protocol (channels differ)" in res.stderr
    assert "Traceback" not in res.output and not (tmp_path / "other").exists()
    res = run_cli("train-sweep", "celegans-white1986", *TINY, "--lr", "0.1",
                  "--lr-from", check, "--out", tmp_path / "both")
    assert res.exit_code == 2 and "not both" in res.stderr
    res = run_cli("train-sweep", "celegans-varshney2011", *TINY, "--lr-from", check,
                  "--out", tmp_path / "graph")
    assert res.exit_code == 2 and "celegans-white1986" in res.stderr
    res = run_cli("train-sweep", "celegans-white1986", *TINY, "--lr-from", tmp_path,
                  "--out", tmp_path / "none")
    assert res.exit_code == 2 and "lr_check.json" in res.stderr
