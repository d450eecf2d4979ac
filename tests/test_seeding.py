"""Seeds mean what they say: None is fresh entropy, recorded; igraph's generator restored."""

from __future__ import annotations

import json
import random

import igraph as ig

from topocli.graphs import GraphView, load_graph
from topocli.nullmodels import generate_many, write_ensemble
from topocli.seeding import derive_seed, igraph_rng, installed_igraph_rng, resolve_seed


def _edges(graphs) -> list:
    return [g.get_edgelist() for g in graphs]


def test_derive_seed_is_stable_for_ints_and_fresh_for_none():
    assert derive_seed(3, "er", 0) == derive_seed(3, "er", 0)
    assert derive_seed(3, "er", 0) != derive_seed(3, "er", 1)
    assert len({derive_seed(None, "er", 0) for _ in range(5)}) == 5
    assert len({resolve_seed(None) for _ in range(5)}) == 5 and resolve_seed(7) == 7


def test_generate_many_with_seed_none_is_fresh_and_repeatable_from_the_record():
    graph = load_graph("celegans-varshney2011", GraphView(layer="chemical"))
    first = generate_many(graph, "er", 2, seed=None)
    second = generate_many(graph, "er", 2, seed=None)
    assert _edges(first) != _edges(second)
    drawn = first[0]["ensemble_seed"]
    assert isinstance(drawn, int) and first[1]["ensemble_seed"] == drawn
    assert _edges(generate_many(graph, "er", 2, seed=drawn)) == _edges(first)


def test_write_ensemble_records_the_drawn_seed(tmp_path):
    graph = load_graph("celegans-varshney2011", GraphView(layer="chemical"))
    rows = write_ensemble(graph, ["er"], 1, tmp_path / "nulls", seed=None)
    manifest = json.loads((tmp_path / "nulls" / "manifest.json").read_text())
    assert isinstance(manifest["seed"], int)
    again = generate_many(graph, "er", 1, seed=manifest["seed"])
    assert again[0]["seed"] == rows[0]["seed"]


def _er() -> list:
    return ig.Graph.Erdos_Renyi(n=30, m=60).get_edgelist()


def test_igraph_rng_restores_the_generator_installed_before():
    with igraph_rng(5) as outer:
        plain = [_er(), _er()]
    with igraph_rng(5) as outer:
        first = _er()
        with igraph_rng(9):
            inner = _er()
        assert installed_igraph_rng() is outer  # not the random module
        second = _er()  # continues the outer stream, untouched by the inner block
    assert [first, second] == plain and inner != first
    assert installed_igraph_rng() is random  # python-igraph's default, back at the end
