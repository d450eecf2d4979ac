"""Mixing: homophily by neuron class and degree assortativity."""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.metrics._graph import class_codes

__all__ = [
    "class_assortativity",
    "class_matrix",
    "degree_assortativities",
    "degree_assortativity",
    "homophily_fraction",
]


def class_assortativity(graph: ig.Graph, attribute: str = "cell_class") -> float:
    """Attribute (nominal) assortativity of a node attribute, default neuron class.

    ``r = (sum_i e_ii - sum_i a_i b_i) / (1 - sum_i a_i b_i)`` with ``e`` the fraction of
    edges from class i to class j and ``a``, ``b`` its row and column sums. Equals
    ``networkx.attribute_assortativity_coefficient``. NaN without edges, without the
    attribute, or with a single class.

    References
    ----------
    Newman, M. E. J. (2003). Mixing patterns in networks. Phys. Rev. E 67, 026126.
    """
    codes = class_codes(graph, attribute)
    if codes is None or graph.ecount() == 0 or len(codes[1]) < 2:
        return float("nan")
    e = _mixing(graph, codes[0], len(codes[1]))
    ab = float((e.sum(axis=1) * e.sum(axis=0)).sum())
    if ab >= 1:
        return float("nan")
    return float((np.trace(e) - ab) / (1 - ab))


def homophily_fraction(graph: ig.Graph, attribute: str = "cell_class") -> float:
    """Fraction of edges whose two ends share the attribute value (same class)."""
    codes = class_codes(graph, attribute)
    if codes is None or graph.ecount() == 0:
        return float("nan")
    edges = np.array(graph.get_edgelist(), dtype=np.int64)
    c = codes[0]
    return float((c[edges[:, 0]] == c[edges[:, 1]]).mean())


def class_matrix(graph: ig.Graph, attribute: str = "cell_class",
                 classes: list[str] | None = None) -> dict[tuple[str, str], float]:
    """Number of edges from each class to each class.

    Directed graphs count arcs ``source_class -> target_class``; undirected graphs count
    each edge once under its two classes in alphabetical order. ``classes`` fixes the
    rows (so null graphs report the same cells, zeros included); default: classes present.
    """
    codes = class_codes(graph, attribute)
    if codes is None:
        return {}
    names = classes if classes is not None else codes[1]
    lookup = {name: i for i, name in enumerate(names)}
    remap = np.array([lookup.get(name, -1) for name in codes[1]], dtype=np.int64)
    c = remap[codes[0]]
    k = len(names)
    counts = np.zeros((k, k))
    if graph.ecount():
        edges = np.array(graph.get_edgelist(), dtype=np.int64)
        s, t = c[edges[:, 0]], c[edges[:, 1]]
        ok = (s >= 0) & (t >= 0)
        s, t = s[ok], t[ok]
        if not graph.is_directed():
            s, t = np.minimum(s, t), np.maximum(s, t)
        np.add.at(counts, (s, t), 1)
    out = {}
    for i in range(k):
        for j in range(k):
            if graph.is_directed() or i <= j:
                out[(names[i], names[j])] = float(counts[i, j])
    return out


def degree_assortativity(graph: ig.Graph, x: str = "out", y: str = "in") -> float:
    """Pearson correlation of degrees at the two ends of every edge.

    Directed graphs: ``x``-degree of the source against ``y``-degree of the target, each
    in {"in", "out"} (Foster et al. 2010 define the four variants). Undirected graphs use
    the degree at both ends, each edge in both orientations. Equals
    ``networkx.degree_assortativity_coefficient(G, x, y)``. NaN without edges or when
    all degrees at one end are equal.

    References
    ----------
    Newman, M. E. J. (2002). Assortative mixing in networks. Phys. Rev. Lett. 89, 208701.
    Foster, J. G. et al. (2010). Edge direction and the structure of networks. PNAS 107,
    10815-10820.
    """
    if graph.ecount() == 0:
        return float("nan")
    edges = np.array(graph.get_edgelist(), dtype=np.int64)
    if graph.is_directed():
        deg = {"in": np.asarray(graph.indegree(), float),
               "out": np.asarray(graph.outdegree(), float)}
        a, b = deg[x][edges[:, 0]], deg[y][edges[:, 1]]
    else:
        k = np.asarray(graph.degree(), float)
        a = np.concatenate([k[edges[:, 0]], k[edges[:, 1]]])
        b = np.concatenate([k[edges[:, 1]], k[edges[:, 0]]])
    return _pearson(a, b)


def degree_assortativities(graph: ig.Graph) -> dict[str, float]:
    """``degree_assortativity`` (out-in when directed, as networkx's default) and, for
    directed graphs, the four variants ``degree_assortativity_out_in``, ``_in_out``,
    ``_out_out``, ``_in_in`` (source degree kind, target degree kind)."""
    if not graph.is_directed():
        return {"degree_assortativity": degree_assortativity(graph)}
    out = {f"degree_assortativity_{x}_{y}": degree_assortativity(graph, x, y)
           for x, y in (("out", "in"), ("in", "out"), ("out", "out"), ("in", "in"))}
    return {"degree_assortativity": out["degree_assortativity_out_in"], **out}


def _mixing(graph: ig.Graph, codes: np.ndarray, k: int) -> np.ndarray:
    edges = np.array(graph.get_edgelist(), dtype=np.int64)
    s, t = codes[edges[:, 0]], codes[edges[:, 1]]
    e = np.zeros((k, k))
    np.add.at(e, (s, t), 1)
    if not graph.is_directed():
        np.add.at(e, (t, s), 1)
    return e / e.sum()


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else float("nan")
