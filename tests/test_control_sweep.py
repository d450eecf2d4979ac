"""``train-sweep --model controller``: nulls, seeds, store, resume and the report page."""

from __future__ import annotations

import json

import pandas as pd
from test_control import tiny_graph

from topocli.graphs import write_graphml

FAST = ["--generations", "3", "--population", "2", "--eval-episodes", "1",
        "--final-episodes", "1", "--jobs", "1"]


def test_controller_sweep_tables_resume_and_report(run_cli, tmp_path):
    path = tmp_path / "g.graphml.gz"
    write_graphml(tiny_graph(), path)
    out = tmp_path / "sweep"
    args = ("train-sweep", path, "--model", "controller", "--families", "real,er",
            "--count", "1", "--seeds", "2", "--task", "cartpole", "--out", out, *FAST)
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 and (runs["status"] == "ok").all()
    assert runs["score_cartpole"].between(1, 500).all()
    assert runs["generations_cartpole"].between(1, 4).all()   # 4: never reached (3 + 1)
    # every graph of a seed index trains with the same seed (paired episodes)
    assert runs.groupby("seed_index")["seed"].nunique().eq(1).all()
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 12 and set(curves["task"]) == {"cartpole"}
    assert curves["return"].notna().all() and curves["epoch"].tolist()[:3] == [1, 2, 3]
    graphs = pd.read_csv(out / "graphs.csv")
    assert (graphs["gaba_nodes"] == 6).all()      # er nulls got the real transmitters

    again = run_cli(*args)
    assert again.exit_code == 0 and "0 run now, 4 done before" in again.stderr
    changed = run_cli(*args[:-len(FAST)], "--sigma", "0.2", *FAST)
    assert changed.exit_code == 2 and "different sweep" in changed.stderr

    report = run_cli("report", out, "--metric", "generations_cartpole", "--resamples", "50")
    assert report.exit_code == 0, report.output
    html = (out / "report" / "index.html").read_text()
    assert "Controller: return per generation" in html
    assert "Budget: controllers trained by evolution strategies" in html
    assert (out / "report" / "return_curves_cartpole.png").stat().st_size > 1000
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["metric"] == "generations_cartpole" and not summary["higher_is_better"]
    table = pd.read_csv(out / "report" / "controller_summary.csv")
    assert set(table["family"]) == {"real", "er"} and (table["task"] == "cartpole").all()
    er = table[table["family"] == "er"].iloc[0]
    assert er["seed_pairs"] == 2 and er["runs"] == 2


def test_controller_sweep_refuses_a_reservoir_task(run_cli, tmp_path):
    done = run_cli("train-sweep", "celegans-varshney2011", "--model", "controller",
                   "--task", "narma10", "--out", tmp_path / "s")
    assert done.exit_code == 2 and "unknown control task 'narma10'" in done.stderr
    assert not (tmp_path / "s").exists()


def test_controller_sweep_with_the_gradient_trainer(run_cli, tmp_path):
    path = tmp_path / "g.graphml.gz"
    write_graphml(tiny_graph(), path)
    out = tmp_path / "sweep"
    done = run_cli("train-sweep", path, "--model", "controller", "--families", "real",
                   "--count", "1", "--seeds", "1", "--task", "cartpole", "--out", out,
                   "--trainer", "gradient", "--grad-batch", "2", *FAST)
    assert done.exit_code == 0, done.output
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 1 and runs["status"].eq("ok").all()
    config = json.loads((out / "config.json").read_text())
    assert '"trainer": "gradient"' in config["identity"]["task"]
    from topocli.reports.sweep_headline import budget, budget_text

    assert "controllers trained by gradients" in budget_text(budget(config))
    bad = run_cli("train-sweep", path, "--model", "controller", "--out", tmp_path / "s2",
                  "--trainer", "gradient", "--es-lr", "0.1")
    assert bad.exit_code == 2 and "--es-lr applies only to --trainer es" in bad.stderr
