"""Drawing the null and lattice ensembles of one analysis and measuring them.

Null ``i`` of model M is ``topocli.nullmodels.generate_many(graph, M, ...)[i]`` (seed
``derive_seed(seed, M, i)``); lattice reference ``i`` is latticised from the undirected
view with seed ``derive_seed(seed, "lattice", i)``. The graphs are kept (not written) so
the fidelity table and the tests can look at exactly what was compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import igraph as ig

from topocli.analysis.measure import measure_many
from topocli.analysis.plan import Plan
from topocli.analysis.records import Measurement
from topocli.errors import TopocliError
from topocli.metrics import clustering, paths
from topocli.metrics._graph import undirected
from topocli.progress import ProgressFn, report
from topocli.seeding import derive_seed

__all__ = ["LatticeReferences", "NullEnsemble", "draw_lattices", "draw_nulls"]


@dataclass
class NullEnsemble:
    """The drawn nulls, their seeds and what was measured on each."""

    model: str
    graphs: list[ig.Graph] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)


@dataclass
class LatticeReferences:
    """Lattice references of the undirected view (C_l, L_l), or why none were drawn."""

    graphs: list[ig.Graph] = field(default_factory=list)
    clustering_avg_zero: list[float] = field(default_factory=list)
    path_length_undirected: list[float] = field(default_factory=list)
    reason: str | None = None


def draw_nulls(graph: ig.Graph, plan: Plan, count: int, model: str, *, seed: int,
               jobs: int, progress: ProgressFn | None, params: dict) -> NullEnsemble:
    """Draw ``count`` nulls of ``model`` and measure each as the graph was measured."""
    ensemble = NullEnsemble(model)
    if count == 0:
        return ensemble
    from topocli import nullmodels

    report(progress, "drawing nulls", 0, count)
    graphs = nullmodels.generate_many(graph, model, count, seed=seed, jobs=jobs, **params)
    if any(g.is_directed() != plan.directed for g in graphs):
        raise TopocliError(f"{model} nulls are {'un' if plan.directed else ''}directed "
                           f"but the graph is {'' if plan.directed else 'un'}directed; they "
                           "cannot be compared")
    ensemble.graphs = graphs
    ensemble.seeds = [int(g["seed"]) if "seed" in g.attributes() else
                      derive_seed(seed, model, i) for i, g in enumerate(graphs)]
    stat_seeds = [derive_seed(seed, "null-stats", i) for i in range(count)]
    report(progress, "drawing nulls", count, count)
    chunk = max(1, min(50, -(-count // max(1, jobs * 4))))
    batches = [(graphs[i:i + chunk], stat_seeds[i:i + chunk]) for i in range(0, count, chunk)]
    if jobs > 1 and len(batches) > 1:
        from joblib import Parallel, delayed

        par = Parallel(n_jobs=jobs, return_as="generator")
        results = par(delayed(measure_many)(g, plan, s) for g, s in batches)
    else:
        results = (measure_many(g, plan, s) for g, s in batches)
    for res in results:
        ensemble.measurements.extend(res)
        report(progress, "measuring nulls", len(ensemble.measurements), count)
    return ensemble


def draw_lattices(graph: ig.Graph, count: int, plan: Plan, *, seed: int, jobs: int,
                  swaps_per_edge: float, progress: ProgressFn | None) -> LatticeReferences:
    """``count`` lattice references of the undirected view (BCT ``latmio``)."""
    refs = LatticeReferences()
    if count == 0:
        refs.reason = "--lattice-nulls 0"
        return refs
    from topocli import nullmodels

    und = undirected(graph)
    if "cell_class" in graph.vs.attributes():
        und.vs["cell_class"] = graph.vs["cell_class"]
    report(progress, "lattice nulls", 0, count)
    try:
        refs.graphs = nullmodels.generate_many(und, "lattice", count, seed=seed, jobs=jobs,
                                               swaps_per_edge=swaps_per_edge)
    except TopocliError as exc:
        refs.reason = str(exc).split("; use another null model")[0]
        return refs
    for i, h in enumerate(refs.graphs):
        dist = paths.distance_summary(h, sources=plan.sources, seed=derive_seed(seed, "sources"))
        refs.clustering_avg_zero.append(clustering.clustering_avg_zero(h))
        refs.path_length_undirected.append(dist["path_length"])
        report(progress, "lattice nulls", i + 1, count)
    return refs
