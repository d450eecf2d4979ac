"""Internal helpers shared by the metric families: cheap conversions done once per graph."""

from __future__ import annotations

import igraph as ig
import numpy as np
import scipy.sparse as sp


def bare(graph: ig.Graph) -> ig.Graph:
    """The same topology without attributes (fast to copy, pickle and convert)."""
    return ig.Graph(n=graph.vcount(), edges=graph.get_edgelist(), directed=graph.is_directed())


def undirected(graph: ig.Graph) -> ig.Graph:
    """Undirected simple version: ``u->v`` and ``v->u`` collapse into one edge."""
    g = bare(graph)
    if g.is_directed():
        g.to_undirected(mode="collapse")
    g.simplify()
    return g


def adjacency(graph: ig.Graph) -> sp.csr_matrix:
    """Binary adjacency matrix (row = source) as CSR floats; loops and multi-edges dropped."""
    n = graph.vcount()
    edges = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    if not graph.is_directed():
        edges = np.vstack([edges, edges[:, ::-1]])
    edges = edges[edges[:, 0] != edges[:, 1]]
    a = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    a.data[:] = 1.0  # duplicates summed above: back to binary
    return a


def giant_vertices(graph: ig.Graph) -> np.ndarray:
    """Vertices of the largest strongly (directed) or connected (undirected) component."""
    if graph.vcount() == 0:
        return np.array([], dtype=np.int64)
    mode = "strong" if graph.is_directed() else "weak"
    membership = np.asarray(graph.connected_components(mode=mode).membership)
    return np.flatnonzero(membership == np.bincount(membership).argmax())


def class_codes(graph: ig.Graph,
                attribute: str = "cell_class") -> tuple[np.ndarray, list[str]] | None:
    """Integer code per vertex and the sorted class names, or None without the attribute."""
    if attribute not in graph.vs.attributes():
        return None
    values = ["unknown" if v is None else str(v) for v in graph.vs[attribute]]
    names = sorted(set(values))
    lookup = {name: i for i, name in enumerate(names)}
    return np.array([lookup[v] for v in values], dtype=np.int64), names
