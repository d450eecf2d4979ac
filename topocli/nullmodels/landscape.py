"""A generator that moves clustering and path length independently at fixed n and m.

Watts-Strogatz graphs at fixed n and m have one free parameter, the rewiring probability,
and trace a single curve through the clustering x path-length plane (You et al. 2020's
WS-flex needs the average degree as a second axis, which changes m). To cover the plane
around a connectome at its own n and m, :func:`clustering_landscape` composes two moves:

1. **randomisation** ``p``: a ring lattice with exactly m edges (every node linked to its
   nearest ring neighbours, the last ring partly filled at evenly spaced nodes), each
   edge's far end moved to a uniform random node with probability ``p`` (Watts & Strogatz
   1998, as networkx does). ``p`` sets the path length: shortcuts make it short.
2. **clustering** ``transitivity``: degree-preserving double-edge swaps (Maslov & Sneppen
   2002) accepted only when they bring the triangle count closer to the target
   (Kim 2004's targeted rewiring; Bansal et al. 2009). Degrees are kept, so the number of
   connected triples is constant and transitivity is proportional to the triangle count:
   each swap's change is exact and local (common neighbours of the four end nodes).
   Below the target a proposal closes a triangle (the new edge joins two nodes two steps
   apart); above it the second edge starts within ``window`` ring positions of the first,
   so lowering the clustering of a lattice breaks triangles without adding long
   shortcuts and the path length stays near where ``p`` put it.

The result is undirected with the source's n and exactly its undirected m (of the
undirected view for a directed source, as ``ws`` and ``ba``).

References
----------
Watts & Strogatz (1998), Collective dynamics of 'small-world' networks, Nature 393.
Maslov & Sneppen (2002), Specificity and stability in topology of protein networks,
Science 296. Kim (2004), Performance of networks of artificial neurons: the role of
clustering, Phys. Rev. E 69, 045101. Bansal, Khandelwal & Meyers (2009), Exploring
biological network structure with clustered random networks, BMC Bioinformatics 10:405.
You, Leskovec, He & Xie (2020), Graph Structure of Neural Networks, ICML.
"""

from __future__ import annotations

import math

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import build_null, check_graph, resolve_seed, undirected_pairs
from topocli.nullmodels.smallworld import move_far_end
from topocli.seeding import as_rng

__all__ = ["clustering_landscape", "plane_area", "ring_lattice_edges"]

_TRIES = 20


def ring_lattice_edges(n: int, m: int) -> list[tuple[int, int]]:
    """A ring lattice with exactly ``m`` edges on ``n`` nodes.

    Rings of distance 1, 2, ... are added whole while they fit; the remaining edges of the
    next distance start at evenly spaced nodes, so degrees differ by at most two.
    """
    if m > n * (n - 1) // 2:
        raise TopocliError(f"no simple graph has {m} edges on {n} nodes")
    edges: list[tuple[int, int]] = []
    distance = 1
    while len(edges) < m:
        ring = n if 2 * distance < n else n // 2  # the opposite ring of an even n is half
        left = m - len(edges)
        starts = range(ring) if left >= ring else \
            sorted({int(i * ring / left) for i in range(left)})
        edges += [(u, (u + distance) % n) for u in starts]
        distance += 1
    return edges


def _rewire_far_ends(adj: list[set[int]], edges: list[tuple[int, int]], p: float,
                     rng: np.random.Generator) -> None:
    """Watts-Strogatz step: move each edge's far end to a random node with probability p."""
    n = len(adj)
    for (u, v), draw in zip(edges, rng.random(len(edges))):
        if draw >= p or len(adj[u]) >= n - 1 or v not in adj[u]:
            continue
        move_far_end(adj, u, v, rng)


def _random_swaps(adj: list[set[int]], count: int, rng: np.random.Generator) -> None:
    """``count`` accepted degree-preserving double-edge swaps (Maslov & Sneppen 2002)."""
    n = len(adj)
    nodes = [u for u in range(n) if adj[u]]
    done, tries = 0, 0
    while done < count and tries < 50 * max(1, count):
        tries += 1
        a, c = (nodes[int(i)] for i in rng.integers(len(nodes), size=2))
        b = sorted(adj[a])[int(rng.integers(len(adj[a])))]
        d = sorted(adj[c])[int(rng.integers(len(adj[c])))]
        if len({a, b, c, d}) < 4 or d in adj[a] or b in adj[c]:
            continue
        for x, y in ((a, b), (c, d)):
            adj[x].discard(y)
            adj[y].discard(x)
        for x, y in ((a, d), (c, b)):
            adj[x].add(y)
            adj[y].add(x)
        done += 1


def _triangles(adj: list[set[int]]) -> int:
    return sum(len(adj[u] & adj[v]) for u in range(len(adj)) for v in adj[u] if u < v) // 3


def _toward_triangles(adj: list[set[int]], target: int, attempts: int, window: int,
                      rng: np.random.Generator) -> int:
    """Greedy degree-preserving swaps toward ``target`` triangles; returns the count."""
    n = len(adj)
    triangles = _triangles(adj)
    draws = rng.random((attempts, 5))
    for r0, r1, r2, r3, r4 in draws:
        if triangles == target:
            break
        a = int(r0 * n)
        if not adj[a]:
            continue
        b = sorted(adj[a])[int(r1 * len(adj[a]))]
        if triangles < target:
            # closing proposal: d two steps from a (via a's neighbour x), so the new edge
            # (a, d) closes the triangle a-x-d wherever the nodes sit on the ring
            x = sorted(adj[a])[int(r4 * len(adj[a]))]
            d = sorted(adj[x])[int(r2 * len(adj[x]))]
            if not adj[d]:
                continue
            c = sorted(adj[d])[int(r3 * len(adj[d]))]
        else:
            c = (a + int(r2 * (2 * window + 1)) - window) % n
            if not adj[c]:
                continue
            d = sorted(adj[c])[int(r3 * len(adj[c]))]
        # (a, b), (c, d) -> (a, d), (c, b): four distinct nodes, no existing edge made twice
        if len({a, b, c, d}) < 4 or d in adj[a] or b in adj[c]:
            continue
        before = abs(triangles - target)
        change = -len(adj[a] & adj[b])
        adj[a].discard(b)
        adj[b].discard(a)
        change -= len(adj[c] & adj[d])
        adj[c].discard(d)
        adj[d].discard(c)
        change += len(adj[a] & adj[d])
        adj[a].add(d)
        adj[d].add(a)
        change += len(adj[c] & adj[b])
        adj[c].add(b)
        adj[b].add(c)
        if abs(triangles + change - target) < before:
            triangles += change
            continue
        for x, y in ((a, d), (c, b)):  # undo
            adj[x].discard(y)
            adj[y].discard(x)
        for x, y in ((a, b), (c, d)):
            adj[x].add(y)
            adj[y].add(x)
    return triangles


def clustering_landscape(
    graph: ig.Graph,
    *,
    seed: int | np.random.Generator | None = None,
    p: float = 0.1,
    transitivity: float | None = None,
    swaps_per_edge: float = 20.0,
    window: int | None = None,
    start: str = "lattice",
    connected: bool = True,
) -> ig.Graph:
    """A graph with the source's n and m at randomisation ``p`` and a target transitivity.

    Parameters
    ----------
    p : float
        Rewiring probability of the ring lattice, in [0, 1] (the path-length axis);
        0.1 by default, as ``ws``.
    transitivity : float, optional
        Target global clustering 3 x triangles / connected triples (the clustering axis),
        in [0, 1]; None keeps what the rewired lattice has. Reached as closely as
        ``swaps_per_edge * m`` swap proposals allow; ``null_params`` records the target
        and ``transitivity_reached``.
    window : int, optional
        Ring positions within which a swap's second edge starts (default: the mean
        degree, at least 2).
    start : "lattice" or "source"
        ``lattice``: the ring lattice above (near-regular degrees). ``source``: the
        source's own edges, with ``p * m`` random degree-preserving swaps as the
        randomisation axis, so every graph keeps the connectome's degree sequence (its
        hubs shorten paths in a way no near-regular graph can) and p = 0 with no target
        is the connectome itself.
    connected : bool
        Redraw (up to 20 times, from the same seeded stream) until connected.

    Returns
    -------
    igraph.Graph
        Undirected; ``null_model="landscape"``, ``null_params`` with p, the target, the
        transitivity reached and the swap budget.
    """
    check_graph(graph, "landscape")
    seed = resolve_seed(seed)
    if not 0.0 <= p <= 1.0:
        raise TopocliError(f"landscape p must be in [0, 1], not {p}")
    if transitivity is not None and not 0.0 <= transitivity <= 1.0:
        raise TopocliError(f"landscape transitivity must be in [0, 1], not {transitivity}")
    if not (math.isfinite(swaps_per_edge) and swaps_per_edge >= 0):
        raise TopocliError(f"landscape swaps_per_edge must be >= 0, not {swaps_per_edge}")
    n = graph.vcount()
    m = len(undirected_pairs(graph))
    window = max(2, round(2 * m / n)) if window is None else int(window)
    rng = as_rng(seed)
    if start not in ("lattice", "source"):
        raise TopocliError(f"landscape start must be lattice or source, not {start!r}")
    for _attempt in range(_TRIES if connected else 1):
        adj: list[set[int]] = [set() for _ in range(n)]
        first = ring_lattice_edges(n, m) if start == "lattice" else \
            [tuple(e) for e in undirected_pairs(graph).tolist()]
        for u, v in first:
            adj[u].add(v)
            adj[v].add(u)
        if start == "lattice":
            _rewire_far_ends(adj, first, p, rng)
        else:
            _random_swaps(adj, round(p * m), rng)
        triples = sum(len(s) * (len(s) - 1) // 2 for s in adj)
        triangles = _triangles(adj)
        if transitivity is not None and triples:
            target = round(transitivity * triples / 3)
            triangles = _toward_triangles(adj, target, int(swaps_per_edge * m), window, rng)
        edges = [(u, v) for u in range(n) for v in adj[u] if u < v]
        if not connected or ig.Graph(n=n, edges=edges).is_connected():
            break
    else:
        raise TopocliError(f"no connected landscape graph with n={n}, m={m}, p={p}, "
                           f"transitivity={transitivity} in {_TRIES} draws; raise p")
    params = {"p": p, "transitivity": transitivity, "start": start,
              "swaps_per_edge": swaps_per_edge, "window": window, "connected": connected,
              "transitivity_reached": round(3 * triangles / triples, 6) if triples else 0.0}
    if graph.is_directed():
        params["directed_source"] = "undirected view (landscape is an undirected model)"
    return build_null(graph, np.array(edges), directed=False, model="landscape",
                      params=params, seed=seed, keep_nodes=start == "source")


def plane_area(points: np.ndarray) -> float:
    """Area of the convex hull of (clustering, path length) points (0 for < 3 points or a
    degenerate set): how much of the plane a generator reaches."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.unique(np.asarray(points, dtype=float).reshape(-1, 2), axis=0)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 3:
        return 0.0
    try:
        return float(ConvexHull(pts).volume)  # in 2-d, "volume" is the area
    except QhullError:
        return 0.0
