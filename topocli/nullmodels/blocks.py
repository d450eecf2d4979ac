"""Stochastic block model with the neuron classes as blocks.

Keeps "who talks to whom by class": the probability of an edge from a node of class r to
one of class s is the source's density of r->s edges, e_rs / (possible r->s pairs).
Everything else is random (Holland, Laskey & Leinhardt 1983). Nodes keep names and
classes; the edge count varies around the source's (Bernoulli edges).

Drawn block pair by block pair without an n x n matrix: the number of r->s edges is
Binomial(N_rs, p_rs) and the edges are a uniformly random subset of that many of the
N_rs possible pairs, which is the same distribution as N_rs independent Bernoulli(p_rs)
trials. Memory is O(m) (about 16 bytes per drawn edge plus numpy's sampling set), so the
100,000-node scale graph fits easily where the matrix would take 80 GB.
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


def _pairs_between(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, p: float,
                   ) -> np.ndarray:
    """Each of the ``len(a) * len(b)`` pairs ``(a_i, b_j)`` with probability ``p``."""
    total = len(a) * len(b)
    k = int(rng.binomial(total, p)) if total and p > 0 else 0
    if k == 0:
        return np.empty((0, 2), dtype=np.int64)
    flat = rng.choice(total, size=k, replace=False)
    return np.stack([a[flat // len(b)], b[flat % len(b)]], axis=1)


def _pairs_within(rng: np.random.Generator, a: np.ndarray, p: float, directed: bool,
                  ) -> np.ndarray:
    """Each pair of distinct nodes of ``a`` (ordered if ``directed``) with probability p."""
    n = len(a)
    total = n * (n - 1) if directed else n * (n - 1) // 2
    k = int(rng.binomial(total, p)) if total and p > 0 else 0
    if k == 0:
        return np.empty((0, 2), dtype=np.int64)
    flat = rng.choice(total, size=k, replace=False)
    if directed:  # row i holds the n - 1 targets j != i
        i, j = flat // (n - 1), flat % (n - 1)
        j = j + (j >= i)
    else:
        i, j = _triangle_pair(flat, n)
    return np.stack([a[i], a[j]], axis=1)


def _triangle_pair(flat: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair ``(i, j)``, ``i < j``, at position ``flat`` of the row-major upper triangle.

    Row ``i`` starts at ``start(i) = i * (2n - i - 1) / 2``; ``i`` is the largest row with
    ``start(i) <= flat``, found from the quadratic formula and corrected by one where
    float rounding lands next to it.
    """
    flat = np.asarray(flat, dtype=np.int64)
    disc = (2 * n - 1) ** 2 - 8 * flat.astype(np.float64)
    i = np.floor(((2 * n - 1) - np.sqrt(disc)) / 2).astype(np.int64)

    def start(row: np.ndarray) -> np.ndarray:
        return row * (2 * n - row - 1) // 2

    i = np.where(start(i) > flat, i - 1, i)
    i = np.where(start(i + 1) <= flat, i + 1, i)
    j = flat - start(i) + i + 1
    return i, j


def stochastic_block_model(graph: ig.Graph, *,
                           seed: int | np.random.Generator | None = None) -> ig.Graph:
    """An SBM draw whose block-to-block densities are the source's (blocks = ``cell_class``).

    Parameters
    ----------
    graph : igraph.Graph
        A simple graph with a ``cell_class`` vertex attribute (missing: one block).
    seed : int, numpy Generator or None
        None draws fresh entropy; the int used is recorded in the null's ``seed``.

    Returns
    -------
    igraph.Graph
        Same nodes (names, classes) and directedness; edge ``u -> v`` present with
        probability ``e_rs / N_rs`` for ``u`` in block r and ``v`` in block s.

    References
    ----------
    Holland, P. W., Laskey, K. B. and Leinhardt, S. (1983). Stochastic blockmodels: first
    steps. Social Networks 5, 109-137.
    """
    check_graph(graph, "sbm")
    seed = resolve_seed(seed)
    directed = graph.is_directed()
    names, counts, possible = block_densities(graph)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(possible > 0, counts / possible, 0.0)
    _, block = _blocks(graph)
    members = [np.flatnonzero(block == r) for r in range(len(names))]
    rng = as_rng(seed)
    parts = []
    for r in range(len(names)):
        for s in range(len(names)):
            if r == s:
                parts.append(_pairs_within(rng, members[r], float(prob[r, r]), directed))
            elif directed or r < s:
                parts.append(_pairs_between(rng, members[r], members[s], float(prob[r, s])))
    edges = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    params = {"blocks": "cell_class", "classes": names}
    return build_null(graph, edges, directed=directed, model="sbm",
                      params=params, seed=seed, keep_nodes=True)
