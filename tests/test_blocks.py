"""The SBM null drawn block pair by block pair: right densities, no n x n matrix."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest

from topocli.graphs import GraphView, load_graph
from topocli.nullmodels import block_densities, generate, generate_many
from topocli.seeding import igraph_rng


@pytest.mark.parametrize("directed", [True, False])
def test_sbm_keeps_block_densities_in_both_conventions(directed):
    graph = load_graph("celegans-varshney2011", GraphView(layer="chemical", directed=directed))
    names, counts, possible = block_densities(graph)
    nulls = generate_many(graph, "sbm", 30, seed=3)
    for h in nulls:
        assert h.is_simple() and h.is_directed() == directed
        assert h.vs["cell_class"] == graph.vs["cell_class"]
    dens = np.array([block_densities(h)[1] / possible for h in nulls])
    target = counts / possible
    # mean of 30 Bernoulli densities within 4 standard errors of the source's density
    se = np.sqrt(target * (1 - target) / possible / len(nulls))
    assert np.all(np.abs(dens.mean(axis=0) - target) <= 4 * se + 1e-12)
    total = np.array([h.ecount() for h in nulls])
    assert abs(total.mean() - graph.ecount()) < 4 * total.std() / np.sqrt(len(nulls)) + 1


def test_sbm_on_a_graph_whose_matrix_would_not_fit_a_test():
    """40,000 nodes: the old n x n draw needed 12.8 GB of floats; this one needs ~m."""
    n, m = 40_000, 80_000
    with igraph_rng(0):
        g = ig.Graph.Erdos_Renyi(n=n, m=m, directed=True)
    g.vs["cell_class"] = np.array(["sensory", "interneuron", "motor"])[
        np.random.default_rng(0).integers(0, 3, n)].tolist()
    null = generate(g, "sbm", seed=1)
    assert null.vcount() == n and null.is_simple()
    assert abs(null.ecount() - m) < 5 * np.sqrt(m)
    a = generate(g, "sbm", seed=1)
    assert a.get_edgelist() == null.get_edgelist()  # the seed reproduces the draw
