"""Watts-Strogatz small-world graphs matched to a source.

Same n and, exactly, the same m (edges of the undirected view): k, the number of ring
neighbours, is the even number nearest the source's mean degree, so the ring has
``n k / 2`` edges; the ``|m - n k / 2|`` edges still missing (or too many) after the
rewiring are then added uniformly among absent pairs (or removed uniformly among edges
that are not bridges), so density never differs between a connectome and its WS nulls.
p is given, or chosen so the expected clustering matches the source's. Connected by
default: a draw that comes out disconnected is redrawn, as networkx's
``connected_watts_strogatz_graph`` and the RandWire/DCN papers do, and the edge-count
correction never removes a bridge. Vertex ``i`` is ring position ``i`` (node order is the
generator's). WS is an undirected model; a directed source is compared through its
undirected view.
"""

from __future__ import annotations

import json

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import (
    build_null,
    check_graph,
    match_edge_count,
    resolve_seed,
    undirected_pairs,
)
from topocli.seeding import as_rng

__all__ = ["ring_watts_strogatz", "source_clustering", "watts_strogatz", "ws_k_for",
           "ws_p_for_clustering"]

_TRIES = 100


def ws_k_for(graph: ig.Graph) -> int:
    """The even k nearest the mean degree of the undirected view (at least 2)."""
    mean_degree = 2 * len(undirected_pairs(graph)) / graph.vcount()
    return max(2, 2 * round(mean_degree / 2))


def source_clustering(graph: ig.Graph) -> float:
    """Average local clustering of the undirected view, degree<2 nodes counted as 0.

    The networkx ``average_clustering`` convention (0.292 on Varshney's graph; igraph's
    default, which skips degree<2 nodes, gives 0.308).
    """
    und = ig.Graph(n=graph.vcount(), edges=undirected_pairs(graph).tolist())
    return float(und.transitivity_avglocal_undirected(mode="zero"))


def ws_p_for_clustering(k: int, clustering: float) -> float:
    """p so that the expected WS clustering equals ``clustering``.

    Barrat & Weigt (2000): C(p) = C(0) (1 - p)^3 with C(0) = 3 (k - 2) / (4 (k - 1)).
    Clipped to [0, 1]; a target above C(0) gives p = 0 (the ring lattice).
    """
    c0 = 3 * (k - 2) / (4 * (k - 1))
    if c0 <= 0 or clustering >= c0:
        return 0.0
    return float(min(1.0, max(0.0, 1 - (max(clustering, 0.0) / c0) ** (1 / 3))))


def _ws_edges(n: int, k: int, p: float, rng: np.random.Generator) -> list[tuple[int, int]]:
    """networkx's ``watts_strogatz_graph`` procedure: rewire each lattice edge's far end."""
    adj = [set() for _ in range(n)]
    for j in range(1, k // 2 + 1):
        for u in range(n):
            v = (u + j) % n
            adj[u].add(v)
            adj[v].add(u)
    for j in range(1, k // 2 + 1):
        draws = rng.random(n)
        for u in range(n):
            v = (u + j) % n
            if draws[u] >= p or v not in adj[u] or len(adj[u]) >= n - 1:
                continue
            move_far_end(adj, u, v, rng)
    return [(u, v) for u in range(n) for v in adj[u] if u < v]


def move_far_end(adj: list[set[int]], u: int, v: int, rng: np.random.Generator) -> None:
    """The Watts-Strogatz move: edge (u, v) becomes (u, w), w uniform among the nodes
    that are neither u nor already u's neighbours (u must have a free neighbour slot)."""
    n = len(adj)
    w = int(rng.integers(n))
    while w == u or w in adj[u]:
        w = int(rng.integers(n))
    adj[u].discard(v)
    adj[v].discard(u)
    adj[u].add(w)
    adj[w].add(u)


def _connected_ws_edges(n: int, k: int, p: float, rng: np.random.Generator,
                        connected: bool) -> list[tuple[int, int]]:
    """:func:`_ws_edges`, redrawn from the same stream until connected (``connected``)."""
    for _attempt in range(_TRIES if connected else 1):
        edges = _ws_edges(n, k, p, rng)
        if not connected or ig.Graph(n=n, edges=edges).is_connected():
            break
    else:
        raise TopocliError(f"no connected Watts-Strogatz graph with n={n}, k={k}, p={p} in "
                           f"{_TRIES} draws; lower p or raise k")
    return edges


def watts_strogatz(
    graph: ig.Graph,
    *,
    seed: int | np.random.Generator | None = None,
    p: float | None = None,
    k: int | None = None,
    match_clustering: bool = False,
    connected: bool = True,
    match_m: bool | None = None,
) -> ig.Graph:
    """A Watts-Strogatz graph with the source's n and m (nearest even k, then m matched).

    Parameters
    ----------
    p : float, optional
        Rewiring probability (default 0.1 unless ``match_clustering``).
    k : int, optional
        Ring neighbours (even); default :func:`ws_k_for`.
    match_clustering : bool
        Choose p with :func:`ws_p_for_clustering` to match :func:`source_clustering`.
    connected : bool
        Redraw (up to 100 times, from the same seeded stream) until connected.
    match_m : bool, optional
        Add or remove uniformly chosen edges after the rewiring so the graph has the
        source's undirected edge count exactly (:func:`match_edge_count`; never a bridge
        when ``connected``). False: the plain ``n * k / 2`` edges. Default: True unless
        ``k`` is given (an explicit k chooses the density).

    Returns
    -------
    igraph.Graph
        Undirected, m edges (``n * k / 2`` without ``match_m``); ``null_params`` records
        k, p, the edges added or removed, the clustering target and how a directed source
        was handled.
    """
    check_graph(graph, "ws")
    seed = resolve_seed(seed)
    n = graph.vcount()
    k_given = k
    k = ws_k_for(graph) if k is None else int(k)
    if k % 2 or k < 2:
        raise TopocliError(f"ws needs an even k >= 2 (ring neighbours), not {k}")
    if k >= n:
        raise TopocliError(f"ws needs k < n, but k = {k} and the graph has {n} nodes; the "
                           "graph is too small or too dense for a Watts-Strogatz null")
    params: dict = {"k": k, "connected": connected}
    if match_clustering:
        if p is not None:
            raise TopocliError("give either p or match_clustering for ws, not both")
        target = source_clustering(graph)
        p = ws_p_for_clustering(k, target)
        params["clustering_target"] = round(target, 6)
        params["clustering_convention"] = "average local, degree<2 as 0 (Barrat-Weigt C(p))"
    p = 0.1 if p is None else float(p)
    if not 0.0 <= p <= 1.0:
        raise TopocliError(f"ws rewiring probability p must be in [0, 1], not {p}")
    params["p"] = p
    if graph.is_directed():
        params["directed_source"] = "undirected view (WS is an undirected model)"
    rng = as_rng(seed)
    edges = _connected_ws_edges(n, k, p, rng, connected)
    if match_m is None:
        match_m = k_given is None
    params["match_m"] = bool(match_m)
    if match_m:
        target = len(undirected_pairs(graph))
        params["m_correction"] = target - len(edges)
        edges = match_edge_count(n, edges, target, rng, connected=connected)
    return build_null(graph, np.array(edges), directed=False, model="ws", params=params,
                      seed=seed, keep_nodes=False)


def ring_watts_strogatz(n: int, k: int, p: float, *,
                        seed: int | np.random.Generator | None = None,
                        connected: bool = True) -> ig.Graph:
    """WS(n, k, p) on its own (no source graph), nodes in ring order.

    Watts & Strogatz (1998): a ring of ``n`` nodes each joined to its ``k`` nearest
    neighbours, every edge's far end rewired with probability ``p`` (networkx's
    procedure, as :func:`watts_strogatz`); ``connected`` redraws up to 100 times as
    networkx's ``connected_watts_strogatz_graph`` (the RandWire and DCN code). Node ``i``
    is the ``i``-th node clockwise around the ring (what ``--dag generator-order`` reads,
    Xie et al. 2019); p = 0 gives the unrewired ring of DCN's Table 1.

    Returns
    -------
    igraph.Graph
        Undirected, ``n * k / 2`` edges, vertex names ``"0"`` .. ``"n-1"``; graph
        attributes ``source`` (``ws(n=..., k=..., p=..., seed=...)``) and ``null_params``.
    """
    if n < 3 or k % 2 or not 2 <= k < n:
        raise TopocliError(f"WS needs n >= 3 and an even k with 2 <= k < n, not n={n}, k={k}")
    if not 0.0 <= p <= 1.0:
        raise TopocliError(f"WS rewiring probability p must be in [0, 1], not {p}")
    seed = resolve_seed(seed)
    rng = as_rng(seed)
    edges = _connected_ws_edges(n, k, p, rng, connected)
    graph = ig.Graph(n=n, edges=edges)
    graph.vs["name"] = [str(i) for i in range(n)]
    graph["source"] = f"ws(n={n}, k={k}, p={p:g}, seed={seed})"
    graph["null_params"] = json.dumps({"model": "ws", "n": n, "k": k, "p": p, "seed": seed,
                                       "connected": connected, "node_order": "ring"})
    return graph
