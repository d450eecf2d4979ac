"""Clustering: local (Watts-Strogatz) averages under two conventions, transitivity, and
the directed clustering of Fagiolo (2007).

Published tables differ exactly in how nodes of degree < 2 (no pair of neighbours) enter
the average, so the convention is in the name:

- ``clustering_avg_zero``: they count as 0 and the mean is over all nodes
  (``networkx.average_clustering``);
- ``clustering_avg_nan``: they are skipped (igraph's ``transitivity_avg_local_undirected``
  with ``mode="nan"``; e.g. the Deep Connectomics Networks table's 0.308 for C. elegans);
- ``transitivity``: 3 x triangles / connected triples, a ratio of global counts.

The first three use the undirected version of a directed graph (``u->v`` and ``v->u``
collapse into one edge), as Watts & Strogatz (1998) did.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.metrics._graph import adjacency, undirected

__all__ = ["clustering_avg_nan", "clustering_avg_zero", "clustering_directed",
           "local_clustering_directed", "transitivity"]


def clustering_avg_zero(graph: ig.Graph) -> float:
    """Average local clustering over all nodes, degree < 2 counting as 0.

    ``C = 1/n sum_i 2 T_i / (k_i (k_i - 1))`` with ``T_i`` the triangles through ``i``
    and ``k_i`` its degree in the undirected version. Equals
    ``networkx.average_clustering`` of the undirected graph. NaN without nodes.

    References
    ----------
    Watts, D. J. and Strogatz, S. H. (1998). Collective dynamics of 'small-world'
    networks. Nature 393, 440-442.
    """
    if graph.vcount() == 0:
        return float("nan")
    g = undirected(graph) if graph.is_directed() else graph
    return float(g.transitivity_avglocal_undirected(mode="zero"))


def clustering_avg_nan(graph: ig.Graph) -> float:
    """Average local clustering over nodes of degree >= 2 only (igraph's convention).

    Same local coefficient as :func:`clustering_avg_zero`; nodes with fewer than two
    neighbours are left out of the mean. NaN when no node has two neighbours.
    """
    g = undirected(graph) if graph.is_directed() else graph
    local = np.asarray(g.transitivity_local_undirected(mode="nan"), dtype=float)
    local = local[np.isfinite(local)]
    return float(local.mean()) if local.size else float("nan")


def transitivity(graph: ig.Graph) -> float:
    """Global clustering: ``3 x (number of triangles) / (number of connected triples)``.

    Undirected version of directed graphs. Equals ``networkx.transitivity``; NaN when
    there is no connected triple (networkx returns 0 there).

    References
    ----------
    Newman, M. E. J., Strogatz, S. H. and Watts, D. J. (2001). Random graphs with
    arbitrary degree distributions and their applications. Phys. Rev. E 64, 026118.
    """
    g = undirected(graph) if graph.is_directed() else graph
    return float(g.transitivity_undirected(mode="nan"))


def local_clustering_directed(graph: ig.Graph) -> np.ndarray:
    """Fagiolo's directed local clustering of every node (0 where undefined).

    ``c_i = (A + A^T)^3_ii / (2 [d_i^tot (d_i^tot - 1) - 2 d_i^<->])`` with ``d^tot`` the
    in + out degree and ``d^<->`` the number of reciprocated pairs. On an undirected
    graph it is the usual local clustering. Equals ``networkx.clustering`` of a DiGraph.

    References
    ----------
    Fagiolo, G. (2007). Clustering in complex directed networks. Phys. Rev. E 76, 026107.
    """
    n = graph.vcount()
    if n == 0:
        return np.zeros(0)
    a = adjacency(graph)
    if not graph.is_directed():
        s = a
        tri = np.asarray((s @ s).multiply(s).sum(axis=1)).ravel()
        k = np.asarray(s.sum(axis=1)).ravel()
        denom = k * (k - 1)
    else:
        s = a + a.T
        tri = np.asarray((s @ s).multiply(s).sum(axis=1)).ravel()
        dtot = np.asarray(a.sum(axis=0)).ravel() + np.asarray(a.sum(axis=1)).ravel()
        dbi = np.asarray(a.multiply(a.T).sum(axis=1)).ravel()
        denom = 2 * (dtot * (dtot - 1) - 2 * dbi)
    out = np.zeros(n)
    ok = (denom > 0) & (tri > 0)
    out[ok] = tri[ok] / denom[ok]
    return out


def clustering_directed(graph: ig.Graph) -> float:
    """Average of Fagiolo's directed local clustering over all nodes (0 where undefined).

    Equals ``networkx.average_clustering`` of a DiGraph; on undirected graphs it equals
    :func:`clustering_avg_zero`. NaN without nodes.
    """
    if graph.vcount() == 0:
        return float("nan")
    return float(local_clustering_directed(graph).mean())
