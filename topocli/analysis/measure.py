"""Measuring one graph: the same code for the real graph and every null, so conventions
cannot drift between a value and its null distribution."""

from __future__ import annotations

import igraph as ig

from topocli.analysis.plan import DEFAULT_LIMITS, Limits, Plan, make_plan
from topocli.analysis.records import Measurement
from topocli.metrics import (
    basic,
    clustering,
    homophily,
    modularity,
    motifs,
    paths,
    richclub,
)
from topocli.metrics._graph import undirected
from topocli.seeding import derive_seed

__all__ = ["graph_statistics", "measure", "measure_many", "scalars"]


def scalars(graph: ig.Graph, *, seed, runs: int, sources: int | None,
            und: ig.Graph | None = None, backend: str = "igraph") -> dict[str, float]:
    """The flat statistics (shared by :func:`graph_statistics` and every null)."""
    und = und if und is not None else undirected(graph)
    out: dict[str, float] = {"n": graph.vcount(), "m": graph.ecount()}
    if graph.is_directed():
        out["m_undirected"] = und.ecount()
    out["density"] = basic.density(graph)
    out.update(basic.degree_summary(graph))
    out["reciprocity"] = basic.reciprocity(graph)
    out.update(basic.components(graph))
    dist = paths.distance_summary(graph, sources=sources, seed=derive_seed(seed, "sources"))
    out["path_length"] = dist["path_length"]
    out["global_efficiency"] = dist["global_efficiency"]
    out["diameter"] = dist["diameter"]
    if graph.is_directed():
        out["path_length_undirected"] = paths.distance_summary(
            und, sources=sources, seed=derive_seed(seed, "sources"))["path_length"]
    else:
        out["path_length_undirected"] = dist["path_length"]
    out["clustering_avg_zero"] = clustering.clustering_avg_zero(und)
    out["clustering_avg_nan"] = clustering.clustering_avg_nan(und)
    out["transitivity"] = clustering.transitivity(und)
    if graph.is_directed():
        out["clustering_directed"] = clustering.clustering_directed(graph)
    q = modularity.leiden_modularity(graph, runs=runs, seed=seed, backend=backend)
    out["modularity"] = q["modularity"]
    out["n_communities"] = q["n_communities"]
    out["class_modularity"] = modularity.class_modularity(graph)
    out["class_assortativity"] = homophily.class_assortativity(graph)
    out["homophily_fraction"] = homophily.homophily_fraction(graph)
    out.update(homophily.degree_assortativities(graph))
    return {k: float(v) for k, v in out.items()}


def measure(graph: ig.Graph, plan: Plan, seed) -> Measurement:
    """Scalars plus motif counts, class-to-class edges and rich-club coefficients."""
    und = undirected(graph)
    result = Measurement(scalars(graph, seed=seed, runs=plan.modularity_runs,
                                 sources=plan.sources, und=und))
    if plan.motifs3:
        result.motifs3 = motifs.motifs3_directed(graph) if plan.directed else \
            motifs.motifs3_undirected(und)
    if plan.motifs4:
        result.motifs4 = motifs.motifs4_undirected(und)
    if plan.classes is not None:
        result.class_edges = dict(homophily.class_matrix(graph, classes=list(plan.classes)))
    result.rich_club = {int(k): v for k, v in richclub.rich_club(und).items()}
    return result


def measure_many(graphs: list[ig.Graph], plan: Plan, seeds: list[int]) -> list[Measurement]:
    """:func:`measure` over a chunk of graphs (one joblib task)."""
    return [measure(g, plan, s) for g, s in zip(graphs, seeds)]


def graph_statistics(graph: ig.Graph, *, seed=0, modularity_runs: int = 5,
                     limits: Limits = DEFAULT_LIMITS) -> dict[str, float]:
    """Fast flat statistics of one graph, no null ensemble (the sweep's per-graph row).

    Keys: ``n, m`` (+ ``m_undirected``, the edges of the undirected view, when directed),
    ``density, mean_degree, max_degree`` (+ ``mean_in_degree, max_in_degree,
    max_out_degree`` when directed), ``reciprocity, n_weak_components,
    n_strong_components, giant_size, giant_fraction, path_length`` (giant component;
    strongly connected when directed), ``global_efficiency, diameter,
    path_length_undirected, clustering_avg_zero, clustering_avg_nan, transitivity``
    (the last three on the undirected version), ``clustering_directed`` (Fagiolo; directed
    only), ``modularity`` (Leiden, best of ``modularity_runs`` seeded runs),
    ``n_communities, class_modularity, class_assortativity, homophily_fraction,
    degree_assortativity`` (+ four ``degree_assortativity_{out,in}_{out,in}`` when
    directed). Undefined values are NaN, never an exception. Large graphs use the
    estimates of :class:`Limits`.
    """
    plan = make_plan(graph, motifs_on=False, modularity_runs=modularity_runs, limits=limits)
    return scalars(graph, seed=seed, runs=plan.modularity_runs, sources=plan.sources)
