"""topocli.analysis: like-for-like nulls, the fidelity table, significance, and sigma/omega
against networkx's formulas on the very graphs topocli drew (issue 11)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from topocli.analysis import analyze
from topocli.analysis import fidelity as fid
from topocli.graphs import write_graphml
from topocli.metrics import empirical_p, normal_p, nulls_for_holm
from topocli.reports import stats as report_stats


def _reciprocal_graph(n: int = 40, seed: int = 3) -> ig.Graph:
    """A connected directed graph where about half the arcs are mutual pairs."""
    rng = np.random.default_rng(seed)
    arcs: set[tuple[int, int]] = {(i, (i + 1) % n) for i in range(n)}
    while len(arcs) < 4 * n:
        u, v = (int(x) for x in rng.integers(0, n, size=2))
        if u != v:
            arcs.add((u, v))
            if rng.random() < 0.5:
                arcs.add((v, u))
    g = ig.Graph(n=n, edges=sorted(arcs), directed=True)
    g.vs["name"] = [f"v{i}" for i in range(n)]
    g.vs["cell_class"] = [("motor", "sensory", "inter")[i % 3] for i in range(n)]
    return g


def _nx_undirected(g: ig.Graph) -> nx.Graph:
    h = nx.Graph()
    h.add_nodes_from(range(g.vcount()))
    h.add_edges_from(g.get_edgelist())
    return h


@pytest.mark.parametrize("directed", [True, False])
def test_sigma_omega_equal_networkx_formulas_on_the_drawn_graphs(directed):
    """networkx.sigma / networkx.omega, computed by their own formulas on exactly the null
    and lattice graphs analyze drew: C, C_r by transitivity, L by
    average_shortest_path_length, C_l the largest of C and the lattice clusterings."""
    g = _reciprocal_graph()
    if not directed:
        g = g.as_undirected(mode="collapse")
    a = analyze(g, nulls=6, lattice_nulls=4, seed=2, motifs_on=False,
                null_params={"connected": True})
    assert len(a.null_graphs) == 6 and len(a.lattice_graphs) == 4
    G = _nx_undirected(g)
    rand = [_nx_undirected(h) for h in a.null_graphs]
    latt = [_nx_undirected(h) for h in a.lattice_graphs]
    assert nx.is_connected(G) and all(nx.is_connected(r) for r in rand)
    C, L = nx.transitivity(G), nx.average_shortest_path_length(G)
    Cr = np.mean([nx.transitivity(r) for r in rand])
    Lr = np.mean([nx.average_shortest_path_length(r) for r in rand])
    sigma_nx = (C / Cr) / (L / Lr)
    # networkx.omega: Cl starts at average_clustering(G) and is replaced by any higher
    # lattice sample's average clustering.
    Cl = max([nx.average_clustering(G)] + [nx.average_clustering(x) for x in latt])
    omega_nx = Lr / L - nx.average_clustering(G) / Cl
    m = a.metrics.set_index("statistic")
    assert m.loc["sigma", "value"] == pytest.approx(sigma_nx, rel=1e-9)
    assert m.loc["omega", "value"] == pytest.approx(omega_nx, rel=1e-9, abs=1e-12)
    # The null distribution of sigma: each null against the same references.
    first = rand[0]
    sigma0 = (nx.transitivity(first) / Cr) / (nx.average_shortest_path_length(first) / Lr)
    assert a.nulls["sigma"].iloc[0] == pytest.approx(sigma0, rel=1e-9)
    # The lattice comparison row is the mean of the same lattice graphs.
    assert m.loc["clustering_vs_lattice", "null_mean"] == pytest.approx(
        np.mean([nx.average_clustering(x) for x in latt]))


def test_er_on_a_directed_graph_keeps_mutual_pairs_unless_asked_not_to():
    g = _reciprocal_graph()
    m_und = len({tuple(sorted(e)) for e in g.get_edgelist()})
    a = analyze(g, nulls=4, lattice_nulls=0, seed=0, motifs_on=False, null_model="er")
    f = a.fidelity.set_index("quantity")
    assert f.loc["m_undirected", "promised"] and f[f["promised"]]["held"].all()
    assert f.loc["m_undirected", "null_min"] == f.loc["m_undirected", "null_max"] == m_und
    for h in a.null_graphs:
        assert h.is_simple() and h.ecount() == g.ecount()
        assert h.reciprocity() == pytest.approx(g.reciprocity())
    plain = analyze(g, nulls=4, lattice_nulls=0, seed=0, motifs_on=False, null_model="er",
                    null_params={"keep_mutual": False})
    f = plain.fidelity.set_index("quantity")
    assert not f.loc["m_undirected", "promised"] and not f.loc["m_undirected", "held"]


def test_omega_lattice_clustering_is_the_maximum_not_the_mean():
    from topocli.analysis.tables import lattice_clustering

    assert lattice_clustering(0.3, [0.5, 0.7]) == 0.7
    assert lattice_clustering(0.8, [0.5, 0.7]) == 0.8          # C itself if higher
    assert np.isnan(lattice_clustering(0.3, []))


def test_degree_nulls_hold_reciprocity_and_undirected_m():
    g = _reciprocal_graph()
    a = analyze(g, nulls=5, lattice_nulls=0, seed=0, motifs_on=False)
    m = a.metrics.set_index("statistic")
    assert m.loc["reciprocity", "null_mean"] == pytest.approx(m.loc["reciprocity", "value"])
    assert m.loc["m_undirected", "null_sd"] == 0
    f = a.fidelity.set_index("quantity")
    assert f["held"].all() and f["promised"].all()
    assert f.loc["m_undirected", "null_min"] == f.loc["m_undirected", "null_max"] == \
        f.loc["m_undirected", "real"]
    assert a.config["fidelity_warnings"] == []
    assert "not like for like" not in m.loc["transitivity", "note"]
    assert "undirected_tables" not in a.config["skipped"]


def test_inout_nulls_say_what_they_do_not_hold():
    g = _reciprocal_graph()
    a = analyze(g, nulls=5, lattice_nulls=0, seed=0, motifs_on=False, null_model="inout")
    f = a.fidelity.set_index("quantity")
    assert f.loc["in/out-degree sequences", "held"]
    assert not f.loc["reciprocity", "promised"] and not f.loc["reciprocity", "held"]
    assert f.loc["m_undirected", "note"].startswith("not held by inout")
    m = a.metrics.set_index("statistic")
    for key in ("transitivity", "path_length_undirected", "sigma"):
        assert "not like for like" in m.loc[key, "note"], key
    assert a.config["fidelity_warnings"] == []      # nothing promised was broken
    assert "not like for like" in a.config["skipped"]["undirected_tables"]


def test_broken_promise_is_a_warning_row_and_log_line(monkeypatch, caplog):
    """A quantity the model promises that is > 1% off: warning on the log, NO in the row."""
    real = fid.promises

    def overpromise(model, directed, keep_mutual=True):
        return real(model, directed, keep_mutual) | {"reciprocity", "m_undirected"}

    monkeypatch.setattr(fid, "promises", overpromise)
    g = _reciprocal_graph()
    with caplog.at_level(logging.WARNING, logger="topocli"):
        a = analyze(g, nulls=4, lattice_nulls=0, seed=0, motifs_on=False, null_model="er",
                    null_params={"keep_mutual": False})
    f = a.fidelity.set_index("quantity")
    assert f.loc["reciprocity", "promised"] and not f.loc["reciprocity", "held"]
    assert f.loc["reciprocity", "note"].startswith("WARNING")
    assert any("should hold reciprocity" in r.getMessage() for r in caplog.records)
    assert len(a.config["fidelity_warnings"]) == 2


def test_one_empirical_p_named_sidedness_and_holm_bound():
    null = np.arange(999, dtype=float)
    assert empirical_p(5000.0, null) == pytest.approx(2 / 1000)        # two-sided minimum
    assert empirical_p(5000.0, null, sidedness="greater") == pytest.approx(1 / 1000)
    assert empirical_p(-1.0, null, sidedness="less") == pytest.approx(1 / 1000)
    assert report_stats.empirical_p is empirical_p                      # one function
    with pytest.raises(ValueError, match="sidedness"):
        empirical_p(1.0, null, sidedness="upper")
    assert normal_p(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert np.isnan(normal_p(float("nan")))
    # N >= 40K - 1: with 999 nulls all 25 smallest p pass Holm; one more statistic breaks it.
    assert nulls_for_holm(25) == 999 and nulls_for_holm(26) == 1039
    assert np.all(report_stats.holm(np.full(25, 2 / 1000)) <= 0.05 + 1e-12)
    assert np.all(report_stats.holm(np.full(26, 2 / 1000)) > 0.05)
    assert np.all(report_stats.holm(np.full(25, 2 / 999)) > 0.05)


def _summary(n_nulls: int, k: int) -> str:
    from topocli.reports.analyze_page import summary_text
    from topocli.reports.analyze_tables import analyze_tables
    from topocli.reports.folders import ResultFolder

    metrics = pd.DataFrame({"graph": "g", "statistic": [f"s{i}" for i in range(k)],
                            "value": 1.0, "null_mean": 0.0, "null_sd": 0.1, "z": 10.0,
                            "p": 2 / (n_nulls + 1), "note": ""})
    nulls = pd.DataFrame({"graph": ["g"] * n_nulls, "null_index": range(n_nulls)})
    fidelity = pd.DataFrame({"graph": "g", "family": "degree", "quantity": ["n", "m"],
                             "promised": True, "real": 1.0, "null_mean": 1.0, "null_min": 1.0,
                             "null_max": 1.0, "held": [True, False], "note": ""})
    folder = ResultFolder(path=Path("x"), kind="analyze",
                          tables={"metrics": metrics, "nulls": nulls, "fidelity": fidelity})
    return summary_text(analyze_tables(folder).summary, folder.path.name)


def test_page_headline_and_warning_use_two_over_n_plus_one():
    passing = _summary(999, 25)
    assert "25 of 25 differ at Holm-adjusted p ≤ 0.05" in passing
    assert "can pass" not in passing
    failing = _summary(998, 25)          # 1/(N+1) would still pass; 2/(N+1) does not
    assert "0 of 25 differ" in failing and "use --nulls 999 or more" in failing
    assert "NULL FIDELITY WARNING: degree nulls off on m" in passing


def test_done_when_json_reciprocity_and_undirected_edges(run_cli):
    res = run_cli("analyze", "celegans-varshney2011", "--nulls", "4", "--lattice-nulls", "1",
                  "--no-motifs", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)["graphs"][0]
    rows = {r["statistic"]: r for r in doc["metrics"]}
    assert rows["reciprocity"]["value"] == pytest.approx(0.4702, abs=1e-4)
    assert abs(rows["reciprocity"]["null_mean"] / rows["reciprocity"]["value"] - 1) < 0.01
    und = next(r for r in doc["fidelity"] if r["family"] == "degree"
               and r["quantity"] == "m_undirected")
    assert und["real"] == und["null_min"] == und["null_max"] == 2287
    assert "warning" not in res.stderr.lower()


def test_no_mutual_preserving_swap_cli_is_one_line_exit_2(run_cli, tmp_path):
    g = ig.Graph(n=5, edges=[(0, 1), (0, 2), (0, 4), (1, 0), (1, 4), (2, 0), (3, 4), (4, 2)],
                 directed=True)
    g.vs["name"] = [f"c{i}" for i in range(5)]
    path = write_graphml(g, tmp_path / "tight.graphml")
    for args in (("analyze", path, "--nulls", "3"),
                 ("rewire", path, "--model", "degree", "--count", "2", "--out",
                  tmp_path / "o")):
        res = run_cli(*args)
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "no mutual-pair-preserving swap" in lines[0]
        assert "Traceback" not in res.output


def test_model_asked_to_keep_what_it_cannot_is_one_line_exit_2(run_cli, tmp_path):
    # A forest: 8 nodes, 6 edges. ba and ws promise connected graphs with the source's n
    # and m, which no graph has (a connected graph on 8 nodes needs 7 edges).
    g = ig.Graph(n=8, edges=[(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)])
    g.vs["name"] = [f"c{i}" for i in range(8)]
    path = write_graphml(g, tmp_path / "forest.graphml")
    for model in ("ba", "ws"):
        res = run_cli("rewire", path, "--all-components", "--model", model, "--count", "1",
                      "--out", tmp_path / model)
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "connected" in lines[0] and "Traceback" not in res.output


def test_demo_draws_enough_nulls_for_the_statistics_it_tests(varshney):
    """scripts/demo.sh's analyze: N >= 40K - 1 for an upper bound of K (every row with a
    p except those the degree null fixes by construction)."""
    import re

    demo = (Path(__file__).parents[1] / "scripts" / "demo.sh").read_text()
    line = next(x for x in demo.splitlines() if "topocli analyze" in x)
    drawn = int(re.search(r"--nulls (\d+)", line).group(1))
    a = analyze(varshney, nulls=5, lattice_nulls=1, seed=0, motifs_on=False)
    fixed = {"n", "m", "m_undirected", "density", "mean_degree", "max_degree",
             "mean_in_degree", "max_in_degree", "max_out_degree", "reciprocity"}
    rows = a.metrics[a.metrics["p"].notna() & ~a.metrics["statistic"].isin(fixed)]
    assert drawn >= nulls_for_holm(len(rows)), (drawn, len(rows))
