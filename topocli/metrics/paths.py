"""Shortest paths: characteristic path length L, global efficiency and diameter.

All three come from one breadth-first search per source (igraph, in C). Graphs too large
for every source are estimated from a uniform sample of sources (``sources=k``); callers
state the sample size next to the value.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.metrics._graph import giant_vertices
from topocli.seeding import as_rng

__all__ = ["diameter", "distance_summary", "global_efficiency", "path_length"]

_CHUNK = 256  # sources per igraph call: bounds memory to 256 x n distances


def distance_summary(graph: ig.Graph, *, sources: int | None = None,
                     seed=None) -> dict[str, float]:
    """L, efficiency and diameter from one set of searches.

    Parameters
    ----------
    graph : igraph.Graph
        Directed graphs use directed paths (``u -> v`` along arcs).
    sources : int, optional
        Use this many sources drawn uniformly without replacement (exact when ``None``
        or at least ``n``).
    seed : int, Generator or None
        Draws the sources.

    Returns
    -------
    dict
        ``path_length`` (mean over ordered pairs of distinct nodes of the giant
        component: largest strongly connected one when directed), ``diameter`` (its
        largest distance; a lower bound when sampled), ``global_efficiency`` (mean of
        ``1/d`` over all ordered pairs of distinct nodes, ``1/inf = 0``), ``giant_nodes``,
        ``sources``.
    """
    n = graph.vcount()
    nan = float("nan")
    out = {"path_length": nan, "diameter": nan, "global_efficiency": nan,
           "giant_nodes": 0, "sources": 0}
    if n < 2:
        return out
    giant = giant_vertices(graph)
    in_giant = np.zeros(n, dtype=bool)
    in_giant[giant] = True
    if sources is None or sources >= n:
        src = np.arange(n)
    else:
        src = np.sort(as_rng(seed).choice(n, size=int(sources), replace=False))
    mode = "out" if graph.is_directed() else "all"
    inv_sum = 0.0
    l_sum, l_pairs, diam = 0.0, 0, 0.0
    for start in range(0, len(src), _CHUNK):
        chunk = src[start:start + _CHUNK]
        d = np.asarray(graph.distances(source=chunk.tolist(), mode=mode), dtype=float)
        d[np.arange(len(chunk)), chunk] = np.inf  # drop u == v
        inv_sum += float((1.0 / d).sum())
        rows = in_giant[chunk]
        if rows.any():
            dg = d[rows][:, in_giant]
            finite = dg[np.isfinite(dg)]
            l_sum += float(finite.sum())
            l_pairs += finite.size
            if finite.size:
                diam = max(diam, float(finite.max()))
    out["global_efficiency"] = inv_sum / (len(src) * (n - 1))
    out["giant_nodes"] = len(giant)
    out["sources"] = len(src)
    if l_pairs:
        out["path_length"] = l_sum / l_pairs
        out["diameter"] = diam
    return out


def path_length(graph: ig.Graph, *, component: str = "giant", sources: int | None = None,
                seed=None) -> float:
    """Characteristic path length L: mean shortest-path length over ordered node pairs.

    ``L = 1 / (n_g (n_g - 1)) * sum_{u != v} d(u, v)`` over the nodes of the giant
    component (largest strongly connected component for directed graphs, where
    ``d`` follows arc directions), so L is finite on any graph with an edge.

    Parameters
    ----------
    component : {"giant", "all"}
        ``"all"`` asks for L of the whole graph and raises :class:`TopocliError` when it
        is not (strongly) connected, as L is undefined there.
    sources : int, optional
        Estimate from this many uniformly sampled sources (large graphs).

    Returns
    -------
    float
        NaN when the giant component has a single node.

    References
    ----------
    Watts, D. J. and Strogatz, S. H. (1998). Collective dynamics of 'small-world'
    networks. Nature 393, 440-442.
    """
    if component not in ("giant", "all"):
        raise TopocliError(f"component must be 'giant' or 'all', not {component!r}")
    if component == "all" and graph.vcount() > 1:
        mode = "strong" if graph.is_directed() else "weak"
        if not graph.is_connected(mode=mode):
            raise TopocliError("the graph is not (strongly) connected, so its characteristic "
                               "path length is undefined; use component='giant' (the default) "
                               "or a view with --all-components off")
    return distance_summary(graph, sources=sources, seed=seed)["path_length"]


def global_efficiency(graph: ig.Graph, *, sources: int | None = None, seed=None) -> float:
    """Global efficiency: mean inverse shortest-path length over ordered pairs u != v.

    ``E = 1 / (n (n - 1)) * sum_{u != v} 1 / d(u, v)`` with ``1/inf = 0``, over the whole
    graph (defined on disconnected graphs). Equals ``networkx.global_efficiency`` on
    undirected graphs; directed graphs use directed distances.

    References
    ----------
    Latora, V. and Marchiori, M. (2001). Efficient behavior of small-world networks.
    Phys. Rev. Lett. 87, 198701.
    """
    return distance_summary(graph, sources=sources, seed=seed)["global_efficiency"]


def diameter(graph: ig.Graph) -> float:
    """Largest shortest-path length within the giant component (strong when directed).

    Equals ``networkx.diameter`` of that component. NaN for fewer than two nodes.
    """
    return distance_summary(graph)["diameter"]
