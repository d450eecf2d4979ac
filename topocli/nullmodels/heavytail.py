"""Random graphs of a heavy-tailed degree sequence at the source's n and m.

A control for the hub hypothesis from the other side of :mod:`topocli.nullmodels.hubcap`:
graphs that have hubs like a connectome but none of its wiring. The degree sequence is a
Barabási-Albert graph's at the source's n and m (or a power law of a given exponent), and
the edges are a uniform-like random simple connected realisation of it (igraph's
Viger-Latapy sampler), so what these graphs share with the connectome is n, m and a heavy
tail, not the BA graph's age-ordered structure. Undirected, as the sweep's random-order
DAGs wire every family.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import build_null, check_graph, resolve_seed, undirected_pairs
from topocli.nullmodels.random import barabasi_albert
from topocli.seeding import as_rng, derive_seed, igraph_rng

__all__ = ["heavy_tailed_configuration", "power_law_sequence"]


def power_law_sequence(n: int, m: int, exponent: float) -> np.ndarray:
    """A degree sequence of ``n`` nodes summing to ``2 m`` with a power-law tail.

    Goh, Kahng & Kim's static model: node ``i`` (1-based) has weight
    ``i ** (-1 / (exponent - 1))``, so the expected degrees follow P(k) ~ k^-exponent;
    the weights are scaled to sum ``2 m``, rounded down, kept within [1, n - 1], and the
    remaining degree goes one at a time to the nodes with the largest remainders (taken
    from the smallest when the clipping overshoots). Deterministic: all randomness is in
    the wiring.
    """
    if not (np.isfinite(exponent) and exponent > 2):
        raise TopocliError(f"heavytail: the exponent must be a finite number > 2, not "
                           f"{exponent}")
    weights = np.arange(1, n + 1, dtype=float) ** (-1.0 / (exponent - 1.0))
    weights *= 2 * m / weights.sum()
    degrees = np.clip(np.floor(weights), 1, n - 1).astype(np.int64)
    for _ in range(4 * n):
        gap = 2 * m - int(degrees.sum())
        if gap == 0:
            break
        remainder = weights - degrees
        if gap > 0:
            room = np.flatnonzero(degrees < n - 1)
            chosen = room[np.argsort(-remainder[room], kind="stable")][:gap]
            degrees[chosen] += 1
        else:
            room = np.flatnonzero(degrees > 1)
            chosen = room[np.argsort(remainder[room], kind="stable")][:-gap]
            degrees[chosen] -= 1
    return degrees


def heavy_tailed_configuration(graph: ig.Graph, *,
                               seed: int | np.random.Generator | None = None,
                               exponent: float | None = None) -> ig.Graph:
    """A random simple connected graph of a heavy-tailed degree sequence, the source's n, m.

    The sequence: by default the degrees of a :func:`topocli.nullmodels.random.barabasi_albert`
    graph with the source's n and undirected m (drawn from ``derive_seed(seed,
    "heavytail", "sequence")``; m exactly, every degree at least 1); with ``exponent``,
    :func:`power_law_sequence`. It is assigned to the nodes in a seeded random order (the
    BA arrival order would put the hubs first) and realised by igraph's
    ``Degree_Sequence(method="vl")``: Viger & Latapy's sampler of simple connected graphs
    with a given degree sequence (a connected realisation randomised by edge swaps that
    keep it connected), the configuration model without its loops and multi-edges.

    Parameters
    ----------
    graph : igraph.Graph
        The source (its n and undirected edge count; a directed one counts its
        undirected view's edges).
    seed : int, numpy Generator or None
        Seeds the sequence, its order and the wiring (:mod:`topocli.seeding`).
    exponent : float, optional
        Power-law exponent > 2 of the degree distribution instead of BA's (about 3).

    Returns
    -------
    igraph.Graph
        Undirected, connected and simple with n and m exactly; nodes ``n0..`` with the
        source's classes in a seeded random order; ``null_params`` records the sequence,
        its maximum degree and the method.

    References
    ----------
    Barabási, A.-L. and Albert, R. (1999). Emergence of scaling in random networks.
    Science 286, 509-512.
    Goh, K.-I., Kahng, B. and Kim, D. (2001). Universal behavior of load distribution in
    scale-free networks. Phys. Rev. Lett. 87, 278701.
    Viger, F. and Latapy, M. (2005). Efficient and simple generation of random simple
    connected graphs with prescribed degree sequence. COCOON 2005, LNCS 3595, 440-449.
    """
    check_graph(graph, "heavytail")
    seed = resolve_seed(seed)
    n, m = graph.vcount(), len(undirected_pairs(graph))
    if exponent is None:
        ba = barabasi_albert(graph, seed=derive_seed(seed, "heavytail", "sequence"))
        degrees = np.asarray(ba.degree(), dtype=np.int64)
        params: dict = {"sequence": "ba"}
    else:
        degrees = power_law_sequence(n, m, float(exponent))
        params = {"sequence": "power law", "exponent": float(exponent)}
    degrees = degrees[as_rng(derive_seed(seed, "heavytail", "order")).permutation(n)]
    if m < n - 1 or not ig.is_graphical(degrees.tolist(), loops=False, multiple=False):
        raise TopocliError(f"heavytail: no simple connected graph has this degree sequence "
                           f"on {n} nodes and {m} edges (the exponent is too small, or the "
                           "graph too sparse to be connected)")
    with igraph_rng(derive_seed(seed, "heavytail", "wiring")):
        made = ig.Graph.Degree_Sequence(degrees.tolist(), method="vl")
    params.update({"max_degree": int(degrees.max()), "method": "vl (Viger-Latapy)",
                   "directed_source": "undirected view" if graph.is_directed()
                   else "undirected"})
    edges = np.asarray(made.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return build_null(graph, edges, directed=False, model="heavytail", params=params,
                      seed=seed, keep_nodes=False)
