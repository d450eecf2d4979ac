"""Budgets: which statistics an analysis computes exactly, estimates, or skips (and why)."""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig

from topocli.metrics import motifs

__all__ = ["DEFAULT_LIMITS", "Limits", "Plan", "make_plan"]


@dataclass(frozen=True)
class Limits:
    """Budgets above which a statistic is estimated or skipped (with a stated reason).

    Attributes
    ----------
    exact_path_max_nodes : int
        Above this many nodes, L, efficiency and diameter come from ``path_sources``
        uniformly sampled sources instead of all of them.
    path_sources : int
        Sources sampled for large graphs.
    motif3_max_work, motif4_max_work : float
        Skip the 3-node (4-node) census when ``sum_i k_i^2`` (connected triples, and the
        entries of ``A^2`` the 4-node formulas need) exceeds this.
    modularity_max_edges_multi : int
        Above this many edges Leiden runs once instead of ``modularity_runs`` times.
    """

    exact_path_max_nodes: int = 5000
    path_sources: int = 500
    motif3_max_work: float = 5e8
    motif4_max_work: float = 2e7
    modularity_max_edges_multi: int = 200_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Plan:
    """What one graph's analysis measures, decided once and applied to graph and nulls."""

    directed: bool
    sources: int | None
    motifs3: bool
    motifs4: bool
    modularity_runs: int
    classes: tuple[str, ...] | None
    skipped: tuple[tuple[str, str], ...] = ()


def make_plan(graph: ig.Graph, *, motifs_on: bool, modularity_runs: int,
              limits: Limits) -> Plan:
    """The :class:`Plan` for ``graph`` under ``limits`` (skips carry their reason)."""
    skipped = []
    n, m = graph.vcount(), graph.ecount()
    sources = limits.path_sources if n > limits.exact_path_max_nodes else None
    work = motifs.motif4_work(graph) if motifs_on and m else 0.0
    m3 = motifs_on and work <= limits.motif3_max_work
    m4 = motifs_on and work <= limits.motif4_max_work
    if motifs_on and not m3:
        skipped.append(("motifs3", (f"skipped: sum of squared degrees {work:.3g} exceeds "
                                    f"the 3-node census budget {limits.motif3_max_work:.3g}")))
    if motifs_on and not m4:
        skipped.append(("motifs4", (f"skipped: sum of squared degrees {work:.3g} exceeds "
                                    f"the 4-node census budget {limits.motif4_max_work:.3g}")))
    if not motifs_on:
        skipped.append(("motifs3", "not computed (--no-motifs)"))
        skipped.append(("motifs4", "not computed (--no-motifs)"))
    runs = modularity_runs if m <= limits.modularity_max_edges_multi else 1
    if runs != modularity_runs:
        skipped.append(("modularity", (f"one Leiden run instead of {modularity_runs} "
                                       f"(more than {limits.modularity_max_edges_multi} edges)")))
    classes = None
    if "cell_class" in graph.vs.attributes():
        classes = tuple(sorted({str(c) if c is not None else "unknown"
                                for c in graph.vs["cell_class"]}))
    return Plan(directed=graph.is_directed(), sources=sources, motifs3=m3, motifs4=m4,
                modularity_runs=runs, classes=classes, skipped=tuple(skipped))
