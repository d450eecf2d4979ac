"""Basic counts: size, density, degrees, reciprocity and connected components."""

from __future__ import annotations

import igraph as ig
import numpy as np

__all__ = ["components", "degree_summary", "density", "edge_count", "node_count", "reciprocity"]


def node_count(graph: ig.Graph) -> int:
    """Number of nodes ``n``."""
    return graph.vcount()


def edge_count(graph: ig.Graph) -> int:
    """Number of edges ``m`` (arcs in a directed graph)."""
    return graph.ecount()


def density(graph: ig.Graph) -> float:
    """Fraction of possible edges present, without self-loops.

    ``m / (n (n - 1))`` for directed graphs, ``2 m / (n (n - 1))`` for undirected ones
    (as ``networkx.density``). NaN for fewer than two nodes.
    """
    n = graph.vcount()
    if n < 2:
        return float("nan")
    pairs = n * (n - 1) if graph.is_directed() else n * (n - 1) / 2
    return graph.ecount() / pairs


def degree_summary(graph: ig.Graph) -> dict[str, float]:
    """Mean and maximum degree; in- and out-degree maxima for directed graphs.

    ``mean_degree`` is the mean total degree ``2 m / n`` (in + out for directed graphs);
    the mean in-degree equals the mean out-degree, ``m / n``.
    """
    n = graph.vcount()
    if n == 0:
        return {"mean_degree": float("nan"), "max_degree": float("nan")}
    deg = np.asarray(graph.degree(), dtype=float)
    out = {"mean_degree": float(deg.mean()), "max_degree": float(deg.max())}
    if graph.is_directed():
        out["mean_in_degree"] = graph.ecount() / n
        out["max_in_degree"] = float(max(graph.indegree()))
        out["max_out_degree"] = float(max(graph.outdegree()))
    return out


def reciprocity(graph: ig.Graph) -> float:
    """Fraction of arcs ``u->v`` whose reverse ``v->u`` is also present.

    Equals ``networkx.overall_reciprocity``. NaN for undirected graphs (trivially 1) and
    for graphs without edges.

    References
    ----------
    Garlaschelli, D. and Loffredo, M. I. (2004). Patterns of link reciprocity in directed
    networks. Phys. Rev. Lett. 93, 268701.
    """
    if not graph.is_directed() or graph.ecount() == 0:
        return float("nan")
    return float(graph.reciprocity(ignore_loops=True, mode="default"))


def components(graph: ig.Graph) -> dict[str, float]:
    """Number of weakly / strongly connected components and the giant component's size.

    ``giant_size`` is the number of nodes in the largest weakly connected component and
    ``giant_fraction`` its share of all nodes. Isolated nodes count as components.
    """
    n = graph.vcount()
    if n == 0:
        nan = float("nan")
        return {"n_weak_components": 0, "n_strong_components": 0, "giant_size": 0,
                "giant_fraction": nan}
    weak = graph.connected_components(mode="weak")
    strong = graph.connected_components(mode="strong") if graph.is_directed() else weak
    giant = max(weak.sizes())
    return {"n_weak_components": len(weak), "n_strong_components": len(strong),
            "giant_size": giant, "giant_fraction": giant / n}
