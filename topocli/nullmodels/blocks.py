"""Stochastic block model with the neuron classes as blocks.

Keeps "who talks to whom by class": the probability of an edge from a node of class r to
one of class s is the source's density of r->s edges, e_rs / (possible r->s pairs).
Everything else is random (Holland, Laskey & Leinhardt 1983). Nodes keep names and
classes; the edge count varies around the source's (Bernoulli edges).
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.nullmodels._common import build_null, check_graph, resolve_seed
from topocli.seeding import as_rng

__all__ = ["block_densities", "stochastic_block_model"]


def _blocks(graph: ig.Graph) -> tuple[list[str], np.ndarray]:
    labels = graph.vs["cell_class"] if "cell_class" in graph.vs.attributes() \
        else ["unknown"] * graph.vcount()
    names = sorted(set(labels))
    index = {c: i for i, c in enumerate(names)}
    return names, np.array([index[c] for c in labels], dtype=np.int64)


def block_densities(graph: ig.Graph) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Class names, edges between blocks (r, s) and possible pairs between them.

    For undirected graphs the matrices are symmetric and count each pair once.
    """
    names, block = _blocks(graph)
    b = len(names)
    sizes = np.bincount(block, minlength=b).astype(float)
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    counts = np.zeros((b, b))
    np.add.at(counts, (block[edges[:, 0]], block[edges[:, 1]]), 1)
    possible = np.outer(sizes, sizes) - np.diag(sizes)     # no self-loops
    if not graph.is_directed():
        counts = counts + counts.T - np.diag(np.diag(counts))
        possible = possible - np.diag(np.diag(possible)) / 2
    return names, counts, possible


def stochastic_block_model(graph: ig.Graph, *,
                           seed: int | np.random.Generator | None = None) -> ig.Graph:
    """An SBM draw whose block-to-block densities are the source's (blocks = ``cell_class``)."""
    check_graph(graph, "sbm")
    seed = resolve_seed(seed)
    n, directed = graph.vcount(), graph.is_directed()
    names, counts, possible = block_densities(graph)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(possible > 0, counts / possible, 0.0)
    _, block = _blocks(graph)
    pmat = prob[block[:, None], block[None, :]]
    draws = as_rng(seed).random((n, n)) < pmat
    np.fill_diagonal(draws, False)
    if not directed:
        draws = np.triu(draws, 1)
    u, v = np.nonzero(draws)
    params = {"blocks": "cell_class", "classes": names}
    return build_null(graph, np.stack([u, v], axis=1), directed=directed, model="sbm",
                      params=params, seed=seed, keep_nodes=True)
