"""Rich club coefficient over degree levels."""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.metrics._graph import undirected

__all__ = ["rich_club"]


def rich_club(graph: ig.Graph) -> dict[int, float]:
    """Rich club coefficient ``phi(k) = 2 E_k / (N_k (N_k - 1))`` for every degree level.

    ``N_k`` is the number of nodes with degree > k and ``E_k`` the number of edges among
    them, on the undirected version (total degree of the collapsed graph). Levels with
    ``N_k < 2`` are left out. Equals ``networkx.rich_club_coefficient(G,
    normalized=False)``. The normalised coefficient divides by the mean over a null
    ensemble (see :func:`topocli.analysis.analyze`).

    References
    ----------
    Zhou, S. and Mondragon, R. J. (2004). The rich-club phenomenon in the Internet
    topology. IEEE Commun. Lett. 8, 180-182.
    Colizza, V. et al. (2006). Detecting rich-club ordering in complex networks. Nature
    Physics 2, 110-115.
    """
    g = undirected(graph) if graph.is_directed() else graph
    if g.vcount() < 2:
        return {}
    k = np.asarray(g.degree(), dtype=np.int64)
    kmax = int(k.max())
    nodes_above = np.cumsum(np.bincount(k, minlength=kmax + 1)[::-1])[::-1]  # N_{>=k}
    n_gt = np.append(nodes_above[1:], 0)                                     # N_{>k}
    edges = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    low = np.minimum(k[edges[:, 0]], k[edges[:, 1]])                       # edge in club k < low
    e_ge = np.cumsum(np.bincount(low, minlength=kmax + 1)[::-1])[::-1]
    e_gt = np.append(e_ge[1:], 0)
    out = {}
    for level in range(kmax + 1):
        nk = int(n_gt[level])
        if nk < 2:
            break
        out[level] = 2.0 * e_gt[level] / (nk * (nk - 1))
    return out
