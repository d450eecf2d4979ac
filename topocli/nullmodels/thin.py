"""Sparsified graphs: the cost axis of a sweep at a fixed graph (issue 24).

``thin`` keeps a uniformly drawn ``round(keep * m)`` of the source's edges (random edge
removal to a target m): nodes, names, classes and directions kept, so the network's
nodes stay and only its weighted-sum edges go, and the DAG's MACs fall with ``keep``.
With ``rewire`` the thinned graph is then rewired keeping its degrees and mutual pairs
(:func:`~topocli.nullmodels.rewiring.degree_preserving_rewire`): the null of the
sparsified connectome at the same cost, drawn from the same thinned graph, so each grid
point of ``--grid thin.keep=0.25,0.5,1 --grid thin.rewire=false,true`` pairs a
sparsified connectome with its own degree-matched null by seed.
"""

from __future__ import annotations

import math

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels._common import build_null, check_graph, edge_array, resolve_seed
from topocli.nullmodels.rewiring import degree_preserving_rewire
from topocli.seeding import as_rng, derive_seed

__all__ = ["thinned"]


def thinned(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
            keep: float = 0.5, rewire: bool = False) -> ig.Graph:
    """``graph`` with ``round(keep * m)`` of its edges, drawn uniformly without
    replacement (at least one), then with ``rewire`` degree-preservingly rewired.

    Parameters
    ----------
    graph : igraph.Graph
    seed : int, Generator or None
    keep : float
        Share of edges kept, in (0, 1].
    rewire : bool
        Rewire the thinned graph keeping in/out-degrees and mutual pairs (10 swaps per
        edge).

    Returns
    -------
    igraph.Graph
        Same nodes and directedness; ``null_model="thin"``, ``null_params`` with
        ``keep``, ``rewire`` and ``edges_kept``.
    """
    check_graph(graph, "thin")
    if not (isinstance(keep, (int, float)) and math.isfinite(keep) and 0 < keep <= 1):
        raise TopocliError(f"thin: keep must be a share of edges in (0, 1], not {keep}")
    seed = resolve_seed(seed)
    edges = edge_array(graph)
    count = max(1, round(keep * len(edges)))
    chosen = np.sort(as_rng(seed).choice(len(edges), count, replace=False))
    kept = edges[chosen]
    params = {"keep": keep, "rewire": bool(rewire), "edges_kept": int(count)}
    null = build_null(graph, kept, directed=graph.is_directed(), model="thin", params=params,
                      seed=seed, keep_nodes=True)
    if rewire:
        rewired = degree_preserving_rewire(null, seed=derive_seed(seed, "thin-rewire"))
        null = build_null(graph, edge_array(rewired), directed=graph.is_directed(),
                          model="thin", params=params, seed=seed, keep_nodes=True)
    return null
