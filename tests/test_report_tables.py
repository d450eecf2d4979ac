"""The analyze page's "compute the tables" step: pure, checked against hand computation.

Builds a small analyze folder with the library (two Witvliet stages, 5 inout nulls, no
motifs), computes :func:`topocli.reports.analyze_tables.analyze_tables` and checks its
numbers against the folder's CSVs: Holm per graph, percentiles, the headline counts and
what the nulls held. The page built from those tables is checked in test_reports.py.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from topocli.reports.analyze_page import summary_text
from topocli.reports.analyze_tables import analyze_tables
from topocli.reports.folders import ResultFolder, load_folder

GRAPHS = ("celegans-witvliet2021-1", "celegans-witvliet2021-2")
N_NULLS = 5


@pytest.fixture(scope="module")
def analyze_dir(tmp_path_factory) -> Path:
    from topocli.analysis import analyze, write_analyses
    from topocli.graphs import load_graph

    out = tmp_path_factory.mktemp("tables") / "an"
    analyses = [analyze(load_graph(name), nulls=N_NULLS, null_model="inout", seed=3,
                        motifs_on=False, lattice_nulls=1) for name in GRAPHS]
    write_analyses(analyses, out, options={"nulls": N_NULLS, "null_model": "inout"})
    return out


def _holm_by_hand(p: list[float]) -> list[float]:
    """Holm (1979) step-down, written out: sort, scale by (m - j), running maximum."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    adjusted, running = [0.0] * len(p), 0.0
    for j, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - j) * p[i]))
        adjusted[i] = running
    return adjusted


def test_tables_step_imports_no_figures_or_html():
    # matplotlib itself cannot be the test: igraph imports it when it is installed.
    code = ("import sys, topocli.reports.analyze_tables, topocli.reports.sweep_tables; "
            "bad = [m for m in sys.modules if m.endswith(('_figures', 'figure_style', "
            "'_page')) or m == 'topocli.reports.html']; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_holm_per_graph_and_percentiles_match_the_csvs(analyze_dir):
    before = sorted(p.name for p in analyze_dir.rglob("*"))
    folder = load_folder(analyze_dir)
    tables = analyze_tables(folder)
    assert sorted(p.name for p in analyze_dir.rglob("*")) == before   # wrote nothing
    assert "p_holm" not in folder.table("metrics")                      # changed nothing
    assert tables.graphs == GRAPHS
    assert tables.null_label == "inout nulls"
    metrics, nulls = tables.metrics, pd.read_csv(analyze_dir / "nulls.csv")
    assert set(tables.csvs()) == {"metrics_with_holm"}
    for graph in GRAPHS:
        rows = metrics[metrics["graph"] == graph]
        fixed = rows["null_sd"] == 0          # n and m: the nulls hold them, no test
        assert fixed.any() and rows.loc[fixed, "p_holm"].isna().all()
        tested = rows[~fixed & rows["p"].notna()]
        assert len(tested) >= 10
        assert tested["p_holm"].to_numpy() == pytest.approx(
            _holm_by_hand(tested["p"].tolist()))                        # family: one graph
        sub = nulls[nulls["graph"] == graph]
        for _, r in tested.iterrows():
            if r["statistic"] not in sub:     # measured on the lattice references only
                assert math.isnan(r["percentile"])
                continue
            null = sub[r["statistic"]].dropna().to_numpy(float)
            below = np.sum(null < r["value"]) + 0.5 * np.sum(null == r["value"])
            assert r["percentile"] == pytest.approx(100 * below / len(null))
        assert len(tables.nulls_of(graph)) == N_NULLS
        assert tables.real_values(graph)["m"] == rows.set_index("statistic").at["m", "value"]


def test_summary_facts_and_fidelity(analyze_dir):
    from topocli.graphs import load_graph

    tables = analyze_tables(load_folder(analyze_dir))
    s = tables.summary
    first = load_graph(GRAPHS[0])
    rows = tables.metrics[tables.metrics["graph"] == GRAPHS[0]]
    z = rows["z"].abs()
    assert (s.graph, s.n, s.m) == (GRAPHS[0], first.vcount(), first.ecount())
    assert (s.n_nulls, s.null_label, s.more_graphs) == (N_NULLS, "inout nulls", 1)
    assert s.extreme.statistic == rows.loc[z.idxmax(), "statistic"]
    assert (s.n_extreme, s.n_with_z) == ((z >= 3).sum(), z.notna().sum())
    assert s.tested == rows["p_holm"].notna().sum()
    # 2/(N+1) = 1/3 times K tests is far above 0.05: nothing can pass, and the page says
    # how many nulls would let it (2K/0.05 - 1).
    assert s.differ == 0 and s.nulls_needed == 40 * s.tested - 1
    fid = pd.read_csv(analyze_dir / "fidelity.csv")
    fid = fid[(fid["graph"] == GRAPHS[0]) & (fid["family"] == "inout")]   # the first family
    assert s.fidelity.broken == () and s.fidelity.family == "inout"
    assert set(s.fidelity.held) == set(fid.loc[fid["held"], "quantity"])
    assert set(s.fidelity.not_held) == set(fid.loc[~fid["held"], "quantity"])
    assert "reciprocity" in s.fidelity.not_held      # inout swaps let reciprocity fall
    text = summary_text(s, analyze_dir.name)
    assert text.startswith(f"{GRAPHS[0]} ({first.vcount()} nodes, {first.ecount()} edges) "
                           f"against {N_NULLS} inout nulls")
    assert f"0 of {s.tested} differ at Holm-adjusted p ≤ 0.05" in text
    assert f"use --nulls {40 * s.tested - 1} or more" in text
    assert "but not " in text and "reciprocity" in text and "1 more graph below" in text


def test_broken_promise_and_a_folder_without_statistics():
    metrics = pd.DataFrame({"statistic": ["a", "b", "c"], "value": 1.0, "null_mean": 0.0,
                            "null_sd": [0.5, 0.5, 0.0], "z": [2.0, 4.0, math.nan],
                            "p": [0.01, 0.04, 0.5]})
    fidelity = pd.DataFrame({"family": "degree", "quantity": ["n", "reciprocity"],
                             "promised": [True, True], "held": [True, False]})
    folder = ResultFolder(path=Path("solo"), kind="analyze",
                          tables={"metrics": metrics, "fidelity": fidelity})
    t = analyze_tables(folder)
    assert t.graphs == ("solo",)                # no graph column: the folder's name
    assert t.metrics["p_holm"].tolist()[:2] == pytest.approx([0.02, 0.04])
    assert math.isnan(t.metrics["p_holm"].iloc[2])            # null sd 0: not a test
    assert "percentile" not in t.metrics                       # no nulls.csv
    s = t.summary
    assert (s.tested, s.differ, s.n_nulls, s.nulls_needed) == (2, 2, None, None)
    assert s.extreme.statistic == "b" and (s.n_extreme, s.n_with_z) == (1, 2)
    assert s.fidelity.broken == (("degree", "reciprocity"),)
    assert "NULL FIDELITY WARNING: degree nulls off on reciprocity" in summary_text(s, "solo")
    # Two graphs: each is its own Holm family (pooled, 0.01 would become 0.05, not 0.03).
    two = pd.DataFrame({"graph": ["g1", "g1", "g2", "g2", "g2"], "statistic": list("ababc"),
                        "value": 1.0, "null_sd": 0.5, "z": 1.0,
                        "p": [0.01, 0.04, 0.01, 0.02, 0.03]})
    t = analyze_tables(ResultFolder(path=Path("two"), kind="analyze",
                                    tables={"metrics": two}))
    assert t.metrics["p_holm"].tolist() == pytest.approx([0.02, 0.04, 0.03, 0.04, 0.04])
    assert (t.graphs, t.summary.graph, t.summary.more_graphs) == (("g1", "g2"), "g1", 1)
    assert (t.summary.tested, t.summary.differ) == (2, 2)
    empty = analyze_tables(ResultFolder(path=Path("none"), kind="analyze"))
    assert empty.summary is None and empty.metrics is None and empty.csvs() == {}
    assert summary_text(None, "none").startswith("none: no statistics table was found")
