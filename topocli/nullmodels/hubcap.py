"""The source graph with its hubs capped: a control for the hub hypothesis.

Does a connectome train differently because of its few high-degree hubs (Varshney's
undirected view: maximum degree 93 against about 29 for Erdős-Rényi graphs of the same n
and m)? :func:`hub_capped` keeps the connectome's wiring except where a node's degree
exceeds a cap, and there moves as few edge ends as it can to low-degree nodes, so n and m
stay and only the hubs change. It is undirected (a directed source is capped through its
undirected view), as the sweep's random-order DAGs wire every family.
"""

from __future__ import annotations

import math

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import build_null, check_graph, resolve_seed, undirected_pairs
from topocli.seeding import as_rng

__all__ = ["er_max_degree", "hub_capped"]


def er_max_degree(n: int, m: int) -> int:
    """The median maximum degree of an Erdős-Rényi graph G(n, m).

    The degrees of G(n, m) are close to independent Poisson(2m/n) draws, so the maximum of
    ``n`` of them is at most ``k`` with probability ``F(k)^n`` (F the Poisson distribution
    function); this returns the smallest ``k`` with ``F(k)^n >= 1/2``. A cap at the typical
    maximum of the near-regular nulls (``er``, and ``ws`` is narrower still) removes what
    makes the source's degree distribution heavy-tailed and nothing a random graph has.
    """
    if n < 1 or m < 0:
        raise TopocliError(f"no graph has n={n} nodes and m={m} edges")
    rate, target = 2 * m / n, 0.5 ** (1 / n)
    if rate == 0:
        return 0
    k, cdf = 0, math.exp(-rate)
    while cdf < target and k < n - 1:   # the Poisson terms in logs: no underflow
        k += 1
        cdf += math.exp(k * math.log(rate) - rate - math.lgamma(k + 1))
    return k


def _still_joined(adj: list[set[int]], a: int, b: int) -> bool:
    """Whether ``b`` is reachable from ``a`` (breadth-first, stops when found)."""
    seen, frontier = {a}, [a]
    while frontier:
        nxt = []
        for u in frontier:
            if b in adj[u]:
                return True
            for w in adj[u] - seen:
                seen.add(w)
                nxt.append(w)
        frontier = nxt
    return False


def _receivers(adj: list[set[int]], cap: int, mean: float, exclude: set[int]) -> list[int]:
    """Nodes that may take a moved edge end: below the mean degree, else below the cap."""
    for limit in (mean, cap):
        nodes = [u for u in range(len(adj)) if len(adj[u]) < limit and u not in exclude]
        if nodes:
            return nodes
    return []


def _move_one(adj: list[set[int]], hub: int, cap: int, mean: float,
              rng: np.random.Generator, connected: bool) -> int:
    """Move one edge off ``hub``; returns the edge ends moved (1, or 2 between two hubs).

    An edge (hub, v) chosen uniformly becomes (w, v), w a low-degree node (one that shares
    a neighbour with v where there is one); when v is over the cap too, the edge becomes
    (w1, w2) between two low-degree nodes. A move that would disconnect a ``connected``
    graph is undone and another edge tried.
    """
    neighbours = sorted(adj[hub])
    for i in rng.permutation(len(neighbours)):
        v = neighbours[int(i)]
        both = len(adj[v]) > cap
        if both:
            ends = _receivers(adj, cap, mean, {hub, v})
            if len(ends) < 2:
                continue
            w1 = ends[int(rng.integers(len(ends)))]
            free = [w for w in ends if w != w1 and w not in adj[w1]]
            if not free:
                continue
            new = (w1, free[int(rng.integers(len(free)))])
        else:
            ends = [w for w in _receivers(adj, cap, mean, {hub, v}) if w not in adj[v]]
            closing = [w for w in ends if adj[w] & adj[v]]   # the move closes a triangle
            ends = closing or ends
            if not ends:
                continue
            new = (ends[int(rng.integers(len(ends)))], v)
        adj[hub].discard(v)
        adj[v].discard(hub)
        adj[new[0]].add(new[1])
        adj[new[1]].add(new[0])
        if not connected or _still_joined(adj, v, hub):
            return 2 if both else 1
        adj[new[0]].discard(new[1])
        adj[new[1]].discard(new[0])
        adj[hub].add(v)
        adj[v].add(hub)
    raise TopocliError(f"cannot move an edge off node {hub} (degree {len(adj[hub])}) to a "
                       f"node below the cap {cap} without a multi-edge or disconnecting the "
                       "graph; raise max_degree")


def hub_capped(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
               max_degree: int | None = None) -> ig.Graph:
    """The source's undirected graph with every degree at most ``max_degree``, n and m kept.

    While some node's degree exceeds the cap, the node of highest degree (lowest id among
    ties) loses one edge, chosen uniformly: edge (hub, v) becomes (w, v) with ``w`` drawn
    uniformly among the nodes below the mean degree (below the cap when none is) that are
    not v's neighbours, so ``v`` keeps its degree; among them, those that share a neighbour
    with v are preferred (the move closes a triangle), so some of the clustering that ran
    through the hubs is rebuilt. An edge between two nodes over the cap becomes an edge
    between two low-degree nodes. Every other edge stays, so the graph
    keeps all of its wiring that is not a hub's excess (the moves are at most the sum of
    the excess degrees). The result is simple, and connected when the source's undirected
    view is (a move that would disconnect it is undone and another edge tried).

    Parameters
    ----------
    graph : igraph.Graph
        The source; a directed one is capped through its undirected view.
    seed : int, numpy Generator or None
        Seeds the edge and receiver choices (:mod:`topocli.seeding`).
    max_degree : int, optional
        The cap; default :func:`er_max_degree` of the source's n and undirected m (29 for
        Varshney's undirected view). It must leave room for the edges: ``n * max_degree
        >= 2 m``.

    Returns
    -------
    igraph.Graph
        Undirected, the source's nodes (names and classes kept); ``null_params`` records
        ``max_degree``, how it was chosen, ``edges_moved`` and ``ends_moved``.

    Notes
    -----
    A degree-capped counterpart of the hub-removal controls of network robustness studies
    (Albert, Jeong & Barabási 2000), made to keep n and m as a null model must. Moving one
    end of an edge is the Watts-Strogatz rewiring move (Watts & Strogatz 1998).

    References
    ----------
    Albert, R., Jeong, H. and Barabási, A.-L. (2000). Error and attack tolerance of complex
    networks. Nature 406, 378-382.
    Watts, D. J. and Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks.
    Nature 393, 440-442.
    """
    check_graph(graph, "hubcap")
    seed = resolve_seed(seed)
    n = graph.vcount()
    pairs = undirected_pairs(graph)
    m = len(pairs)
    rule = "given" if max_degree is not None else "median maximum degree of G(n, m)"
    cap = er_max_degree(n, m) if max_degree is None else int(max_degree)
    if cap < 1 or n * cap < 2 * m:
        raise TopocliError(f"hubcap: a cap of {cap} leaves room for at most {n * cap // 2} "
                           f"edges on {n} nodes, but the graph has {m}; raise max_degree")
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v in pairs.tolist():
        adj[u].add(v)
        adj[v].add(u)
    connected = ig.Graph(n=n, edges=pairs.tolist()).is_connected()
    rng = as_rng(seed)
    mean = 2 * m / n
    edges_moved = ends_moved = 0
    while True:
        hub = max(range(n), key=lambda u: (len(adj[u]), -u))
        if len(adj[hub]) <= cap:
            break
        ends_moved += _move_one(adj, hub, cap, mean, rng, connected)
        edges_moved += 1
    edges = np.array([(u, v) for u in range(n) for v in sorted(adj[u]) if u < v],
                     dtype=np.int64).reshape(-1, 2)
    params = {"max_degree": cap, "max_degree_rule": rule, "edges_moved": edges_moved,
              "ends_moved": ends_moved, "directed_source":
              "undirected view" if graph.is_directed() else "undirected"}
    return build_null(graph, edges, directed=False, model="hubcap", params=params, seed=seed,
                      keep_nodes=True)
