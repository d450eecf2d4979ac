"""``topocli rewire``: files and manifest written, existing manifests refused, bad input exit 2."""

from __future__ import annotations

import json

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from topocli.graphs import GraphView, load_graph, write_graphml

GRAPH = "celegans-varshney2011"


@pytest.fixture
def star_file(tmp_path):
    g = ig.Graph.Star(8)
    g.vs["name"] = [f"c{i}" for i in range(8)]
    g.vs["cell_class"] = ["interneuron"] * 8
    g.es["weight"] = [1.0] * g.ecount()
    g.es["synapse_type"] = ["chemical"] * g.ecount()
    return write_graphml(g, tmp_path / "star.graphml")


def test_rewire_writes_nulls_and_manifest(run_cli, tmp_path, varshney_chemical):
    out = tmp_path / "nulls"
    res = run_cli("rewire", GRAPH, "--layer", "chemical", "--model", "er,degree,ba",
                  "--count", "2", "--seed", "4", "-Q", "1", "--out", out)
    assert res.exit_code == 0, res.stderr
    table = pd.read_csv(out / "manifest.csv")
    assert list(table["file"]) == [f"{m}-{i}.graphml.gz" for m in ("er", "degree", "ba")
                                   for i in (0, 1)]
    assert set(table["n"]) == {varshney_chemical.vcount()}
    deg = table[table["model"] == "degree"]
    pairs = len({tuple(sorted(e)) for e in varshney_chemical.get_edgelist()})
    assert (deg["swaps_attempted"] == pairs).all()          # arcs + mutual pairs, Q = 1
    assert (deg["swaps_accepted"] > 0).all()
    assert (table[table["model"] == "ba"]["m_mismatch"] == 0).all()
    assert (table[table["model"] == "ba"]["m"] == pairs).all()
    assert json.loads(deg["params"].iloc[0])["swaps_per_edge"] == 1
    doc = json.loads((out / "manifest.json").read_text())
    assert doc["seed"] == 4 and len(doc["nulls"]) == 6 and doc["view"]["layer"] == "chemical"
    back = load_graph(out / "degree-1.graphml.gz")
    assert back.vcount() == varshney_chemical.vcount()
    assert back.ecount() == varshney_chemical.ecount()
    assert sorted(back.indegree()) == sorted(varshney_chemical.indegree())


def test_rewire_refuses_existing_manifest(run_cli, tmp_path):
    out = tmp_path / "nulls"
    args = ("rewire", GRAPH, "--model", "er", "--count", "1", "--out", out)
    assert run_cli(*args).exit_code == 0
    before = (out / "manifest.json").read_text()
    res = run_cli(*args, "--seed", "9")
    assert res.exit_code == 2
    assert "already holds manifest" in res.stderr and "--force" in res.stderr
    assert (out / "manifest.json").read_text() == before
    forced = run_cli(*args, "--seed", "9", "--force")
    assert forced.exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9


@pytest.mark.parametrize("args, message", [
    (("--model", "degre"), "did you mean degree"),
    (("--model", "er", "--count", "0"), "--count must be at least 1"),
    (("--model", "ws", "--k", "400"), "k < n"),
    (("--model", "er", "--p", "0.3"), "--p applies to the ws model"),
])
def test_rewire_bad_input_one_line_exit_2(run_cli, tmp_path, args, message):
    res = run_cli("rewire", GRAPH, *args, "--out", tmp_path / "x")
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stderr.strip().count("\n") == 0
    assert not (tmp_path / "x" / "manifest.csv").exists()


def test_rewire_star_has_no_swaps(run_cli, tmp_path, star_file):
    res = run_cli("rewire", star_file, "--model", "degree", "--out", tmp_path / "x")
    assert res.exit_code == 2
    assert "no degree-preserving swap" in res.stderr
    assert res.stderr.strip().count("\n") == 0


@pytest.fixture
def small_file(tmp_path):
    """A 16-node directed graph: quick to rewire with every model."""
    codes = np.random.default_rng(0).choice(16 * 15, size=40, replace=False)
    u, r = np.divmod(codes, 15)
    g = ig.Graph(n=16, edges=np.stack([u, r + (r >= u)], axis=1).tolist(), directed=True)
    g.vs["name"] = [f"c{i}" for i in range(16)]
    g.vs["cell_class"] = ["motor", "sensory"] * 8
    g.es["weight"] = [1.0] * g.ecount()
    g.es["synapse_type"] = ["chemical"] * g.ecount()
    return write_graphml(g, tmp_path / "small.graphml")


def _args(small_file, out, *more):
    return ("rewire", small_file, "--all-components", "--count", "1", "--jobs", "1",
            "--out", out, *more)


def test_rewire_undirected_families_have_the_real_edge_count(run_cli, tmp_path):
    """The issue's check: every ws/er/ba file has exactly the real graph's edge count."""
    out = tmp_path / "d"
    res = run_cli("rewire", GRAPH, "--undirected", "--model", "ws,er,ba", "--count", "3",
                  "--out", out, "--jobs", "1")
    assert res.exit_code == 0, res.stderr
    real = load_graph(GRAPH, GraphView(directed=False))
    for path in sorted(out.glob("*.graphml.gz")):
        null = load_graph(path)
        assert (null.vcount(), null.ecount()) == (real.vcount(), real.ecount()), path.name
    table = pd.read_csv(out / "manifest.csv")
    assert len(table) == 9 and set(table["m"]) == {real.ecount()}


def test_rewire_zero_option_values_are_used_not_dropped(run_cli, tmp_path, small_file):
    out = tmp_path / "ws"
    res = run_cli(*_args(small_file, out, "--model", "ws", "--p", "0", "--k", "4"))
    assert res.exit_code == 0, res.stderr
    params = json.loads(pd.read_csv(out / "manifest.csv")["params"].iloc[0])
    assert params["p"] == 0 and params["k"] == 4
    ring = load_graph(out / "ws-0.graphml.gz")
    assert sorted(ring.degree()) == [4] * 16        # p = 0: the ring lattice itself
    assert json.loads((out / "manifest.json").read_text())["params"]["ws"]["p"] == 0


@pytest.mark.parametrize("args, message", [
    (("--model", "degree", "-Q", "0"), "-Q/--swaps-per-edge must be a number > 0"),
    (("--model", "degree", "--swaps-per-edge", "-1"), "must be a number > 0"),
    (("--model", "ba", "--m-attach", "0"), "--m-attach must be at least 1"),
    (("--model", "ws", "--p", "1.5"), "--p must be a probability in [0, 1]"),
    (("--model", "ws", "--p", "-0.1"), "--p must be a probability"),
    (("--model", "ws", "--k", "3"), "--k must be an even number >= 2"),
    (("--model", "ws", "--k", "0"), "--k must be an even number >= 2"),
    (("--model", "er", "--p", "0"), "--p applies to the ws model"),
])
def test_rewire_bad_option_values_one_line_exit_2(run_cli, tmp_path, small_file, args,
                                                  message):
    res = run_cli(*_args(small_file, tmp_path / "x", *args))
    assert res.exit_code == 2, res.output
    assert message in res.stderr and res.stderr.strip().count("\n") == 0
    assert not (tmp_path / "x" / "manifest.csv").exists()


def test_rewire_jobs_default_one_per_core(run_cli, tmp_path, small_file, monkeypatch):
    from topocli import nullmodels
    from topocli.cli import rewire

    seen = {}
    monkeypatch.setattr(rewire, "cpu_count", lambda: 3)
    monkeypatch.setattr(nullmodels, "write_ensemble",
                        lambda *a, **kw: seen.update(kw) or [])
    res = run_cli("rewire", small_file, "--model", "er", "--out", tmp_path / "x")
    assert res.exit_code == 0, res.stderr
    assert seen["jobs"] == 3


def test_rewire_same_output_for_any_jobs(run_cli, tmp_path, small_file):
    tables = {}
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        res = run_cli("rewire", small_file, "--all-components", "--model", "er,ws,degree",
                      "--count", "3", "-Q", "2", "--jobs", jobs, "--out", out)
        assert res.exit_code == 0, res.stderr
        tables[jobs] = pd.read_csv(out / "manifest.csv")
    pd.testing.assert_frame_equal(tables[1], tables[2])
    for name in tables[1]["file"]:
        one, two = (load_graph(tmp_path / f"j{j}" / name) for j in (1, 2))
        assert one.get_edgelist() == two.get_edgelist(), name


def test_rewire_force_removes_only_files_the_old_manifest_lists(run_cli, tmp_path,
                                                                small_file):
    out = tmp_path / "nulls"
    first = run_cli("rewire", small_file, "--all-components", "--model", "er,ba", "--count",
                    "3", "--jobs", "1", "--out", out)
    assert first.exit_code == 0, first.stderr
    (out / "notes.txt").write_text("mine")
    (out / "er-7.graphml.gz").write_text("not in the manifest")
    again = run_cli("rewire", small_file, "--all-components", "--model", "er", "--count",
                    "1", "--jobs", "1", "--force", "--out", out)
    assert again.exit_code == 0, again.stderr
    listed = set(pd.read_csv(out / "manifest.csv")["file"])
    assert listed == {"er-0.graphml.gz"}
    left = {p.name for p in out.iterdir()}
    assert left == listed | {"manifest.csv", "manifest.json", "notes.txt", "er-7.graphml.gz"}
