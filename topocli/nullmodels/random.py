"""Random graphs matched to a source: Erdős-Rényi G(n, m), Barabási-Albert, configuration.

``er`` keeps n and m (and directedness; directed: the mutual pairs too, U|MAN); ``ba``
keeps n and m exactly (per-step attachment counts, below) and is connected; ``config``
keeps the degree sequence(s) exactly but none of the source's edges. ``er`` and ``ba`` do
not keep node identities: nodes are named ``n0, n1, ...`` (``ba``: in arrival order) and
carry the source's class labels in a seeded random order.
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

__all__ = ["ba_attach_counts", "ba_attach_for", "barabasi_albert", "configuration", "erdos_renyi"]


def _decode_pairs(codes: np.ndarray, n: int, directed: bool) -> np.ndarray:
    if directed:
        # Codes index the n * (n - 1) ordered pairs without self-loops.
        u, r = np.divmod(codes, n - 1)
        v = r + (r >= u)
        return np.stack([u, v], axis=1)
    # Codes index the n * (n - 1) / 2 pairs u < v: row u starts at u*n - u*(u+1)/2.
    iu, ju = np.triu_indices(n, 1)
    return np.stack([iu[codes], ju[codes]], axis=1)


def erdos_renyi(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
                keep_mutual: bool = True) -> ig.Graph:
    """Erdős-Rényi G(n, m): m edges drawn uniformly among all node pairs.

    Same n, m and directedness as ``graph``. Undirected: G(n, m). Directed, with
    ``keep_mutual`` (default): uniform among digraphs with the source's numbers of mutual
    pairs M and unreciprocated arcs A (Holland & Leinhardt's U|MAN): ``M + A`` node pairs
    drawn uniformly, M of them (chosen uniformly) made mutual and the rest given a random
    direction, so reciprocity and the undirected edge count equal the source's. Without
    it: ``m`` ordered pairs drawn uniformly (no self-loops), whose undirected view has
    more edges than a reciprocal connectome's. Nodes ``n0..`` get the source's class
    labels in a seeded random order.

    References
    ----------
    Holland, P. W. and Leinhardt, S. (1976). Local structure in social networks.
    Sociological Methodology 7, 1-45 (the U|MAN distribution).
    """
    check_graph(graph, "er")
    seed = resolve_seed(seed)
    n, m, directed = graph.vcount(), graph.ecount(), graph.is_directed()
    rng = as_rng(seed)
    params: dict = {}
    if directed and keep_mutual:
        arcs = undirected_pairs(graph)
        mutual = m - len(arcs)                 # each mutual pair is two arcs, one pair
        codes = rng.choice(n * (n - 1) // 2, size=len(arcs), replace=False)
        pairs = _decode_pairs(np.sort(codes), n, False)[rng.permutation(len(arcs))]
        single = pairs[mutual:]
        flip = rng.integers(0, 2, size=len(single)) == 1
        single[flip] = single[flip][:, ::-1]
        edges = np.concatenate([pairs[:mutual], pairs[:mutual, ::-1], single])
        params = {"mutual_pairs": int(mutual)}
    else:
        pairs_total = n * (n - 1) if directed else n * (n - 1) // 2
        codes = rng.choice(pairs_total, size=m, replace=False)
        edges = _decode_pairs(np.sort(codes), n, directed)
        if directed:
            params = {"mutual_pairs": "not kept"}
    return build_null(graph, edges, directed=directed, model="er", params=params, seed=seed,
                      keep_nodes=False)


def ba_attach_for(n: int, m: int) -> int:
    """The attachment count m0 whose Barabási-Albert graph, m0 * (n - m0) edges, is closest to m."""
    candidates = np.arange(1, n)
    return int(candidates[np.argmin(np.abs(candidates * (n - candidates) - m))])


def ba_attach_counts(n: int, m: int, m_attach: int, rng: np.random.Generator) -> np.ndarray:
    """Edges each arriving node adds, so a Barabási-Albert graph has exactly m edges.

    Node ``m_attach + 1 + i`` attaches ``counts[i]`` times (the star on the first
    ``m_attach + 1`` nodes holds ``m_attach``). Every count starts at ``m_attach``; the
    difference to m is spread one attachment at a time over uniformly chosen steps (up
    while a step has existing nodes to spare, down while it keeps at least one, so the
    graph stays connected). Raises TopocliError when m is out of reach (fewer than
    ``n - 1`` edges cannot be connected).
    """
    steps = n - m_attach - 1
    counts = np.full(steps, m_attach, dtype=np.int64)
    capacity = np.arange(m_attach + 1, n, dtype=np.int64)     # existing nodes at each step
    extra = m - m_attach - int(counts.sum())
    while extra:
        room = np.flatnonzero(counts < capacity) if extra > 0 else np.flatnonzero(counts > 1)
        if room.size == 0:
            lo, hi = n - 1, n * (n - 1) // 2
            raise TopocliError(f"a connected Barabási-Albert graph on {n} nodes has between "
                               f"{lo} and {hi} edges; the source has {m}")
        chosen = rng.choice(room, size=min(abs(extra), room.size), replace=False)
        counts[chosen] += 1 if extra > 0 else -1
        extra -= int(np.sign(extra)) * chosen.size
    return counts


def barabasi_albert(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
                    m_attach: int | None = None, match_m: bool | None = None) -> ig.Graph:
    """Barabási-Albert preferential attachment with the source's n and m (undirected).

    As networkx's ``barabasi_albert_graph``: a star on ``m_attach + 1`` nodes, then each
    new node links to distinct existing nodes chosen with probability proportional to
    degree. ``m_attach`` is chosen so ``m_attach * (n - m_attach)`` is closest to the
    source's number of connected node pairs (its undirected edge count m); with
    ``match_m`` the arriving nodes add ``m_attach`` or one more / one fewer edge each
    (:func:`ba_attach_counts`, steps chosen uniformly) so the total is m exactly, and
    the graph is connected (every node attaches at least once). Vertex ids are arrival
    order. ``m_source`` records m and ``m_mismatch`` the difference (0 with ``match_m``,
    which defaults to True unless ``m_attach`` is given: an explicit m_attach chooses the
    density, ``m_attach * (n - m_attach)`` edges).
    BA is an undirected model: a directed source is compared through its undirected view.
    """
    check_graph(graph, "ba")
    seed = resolve_seed(seed)
    n = graph.vcount()
    target = len(undirected_pairs(graph))
    if match_m is None:
        match_m = m_attach is None
    if m_attach is None:
        m_attach = ba_attach_for(n, target)
    if not 1 <= m_attach < n:
        raise TopocliError(f"ba needs 1 <= m_attach < n ({n}), not {m_attach}")
    rng = as_rng(seed)
    counts = ba_attach_counts(n, target, m_attach, rng) if match_m else \
        np.full(n - m_attach - 1, m_attach, dtype=np.int64)
    edges: list[tuple[int, int]] = [(0, v) for v in range(1, m_attach + 1)]
    # Preferential attachment by sampling from the list of edge endpoints ("repeated nodes").
    repeated = [0] * m_attach + list(range(1, m_attach + 1))
    for source, count in zip(range(m_attach + 1, n), counts.tolist()):
        targets: set[int] = set()
        while len(targets) < count:
            targets.add(repeated[int(rng.integers(len(repeated)))])
        for t in sorted(targets):
            edges.append((source, t))
            repeated.extend((source, t))
    params = {"m_attach": int(m_attach), "match_m": bool(match_m), "directed_source":
              "undirected view" if graph.is_directed() else "undirected"}
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
