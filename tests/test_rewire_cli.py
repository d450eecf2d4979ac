"""``topocli rewire``: files and manifest written, existing manifests refused, bad input exit 2."""

from __future__ import annotations

import json

import igraph as ig
import pandas as pd
import pytest

from topocli.graphs import load_graph, write_graphml

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
    assert (deg["swaps_attempted"] == varshney_chemical.ecount()).all()
    assert (deg["swaps_accepted"] > 0).all()
    assert table[table["model"] == "ba"]["m_mismatch"].notna().all()
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
