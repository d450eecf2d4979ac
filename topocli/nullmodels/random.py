"""Random graphs matched to a source: Erdős-Rényi G(n, m), Barabási-Albert, configuration.

``er`` keeps n and m (and directedness); ``ba`` keeps n and matches m as closely as its
one integer parameter allows; ``config`` keeps the degree sequence(s) exactly but none of
the source's edges. ``er`` and ``ba`` do not keep node identities: nodes are named
``n0, n1, ...`` and carry the source's class labels in a seeded random order.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import (
    build_null,
    check_graph,
    igraph_rng,
    resolve_seed,
    undirected_pairs,
)
from topocli.seeding import as_rng

__all__ = ["ba_attach_for", "barabasi_albert", "configuration", "erdos_renyi"]


def _decode_pairs(codes: np.ndarray, n: int, directed: bool) -> np.ndarray:
    if directed:
        # Codes index the n * (n - 1) ordered pairs without self-loops.
        u, r = np.divmod(codes, n - 1)
        v = r + (r >= u)
        return np.stack([u, v], axis=1)
    # Codes index the n * (n - 1) / 2 pairs u < v: row u starts at u*n - u*(u+1)/2.
    iu, ju = np.triu_indices(n, 1)
    return np.stack([iu[codes], ju[codes]], axis=1)


def erdos_renyi(graph: ig.Graph, *, seed: int | np.random.Generator | None = None) -> ig.Graph:
    """Erdős-Rényi G(n, m): m edges drawn uniformly among all node pairs.

    Same n, m and directedness as ``graph`` (directed: ordered pairs, no self-loops).
    Nodes ``n0..`` get the source's class labels in a seeded random order.
    """
    check_graph(graph, "er")
    seed = resolve_seed(seed)
    n, m, directed = graph.vcount(), graph.ecount(), graph.is_directed()
    pairs = n * (n - 1) if directed else n * (n - 1) // 2
    codes = as_rng(seed).choice(pairs, size=m, replace=False)
    edges = _decode_pairs(np.sort(codes), n, directed)
    return build_null(graph, edges, directed=directed, model="er", params={}, seed=seed,
                      keep_nodes=False)


def ba_attach_for(n: int, m: int) -> int:
    """The attachment count m0 whose Barabási-Albert graph, m0 * (n - m0) edges, is closest to m."""
    candidates = np.arange(1, n)
    return int(candidates[np.argmin(np.abs(candidates * (n - candidates) - m))])


def barabasi_albert(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
                    m_attach: int | None = None) -> ig.Graph:
    """Barabási-Albert preferential attachment with the source's n (undirected).

    As networkx's ``barabasi_albert_graph``: a star on ``m_attach + 1`` nodes, then each
    new node links to ``m_attach`` distinct existing nodes chosen with probability
    proportional to degree, giving ``m_attach * (n - m_attach)`` edges. ``m_attach`` is
    chosen so that count is closest to the source's number of connected node pairs (its
    undirected edge count); the graph attribute ``m_source`` records that target.
    BA is an undirected model: a directed source is compared through its undirected view.
    """
    check_graph(graph, "ba")
    seed = resolve_seed(seed)
    n = graph.vcount()
    target = len(undirected_pairs(graph))
    if m_attach is None:
        m_attach = ba_attach_for(n, target)
    if not 1 <= m_attach < n:
        raise TopocliError(f"ba needs 1 <= m_attach < n ({n}), not {m_attach}")
    rng = as_rng(seed)
    edges: list[tuple[int, int]] = [(0, v) for v in range(1, m_attach + 1)]
    # Preferential attachment by sampling from the list of edge endpoints ("repeated nodes").
    repeated = [0] * m_attach + list(range(1, m_attach + 1))
    for source in range(m_attach + 1, n):
        targets: set[int] = set()
        while len(targets) < m_attach:
            targets.add(repeated[int(rng.integers(len(repeated)))])
        for t in sorted(targets):
            edges.append((source, t))
            repeated.extend((source, t))
    params = {"m_attach": int(m_attach), "directed_source": "undirected view"
              if graph.is_directed() else "undirected"}
    return build_null(graph, np.array(edges), directed=False, model="ba", params=params,
                      seed=seed, keep_nodes=False,
                      extra={"m_source": int(target), "m_mismatch": len(edges) - int(target)})


def configuration(graph: ig.Graph, *, seed: int | np.random.Generator | None = None) -> ig.Graph:
    """A simple graph with exactly the source's degree sequence(s), built from them alone.

    igraph's ``Degree_Sequence(method="edge_switching_simple")``: a Havel-Hakimi
    realisation of the (in/out) degree sequence randomised by degree-preserving swaps.
    Unlike ``degree``, which starts from the source's own edges, it uses nothing of the
    source but the degrees. (Stub matching with rejection of non-simple results, the
    textbook configuration model made simple, practically never finishes on connectomes
    with hubs; erasing loops and multi-edges would change the degrees.) Nodes keep their
    names and classes.
    """
    check_graph(graph, "config")
    seed = resolve_seed(seed)
    directed = graph.is_directed()
    with igraph_rng(seed):
        if directed:
            made = ig.Graph.Degree_Sequence(graph.outdegree(), graph.indegree(),
                                            method="edge_switching_simple")
        else:
            made = ig.Graph.Degree_Sequence(graph.degree(), method="edge_switching_simple")
    edges = np.asarray(made.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return build_null(graph, edges, directed=directed, model="config",
                      params={"method": "edge_switching_simple"}, seed=seed, keep_nodes=True)
