"""``train-sweep --model reservoir``: nulls, seeds, store, resume and report unchanged."""

from __future__ import annotations

import json

import igraph as ig
import numpy as np
import pandas as pd

from topocli.graphs import write_graphml
from topocli.sweep.plan import GraphSpec
from topocli.sweep.reservoir_task import prepare_reservoir_graph

FAST = ["--steps", "500", "--washout", "50", "--max-delay", "20", "--jobs", "1"]


def _graph(n: int = 24, m: int = 90) -> ig.Graph:
    rng = np.random.default_rng(0)
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    g = ig.Graph(n=n, edges=[pairs[i] for i in rng.choice(len(pairs), m, replace=False)],
                 directed=True)
    g.vs["name"] = [f"c{i}" for i in range(n)]
    g.vs["cell_class"] = ["sensory"] * 8 + ["interneuron"] * 8 + ["motor"] * 8
    g.vs["neurotransmitter"] = ["GABA" if i % 4 == 0 else "Acetylcholine" for i in range(n)]
    return g


def test_reservoir_sweep_tables_resume_and_report(run_cli, tmp_path):
    path = tmp_path / "g.graphml.gz"
    write_graphml(_graph(), path)
    out = tmp_path / "sweep"
    args = ("train-sweep", path, "--model", "reservoir", "--families", "real,er,degree",
            "--count", "2", "--seeds", "2", "--task", "memory-capacity,narma10",
            "--signs", "transmitter", "--out", out, *FAST)
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 10 and (runs["status"] == "ok").all()
    assert runs["score_memory-capacity"].between(0, 8).all()  # 8 motor readout nodes
    assert runs["score_narma10"].between(0, 2).all()
    # the two seeds differ, and each seed is the same stream for every graph (paired)
    real = runs[runs["graph_id"] == "real"]
    assert real["score_memory-capacity"].nunique() == 2
    graphs = pd.read_csv(out / "graphs.csv")
    assert {"degree_cv", "adjacency_spectral_radius", "gaba_nodes"} <= set(graphs.columns)
    assert (graphs["gaba_nodes"] == 6).all()  # er nulls got the real transmitters too
    assert "m_dag" not in graphs  # a reservoir uses every edge, not a DAG of them

    again = run_cli(*args)  # resume: nothing left to run, same tables
    assert again.exit_code == 0 and "0 run now, 10 done before" in again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "runs.csv")[runs.columns[:16]],
                                  runs[runs.columns[:16]])
    changed = run_cli(*args[:-len(FAST)], "--spectral-radius", "0.5", *FAST)
    assert changed.exit_code == 2 and "different sweep" in changed.stderr

    report = run_cli("report", out, "--metric", "score_memory-capacity", "--resamples", "50")
    assert report.exit_code == 0, report.output
    html = (out / "report" / "index.html").read_text()
    assert "memory-capacity: memory capacity (delays)" in html and "degree_cv" in html
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["metric"] == "score_memory-capacity" and summary["higher_is_better"]
    assert "ceiling" not in html.lower()  # memory capacity is no accuracy
    assert ">edges (m)</th>" in html and ">DAG edges</th>" not in html
    # a folder written before wires_dag has the --dag DAG's m_dag: the page still uses m
    graphs.assign(m_dag=graphs["m"] - 1).to_csv(out / "graphs.csv", index=False)
    report = run_cli("report", out, "--metric", "score_memory-capacity", "--resamples", "50")
    html = (out / "report" / "index.html").read_text()
    assert ">edges (m)</th>" in html and ">DAG edges</th>" not in html


def test_prepare_keeps_the_sweep_draw():
    """The reservoir prepare draws the same null graph as the default one."""
    from topocli.graphs import undirected_view
    from topocli.sweep.tasks import prepare_graph

    real = undirected_view(_graph())
    real["source"] = "tiny"
    spec = GraphSpec("er-000", "er", 0, 1234, 99)
    ours = prepare_reservoir_graph(spec, real).graph
    theirs = prepare_graph(spec, real).graph
    assert ours.get_edgelist() == theirs.get_edgelist()
    assert sorted(ours.vs["neurotransmitter"]) == sorted(real.vs["neurotransmitter"])


def test_reservoir_sweep_over_a_grid(run_cli, tmp_path):
    """Grid points (a model's draw at given parameters) are drawn as in a training sweep."""
    path = tmp_path / "g.graphml.gz"
    write_graphml(_graph(), path)
    out = tmp_path / "grid"
    res = run_cli("train-sweep", path, "--model", "reservoir", "--families", "real",
                  "--grid", "ws.p=0,1", "--count", "1", "--seeds", "1", "--out", out, *FAST)
    assert res.exit_code == 0, res.output
    graphs = pd.read_csv(out / "graphs.csv").set_index("family")
    assert list(graphs.index) == ["real", "ws p=0", "ws p=1"]
    assert graphs.loc["ws p=0", "p"] == 0 and graphs.loc["ws p=1", "p"] == 1
    assert graphs.loc["ws p=0", "transitivity"] > graphs.loc["ws p=1", "transitivity"]
    assert pd.read_csv(out / "runs.csv")["score_memory-capacity"].notna().all()


def test_weighted_reservoir_sweep_refused(run_cli, tmp_path):
    path = tmp_path / "g.graphml.gz"
    write_graphml(_graph(), path)
    res = run_cli("train-sweep", path, "--model", "reservoir", "--weighted", "--out",
                  tmp_path / "s", *FAST)
    assert res.exit_code == 2 and "drop --weighted" in res.stderr
    assert not (tmp_path / "s").exists()
