"""Helpers shared by the null-model families: input checks, seeds, result attributes."""

from __future__ import annotations

import json

import igraph as ig
import numpy as np

from topocli.errors import TopocliError

# resolve_seed and igraph_rng live in topocli.seeding (one way to handle randomness);
# imported here for the families that use them.
from topocli.seeding import as_rng, derive_seed, igraph_rng, resolve_seed  # noqa: F401

MIN_NODES = 4
MIN_EDGES = 2


def check_graph(graph: ig.Graph, model: str) -> None:
    """Refuse graphs no null model can work with (too few nodes or edges, multigraphs)."""
    if not isinstance(graph, ig.Graph):
        raise TypeError(f"graph must be an igraph.Graph, not {type(graph).__name__}")
    n, m = graph.vcount(), graph.ecount()
    if n < MIN_NODES or m < MIN_EDGES:
        raise TopocliError(
            f"graph too small for the {model} null model ({n} nodes, {m} edges); it needs at "
            f"least {MIN_NODES} nodes and {MIN_EDGES} edges (try a view with more of the "
            "connectome, e.g. --layer both or --all-cells)")
    if not graph.is_simple():
        raise TopocliError(f"the {model} null model needs a simple graph (no self-loops or "
                           "multi-edges); load it with topocli.graphs.load_graph, which "
                           "simplifies it")


def undirected_pairs(graph: ig.Graph) -> np.ndarray:
    """Edges of the undirected view as an (m_u, 2) array with u < v, each pair once."""
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    edges = np.sort(edges, axis=1)
    return np.unique(edges, axis=0)


def match_edge_count(n: int, edges: list[tuple[int, int]], m: int, rng: np.random.Generator,
                     *, connected: bool) -> list[tuple[int, int]]:
    """Add or remove uniformly chosen edges of an undirected simple graph until it has m.

    Added edges are drawn uniformly among the absent pairs; removed edges uniformly among
    the present ones, and with ``connected`` only among those that are not bridges (so a
    connected graph stays connected; each removal re-checks, as a bridge can appear).
    Node ids are not touched (a Watts-Strogatz ring keeps its order). Raises TopocliError
    when m is out of reach (more than n(n-1)/2, or fewer than n - 1 with ``connected``).
    """
    if m > n * (n - 1) // 2:
        raise TopocliError(f"cannot place {m} edges on {n} nodes (at most {n * (n - 1) // 2})")
    if connected and m < n - 1:
        raise TopocliError(f"a connected graph on {n} nodes needs at least {n - 1} edges, "
                           f"but the source has {m}, and this null model keeps its graphs "
                           "connected; use the largest component (the default view) or er")
    present = {(min(u, v), max(u, v)) for u, v in edges}
    while len(present) < m:
        u, v = (int(x) for x in rng.integers(0, n, size=2))
        if u != v:
            present.add((min(u, v), max(u, v)))
    if len(present) > m:
        g = ig.Graph(n=n, edges=sorted(present))
        while g.ecount() > m:
            bridges = set(g.bridges()) if connected else set()
            candidates = [e for e in range(g.ecount()) if e not in bridges]
            if not candidates:
                raise TopocliError(f"cannot remove edges down to {m} without disconnecting "
                                   "the graph")
            g.delete_edges(candidates[int(rng.integers(len(candidates)))])
        present = {(min(u, v), max(u, v)) for u, v in g.get_edgelist()}
    return sorted(present)


def edge_array(graph: ig.Graph) -> np.ndarray:
    return np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)


def build_null(
    source: ig.Graph,
    edges: np.ndarray,
    *,
    directed: bool,
    model: str,
    params: dict,
    seed: int,
    keep_nodes: bool,
    n: int | None = None,
    extra: dict | None = None,
) -> ig.Graph:
    """Make the null graph: edges plus the attributes every null carries.

    Node-keeping models copy ``name`` and ``cell_class`` (and ``neurotransmitter`` and the
    synapse ``sign``) from the source. Others name nodes ``n0, n1, ...`` and give them the
    source's class labels in a seeded random order, so class-based orders and homophily
    stay defined. Edge ``weight`` is the source's weights in a seeded random order (all 1
    for a binary view); with a different edge count they are drawn with replacement.
    """
    n = source.vcount() if n is None else n
    null = ig.Graph(n=n, edges=np.asarray(edges, dtype=np.int64).reshape(-1, 2).tolist(),
                    directed=directed)
    aux = as_rng(derive_seed(seed, model, "labels"))
    if keep_nodes:
        for attr in ("name", "cell_class", "neurotransmitter", "sign"):
            if attr in source.vs.attributes():
                null.vs[attr] = source.vs[attr]
    else:
        null.vs["name"] = [f"n{i}" for i in range(n)]
        classes = list(source.vs["cell_class"]) if "cell_class" in source.vs.attributes() \
            else ["unknown"] * source.vcount()
        order = aux.permutation(len(classes))
        null.vs["cell_class"] = [classes[i] for i in order][:n]
    weights = source.es["weight"] if "weight" in source.es.attributes() else None
    m = null.ecount()
    if weights is None or all(w == 1 for w in weights):
        null.es["weight"] = [1.0] * m
    else:
        w = np.asarray(weights, dtype=float)
        drawn = aux.permutation(w) if len(w) == m else aux.choice(w, size=m, replace=True)
        null.es["weight"] = drawn.tolist()
    for key in ("source", "view"):
        if key in source.attributes():
            null[key] = source[key]
    null["null_model"] = model
    null["null_params"] = json.dumps(params, sort_keys=True)
    null["seed"] = int(seed)
    for key, value in (extra or {}).items():
        null[key] = value
    return null
