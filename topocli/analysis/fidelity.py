"""The fidelity table: what each null family holds, measured on the ensemble it drew.

A z-score measures the connectome only when the null holds what the statistic depends on.
For every family (the analysis' null model, and the lattice references of omega and
propensity) this module measures n, m, the undirected edge count, reciprocity and the
degree sequences on every drawn graph and compares them with the real graph, next to
what the model promises (its record in :mod:`topocli.nullmodels.registry`: ``holds``,
and ``keeps_nodes`` for comparing sequences node by node). A promised quantity more
than 1% off (a degree sequence: not equal on every null) is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence

import igraph as ig
import numpy as np

from topocli.analysis.records import FidelityRow
from topocli.metrics._graph import undirected

__all__ = ["TOLERANCE", "fidelity_rows", "promises", "warnings"]

TOLERANCE = 0.01


def promises(model: str, directed: bool, params: dict | None = None) -> frozenset[str]:
    """The quantities ``model`` is built to hold exactly on a graph of this directedness
    with options ``params`` (:meth:`topocli.nullmodels.registry.NullModel.promises`)."""
    from topocli.nullmodels import registry

    return registry.get(model).promises(directed, params)


def _mutual_per_node(graph: ig.Graph) -> tuple[int, ...]:
    arcs = set(graph.get_edgelist())
    counts = [0] * graph.vcount()
    for u, v in arcs:
        if (v, u) in arcs:
            counts[u] += 1
    return tuple(counts)


def _profile(graph: ig.Graph, by_node: bool) -> dict[str, object]:
    """The quantities of one graph (sequences sorted unless compared node by node)."""
    order = (lambda s: tuple(s)) if by_node else (lambda s: tuple(sorted(s)))
    und = undirected(graph)
    out: dict[str, object] = {"n": graph.vcount(), "m": graph.ecount()}
    if graph.is_directed():
        out["m_undirected"] = und.ecount()
        out["reciprocity"] = graph.reciprocity() if graph.ecount() else float("nan")
        out["in/out-degree sequences"] = (order(graph.indegree()), order(graph.outdegree()))
        out["mutual pairs per node"] = order(_mutual_per_node(graph))
        out["undirected degree sequence"] = order(und.degree())
    else:
        out["degree sequence"] = order(graph.degree())
    return out


def fidelity_rows(graph: ig.Graph, nulls: Sequence[ig.Graph], family: str,
                  model: str, params: dict | None = None) -> list[FidelityRow]:
    """One row per quantity of ``graph`` against the drawn ``nulls`` of ``model``
    (``params``: the model's options)."""
    if not nulls:
        return []
    directed = graph.is_directed()
    from topocli.nullmodels import registry

    promised = promises(model, directed, params or {})
    by_node = registry.get(model).keeps_nodes
    real = _profile(graph, by_node)
    drawn = [_profile(h, by_node) for h in nulls]
    rows = []
    for quantity, value in real.items():
        is_promised = quantity in promised
        if isinstance(value, tuple):
            equal = np.array([d[quantity] == value for d in drawn], dtype=float)
            held = bool(equal.all())
            how = "node by node" if by_node else "as sorted sequences"
            note = f"equal on {int(equal.sum())} of {len(equal)} nulls ({how})"
            rows.append(FidelityRow(family, quantity, is_promised, 1.0, float(equal.mean()),
                                    float(equal.min()), float(equal.max()), held,
                                    _judge(note, is_promised, held, model)))
            continue
        vals = np.array([float(d[quantity]) for d in drawn])
        real_value = float(value)
        off = _relative_off(real_value, vals)
        held = bool(off <= TOLERANCE)
        note = "exact on every null" if off == 0 else f"off by up to {100 * off:.1f}%"
        rows.append(FidelityRow(family, quantity, is_promised, real_value,
                                float(np.nanmean(vals)), float(np.nanmin(vals)),
                                float(np.nanmax(vals)), held,
                                _judge(note, is_promised, held, model)))
    return rows


def _relative_off(real: float, vals: np.ndarray) -> float:
    vals = vals[np.isfinite(vals)]
    if not np.isfinite(real) or vals.size == 0:
        return 0.0 if not np.isfinite(real) and vals.size == 0 else float("inf")
    diff = float(np.max(np.abs(vals - real)))
    if real == 0:
        return 0.0 if diff <= 1e-12 else float("inf")
    return diff / abs(real)


def _judge(note: str, promised: bool, held: bool, model: str) -> str:
    if promised and not held:
        return f"WARNING: {model} promises this; {note}"
    if not promised and not held:
        return f"not held by {model}: {note}"
    return note


def warnings(rows: Sequence[FidelityRow]) -> list[str]:
    """One line per promised quantity that the ensemble did not hold."""
    return [f"{r.family} nulls should hold {r.quantity} but do not (real {r.real:.4g}, "
            f"nulls {r.null_min:.4g}..{r.null_max:.4g}; {r.note.split('; ', 1)[-1]})"
            for r in rows if r.promised and not r.held]
