"""A fair sweep: every family in one convention, with the statistics that could explain
accuracy, refused up front when a family cannot work, and a time estimate before it starts.

Graphs are prepared for real (null models, statistics); training is the fast stand-in,
except for the pilot test (digits, 4 channels, 100 images).
"""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest

from topocli.graphs import GraphView, load_graph, undirected_view
from topocli.sweep import run_sweep
from topocli.sweep._stand_ins import stand_in_train


def _sweep(out, families, config=None):
    lines: list[str] = []
    run_sweep("celegans-varshney2011", out, families=families, count=1, seeds=1, seed=3,
              jobs=1, config=config, train_fn=partial(stand_in_train, epochs=1),
              progress=False, echo=lines.append)
    return pd.read_csv(out / "graphs.csv"), json.loads((out / "config.json").read_text()), \
        lines


def test_undirected_view_collapses_arcs_and_keeps_node_classes(varshney):
    und = undirected_view(varshney)
    assert varshney.is_directed() and varshney.ecount() == 2990
    assert not und.is_directed() and und.ecount() == 2287 and und.vcount() == 279
    assert und.vs["cell_class"] == varshney.vs["cell_class"] and und.is_simple()
    assert json.loads(und["view"])["directed"] is False
    assert set(und.es["weight"]) == {1.0}


@pytest.mark.parametrize("weighted", [False, True])
def test_undirected_view_counts_gap_junctions_once(weighted):
    """The directed view holds each gap junction as two arcs; collapsing it must give
    the same edges, synapse counts and weights as loading the graph undirected."""
    directed = load_graph("celegans-varshney2011", GraphView(weighted=weighted))
    loaded = load_graph("celegans-varshney2011", GraphView(directed=False, weighted=weighted))

    def edges(g):
        return sorted((*sorted((g.vs[e.source]["name"], g.vs[e.target]["name"])),
                       e["synapses"], e["electrical_synapses"], e["weight"]) for e in g.es)

    assert edges(undirected_view(directed)) == edges(loaded)
    assert sum(loaded.es["synapses"]) < sum(directed.es["synapses"])


@pytest.mark.parametrize("dag, families, directed, m", [
    ("random-order", "real,er,degree,ws", False, 2287),
    ("feedback-arc", "real,er,degree", True, 2990),
])
def test_every_graph_row_follows_one_convention(tmp_path, dag, families, directed, m):
    from topocli.training import TrainConfig

    graphs, config, lines = _sweep(tmp_path / "sw", families, TrainConfig(dag=dag))
    # One convention for every row: all undirected (random-order) or all directed.
    assert graphs["directed"].tolist() == [directed] * len(graphs)
    assert (graphs["n"] == 279).all()
    by_id = graphs.set_index("graph_id")
    assert by_id.loc["real", "m"] == m
    assert by_id.loc["er-000", "m"] == m and by_id.loc["degree-000", "m"] == m
    # What each network is wired from, per graph.
    kept = by_id["m_dag"]
    if directed:
        assert (kept < by_id["m"]).all()  # feedback arcs dropped
        assert "motif3:030T" in graphs  # the 13-class directed census
    else:
        assert (kept == by_id["m"]).all()  # undirected: every edge becomes one DAG edge
        assert {"motif3:triangle", "motif3:open_triad"} <= set(graphs.columns)
    # Small-world indices against a few seeded references, and the 4-node census.
    for column in ("sigma", "omega", "propensity", "L_r", "C_l", "motif4:clique"):
        assert np.isfinite(graphs[column]).all(), column
    identity = config["identity"]
    assert identity["graph"]["directed"] is directed and identity["graph"]["m"] == m
    assert identity["graph"]["source_m"] == 2990
    assert identity["statistics"]["small_world"]["nrand"] == 10
    plan = next(line for line in lines if line.startswith("sweep plan:"))
    assert ("graphs directed" if directed else "graphs undirected") in plan
    # A custom training task is not piloted: its steps would not say what it costs.
    assert "time estimate after the first runs finish" in plan


@pytest.mark.parametrize("args, names", [
    (("--families", "real,er,ws,ba"), "ws and ba"),
    (("--families", "real,ba"), "ba null model is"),
    (("--families", "real,er", "--undirected"), "loaded undirected"),
])
def test_feedback_arc_with_undirected_graphs_is_refused_up_front(tmp_path, run_cli, args,
                                                                  names):
    out = tmp_path / "sw"
    res = run_cli("train-sweep", "celegans-varshney2011", "--dag", "feedback-arc", *args,
                  "--out", out)
    assert res.exit_code == 2
    assert res.stderr.startswith("topocli: error:") and res.stderr.count("\n") == 1
    assert names in res.stderr and "--dag random-order" in res.stderr
    assert not out.exists()  # refused before anything was planned or written


def test_pilot_estimates_a_run_from_a_few_steps(varshney):
    import torch

    from topocli.sweep.estimate import estimate_seconds, pilot
    from topocli.training import TrainConfig

    config = TrainConfig(epochs=2, channels=4, batch_size=32, max_train=100, threads=1)
    state, threads = torch.random.get_rng_state(), torch.get_num_threads()
    p = pilot(undirected_view(varshney), config)
    assert torch.equal(state, torch.random.get_rng_state())  # no run's randomness moved
    assert torch.get_num_threads() == threads
    assert p.step_s > 0 and p.setup_s > 0 and p.eval_image_s > 0
    assert p.steps_per_run == 2 * 4  # 100 images, batch 32: 4 steps (the last has 4)
    assert p.run_s > p.step_s * p.steps_per_run
    assert estimate_seconds(p, 5, 2) == pytest.approx(3 * p.run_s)
    assert estimate_seconds(p, 1, 4) == pytest.approx(p.run_s)
