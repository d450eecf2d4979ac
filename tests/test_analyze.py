"""analyze(), graph_statistics() and the ``topocli analyze`` command."""

from __future__ import annotations

import json

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from topocli.analysis import analyze, graph_statistics
from topocli.graphs import GraphView, load_graph, write_graphml

WHITE5 = GraphView(layer="chemical", neurons_only=False, largest_component=False,
                   min_synapses=5)


def test_graph_statistics_flat_and_complete(varshney):
    stats = graph_statistics(varshney, seed=0)
    for key in ("n", "m", "density", "mean_degree", "reciprocity", "path_length",
                "global_efficiency", "diameter", "clustering_avg_zero", "transitivity",
                "modularity", "n_communities", "class_modularity", "class_assortativity",
                "homophily_fraction", "degree_assortativity"):
        assert isinstance(stats[key], float), key
    assert (stats["n"], stats["m"]) == (279, 2990)
    assert stats == graph_statistics(varshney, seed=0)


def test_ffl_over_represented_in_white1986_strong_synapses():
    g = load_graph("celegans-white1986", WHITE5)
    assert (g.vcount(), g.ecount()) == (249, 471)
    a = analyze(g, nulls=60, seed=0, lattice_nulls=0)
    ffl = a.motifs.set_index("motif").loc["030T"]
    assert ffl["count"] == 110
    assert ffl["z"] > 2
    sp = a.motifs[a.motifs["size"] == 3]["sp"].to_numpy()
    assert np.sum(sp ** 2) == pytest.approx(1.0)


def test_er_graph_against_er_nulls_gives_z_near_zero():
    import random

    ig.set_random_number_generator(random.Random(7))
    er = ig.Graph.Erdos_Renyi(n=80, m=320)
    ig.set_random_number_generator(random)
    er.vs["cell_class"] = ["motor"] * 40 + ["sensory"] * 40
    a = analyze(er, nulls=30, null_model="er", seed=1, motifs_on=False, lattice_nulls=2)
    m = a.metrics.set_index("statistic")
    assert m.loc["sigma", "value"] == pytest.approx(1.0, abs=0.25)
    zs = m.loc[["transitivity", "path_length", "clustering_avg_zero", "class_assortativity"],
               "z"]
    assert np.all(np.abs(zs) < 3.5)
    assert len(a.nulls) == 30 and {"null_index", "seed", "sigma"} <= set(a.nulls.columns)


def test_cli_table_json_and_out_folder(run_cli, tmp_path):
    res = run_cli("analyze", "celegans-varshney2011", "--layer", "chemical", "--nulls", "4",
                  "--lattice-nulls", "1", "--out", tmp_path / "a")
    assert res.exit_code == 0, res.stderr
    assert "sigma" in res.stdout and "030T" in res.stdout and "null mean ± sd" in res.stdout
    out = tmp_path / "a"
    for f in ("metrics.csv", "metrics.json", "nulls.csv", "motifs.csv", "class_matrix.csv",
              "rich_club.csv", "fidelity.csv", "config.json", "kind.txt"):
        assert (out / f).exists(), f
    assert (out / "kind.txt").read_text().strip() == "analyze"
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns) == ["graph", "statistic", "value", "null_mean", "null_sd",
                                     "z", "p", "p_normal", "note"]
    fidelity = pd.read_csv(out / "fidelity.csv")
    assert {"graph", "family", "quantity", "promised", "real", "null_mean", "null_min",
            "null_max", "held", "note"} <= set(fidelity)
    assert fidelity["held"].all()                    # degree nulls hold what they promise
    nulls = pd.read_csv(out / "nulls.csv")
    assert len(nulls) == 4 and {"graph", "null_index", "seed", "transitivity"} <= set(nulls)
    motifs = pd.read_csv(out / "motifs.csv")
    assert {"graph", "size", "motif", "count", "null_mean", "null_sd", "z", "sp"} <= set(motifs)
    cm = pd.read_csv(out / "class_matrix.csv")
    assert {"graph", "source_class", "target_class", "edges", "z"} <= set(cm)
    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 0 and "igraph" in config["versions"]
    g = load_graph(out / "graphs" / "celegans-varshney2011.graphml.gz",
                   GraphView(largest_component=False))
    assert g.ecount() == 2194
    again = run_cli("analyze", "celegans-varshney2011", "--nulls", "0", "--out", out)
    assert again.exit_code == 2 and "already holds" in again.stderr


def test_cli_json_several_graphs_one_row_each(run_cli, tmp_path):
    ring = ig.Graph.Lattice([30], nei=2, circular=True)
    ring.vs["name"] = [f"r{i}" for i in range(30)]
    write_graphml(ring, tmp_path / "ring.graphml")
    res = run_cli("analyze", "celegans-white1986", tmp_path / "ring.graphml", "--nulls", "3",
                  "--lattice-nulls", "1", "--no-motifs", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert [g["graph"] for g in data["graphs"]] == ["celegans-white1986", "ring"]
    table = run_cli("analyze", "celegans-white1986", tmp_path / "ring.graphml", "--nulls", "0")
    assert table.exit_code == 0
    lines = table.stdout.strip().splitlines()
    assert lines[0].startswith("graph") and len(lines) == 4


def test_bad_input_nan_with_reason_or_one_line_error(run_cli, tmp_path):
    two = ig.Graph(n=5, edges=[(0, 1), (1, 2), (3, 4)], directed=True)
    a = analyze(two, nulls=0, motifs_on=True)
    m = a.metrics.set_index("statistic")
    assert np.isnan(m.loc["sigma", "value"]) and "needs nulls" in m.loc["sigma", "note"]
    single_scc = m.loc["path_length"]
    assert np.isnan(single_scc["value"]) and "single node" in single_scc["note"]
    with pytest.raises(Exception, match="no edges"):
        analyze(ig.Graph(n=3), nulls=5)
    (tmp_path / "empty.csv").write_text("source,target\n")
    res = run_cli("analyze", tmp_path / "empty.csv", "--nulls", "2")
    assert res.exit_code == 2 and res.stderr.strip().count("\n") == 0


def _directed_graph(n: int = 20, m: int = 60, seed: int = 3) -> ig.Graph:
    rng = np.random.default_rng(seed)
    codes = rng.choice(n * (n - 1), size=m, replace=False)
    u, r = np.divmod(codes, n - 1)
    g = ig.Graph(n=n, edges=np.stack([u, r + (r >= u)], axis=1).tolist(), directed=True)
    g.vs["name"] = [f"v{i}" for i in range(n)]
    g.vs["cell_class"] = ["motor", "sensory"] * (n // 2)
    g.es["weight"] = [1.0] * m
    return g


@pytest.mark.parametrize("model", ["ws", "ba"])
def test_directed_graph_against_undirected_nulls_uses_undirected_view(model):
    g = _directed_graph()
    und_m = len({tuple(sorted(e)) for e in g.get_edgelist()})
    a = analyze(g, nulls=3, null_model=model, seed=0, lattice_nulls=1)
    assert "undirected view" in a.config["undirected_view"] and not a.config["directed"]
    m = a.metrics.set_index("statistic")
    assert m.loc["m", "value"] == und_m < g.ecount()
    assert "mean_in_degree" not in m.index and np.isnan(m.loc["reciprocity", "value"])
    # value and nulls measured alike: a statistic defined on the graph is defined on nulls
    finite = m["value"].notna() & ~m.index.str.endswith("_vs_lattice")
    assert m.loc[finite, "null_mean"].notna().all(), m[finite & m["null_mean"].isna()]
    assert set(a.motifs[a.motifs["size"] == 3]["motif"]) == {"open_triad", "triangle"}
    assert not a.motifs["directed"].any()
    assert g.is_directed()  # the caller's graph is not modified


def test_cli_directed_graph_with_ws_nulls_says_undirected_view(run_cli, tmp_path):
    write_graphml(_directed_graph(), tmp_path / "d.graphml")
    res = run_cli("analyze", tmp_path / "d.graphml", "--nulls", "3", "--null-model", "ws",
                  "--lattice-nulls", "1")
    assert res.exit_code == 0, res.stderr
    assert "analysed as the undirected view" in res.stdout
    assert "undirected view" in res.stderr and "Traceback" not in res.output


def test_tiny_star_with_er_nulls_lattice_rows_nan_with_reason(run_cli, tmp_path):
    (tmp_path / "star.csv").write_text("source,target\nhub,a\nhub,b\nhub,c\nhub,d\n")
    res = run_cli("analyze", tmp_path / "star.csv", "--nulls", "3", "--null-model", "er",
                  "--json")
    assert res.exit_code == 0, res.stderr
    graph = json.loads(res.stdout)["graphs"][0]
    assert "no degree-preserving swap" in graph["config"]["skipped"]["lattice"]
    rows = {r["statistic"]: r for r in graph["metrics"]}
    for key in ("omega", "propensity", "clustering_vs_lattice", "path_length_vs_lattice"):
        assert rows[key]["null_mean"] is None, key
        assert "no lattice reference" in rows[key]["note"], key
    assert rows["omega"]["value"] is None
    assert rows["path_length_undirected"]["null_mean"] is not None  # the er nulls were used


@pytest.mark.parametrize("edges, directed", [
    ([(0, 1), (0, 2), (0, 3), (0, 4)], False),         # star: no swap, no triangles
    ([(0, 1), (1, 2), (2, 3), (3, 0)], False),         # 4-cycle: equal degrees
    ([(0, 1), (2, 3)], False),                         # two edges, no triples
    ([(0, 1), (1, 0), (1, 2), (2, 3), (3, 1)], True),
])
def test_tiny_graphs_every_nan_value_has_a_reason(edges, directed):
    g = ig.Graph(n=1 + max(max(e) for e in edges), edges=edges, directed=directed)
    for nulls in (0, 3):
        a = analyze(g, nulls=nulls, null_model="er", seed=0, lattice_nulls=2 if nulls else 0)
        m = a.metrics
        undefined = m[m["value"].isna()]
        ok = undefined["note"].str.contains("undefined|needs nulls")
        assert ok.all(), undefined.loc[~ok, ["statistic", "note"]]
