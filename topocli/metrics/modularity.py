"""Modularity: best Leiden partition over seeded runs, and the neuron-class partition."""

from __future__ import annotations

import igraph as ig

from topocli.errors import TopocliError
from topocli.metrics._graph import bare, class_codes
from topocli.seeding import derive_seed, igraph_rng, int_seed

__all__ = ["class_modularity", "leiden_modularity"]


def leiden_modularity(graph: ig.Graph, *, runs: int = 5, seed=0,
                      backend: str = "igraph") -> dict:
    """Highest modularity Q found by the Leiden algorithm over ``runs`` seeded runs.

    ``Q = 1/m sum_ij [A_ij - k_i^out k_j^in / m] delta(c_i, c_j)`` for directed graphs
    (Leicht & Newman 2008), ``1/(2m) sum_ij [A_ij - k_i k_j / (2m)] delta(c_i, c_j)`` for
    undirected ones; edges unweighted. Run ``r`` uses ``derive_seed(seed, "leiden", r)``.

    Parameters
    ----------
    runs : int
        Seeded runs; the partition with the highest Q is kept.
    backend : {"igraph", "leidenalg"}
        ``"igraph"``: igraph's C implementation of Leiden (2 iterations, as leidenalg; about
        10x faster, which matters for a null ensemble). ``"leidenalg"``: Traag's
        ``leidenalg`` package (``ModularityVertexPartition``). Both optimise the same Q;
        on C. elegans the best-of-5 values agree to within the run-to-run spread.

    Returns
    -------
    dict
        ``modularity`` (float, NaN without edges), ``n_communities`` (int) and
        ``membership`` (list of community ids of the best run).

    References
    ----------
    Traag, V. A., Waltman, L. and van Eck, N. J. (2019). From Louvain to Leiden:
    guaranteeing well-connected communities. Sci. Rep. 9, 5233.
    Newman, M. E. J. (2006). Modularity and community structure in networks. PNAS 103,
    8577-8582.
    """
    if runs < 1:
        raise TopocliError(f"modularity runs must be >= 1, not {runs}")
    if backend not in ("igraph", "leidenalg"):
        raise TopocliError(f"unknown modularity backend {backend!r}; use igraph or leidenalg")
    if graph.ecount() == 0:
        return {"modularity": float("nan"), "n_communities": graph.vcount(),
                "membership": list(range(graph.vcount()))}
    g = bare(graph)
    base = int_seed(seed)  # None: fresh entropy, one base for every run
    best = None
    for r in range(runs):
        run_seed = derive_seed(base, "leiden", r) % (2**31 - 1)
        membership = _leiden_run(g, run_seed, backend)
        q = g.modularity(membership, directed=g.is_directed())
        if best is None or q > best[0]:
            best = (q, membership)
    q, membership = best
    return {"modularity": float(q), "n_communities": int(max(membership) + 1),
            "membership": membership}


def _leiden_run(g: ig.Graph, seed: int, backend: str) -> list[int]:
    if backend == "leidenalg":
        import leidenalg

        part = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, seed=seed)
        return list(part.membership)
    # igraph draws from a process-wide RNG: seed a private one, then restore the previous.
    with igraph_rng(seed):
        return list(g.community_leiden(objective_function="modularity",
                                       n_iterations=2).membership)


def class_modularity(graph: ig.Graph, attribute: str = "cell_class") -> float:
    """Modularity of the partition given by a node attribute (default: neuron class).

    Same formula as :func:`leiden_modularity`; equals ``networkx.community.modularity``
    with the classes as communities. NaN without edges or without the attribute.
    """
    codes = class_codes(graph, attribute)
    if codes is None or graph.ecount() == 0:
        return float("nan")
    return float(graph.modularity(codes[0].tolist(), directed=graph.is_directed()))

