"""Every statistic of a graph next to its null ensemble; writing an analysis folder.

:func:`graph_statistics` is the fast flat summary (no nulls) the sweep stores per graph.
:func:`analyze` measures a graph and ``nulls`` null graphs from :mod:`topocli.nullmodels`
with the *same* code (so conventions cannot drift between value and null), then
summarises each statistic as value, null mean, sd, z and empirical p
(:mod:`topocli.metrics.nulls`). :func:`write_analyses` writes the ``--out`` folder.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd

from topocli import __version__
from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.graphs import undirected_view
from topocli.metrics import (
    basic,
    clustering,
    homophily,
    modularity,
    motifs,
    paths,
    richclub,
    smallworld,
)
from topocli.metrics._graph import giant_vertices, undirected
from topocli.metrics.nulls import summarise
from topocli.provenance import versions
from topocli.seeding import derive_seed

__all__ = ["UNDIRECTED_MODELS", "Analysis", "Limits", "analyze", "check_out_dir",
           "graph_statistics", "write_analyses"]

log = logging.getLogger("topocli")

Progress = Callable[[str, int, int], None]

# Null models that only make undirected graphs: a directed graph is analysed through its
# undirected view against them, so graph and nulls are measured the same way.
UNDIRECTED_MODELS = ("ws", "ba")


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


@dataclass
class Analysis:
    """One graph's analysis: tidy tables plus the config that produced them."""

    name: str
    graph: ig.Graph
    metrics: pd.DataFrame        # statistic, value, null_mean, null_sd, z, p, note
    nulls: pd.DataFrame          # null_index, seed, one column per statistic
    motifs: pd.DataFrame         # size, motif, isoclass, description, count, ..., z, sp
    class_matrix: pd.DataFrame   # source_class, target_class, edges, null_mean, null_sd, z, p
    rich_club: pd.DataFrame      # k, nodes, rich_club, null_mean, null_sd, normalized, z, p
    config: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- measuring

@dataclass(frozen=True)
class _Plan:
    directed: bool
    sources: int | None
    motifs3: bool
    motifs4: bool
    modularity_runs: int
    classes: tuple[str, ...] | None
    skipped: tuple[tuple[str, str], ...] = ()


def _plan(graph: ig.Graph, *, motifs_on: bool, modularity_runs: int, limits: Limits) -> _Plan:
    skipped = []
    n, m = graph.vcount(), graph.ecount()
    sources = None
    if n > limits.exact_path_max_nodes:
        sources = limits.path_sources
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
    return _Plan(directed=graph.is_directed(), sources=sources, motifs3=m3, motifs4=m4,
                 modularity_runs=runs, classes=classes, skipped=tuple(skipped))


def _scalars(graph: ig.Graph, *, seed, runs: int, sources: int | None,
             und: ig.Graph | None = None, backend: str = "igraph") -> dict[str, float]:
    """The flat statistics (shared by graph_statistics and every null)."""
    und = und if und is not None else undirected(graph)
    out: dict[str, float] = {"n": graph.vcount(), "m": graph.ecount(),
                             "density": basic.density(graph)}
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


def _measure(graph: ig.Graph, plan: _Plan, seed) -> dict[str, float]:
    """Scalars plus motif, class-matrix and rich-club cells, as one flat row."""
    und = undirected(graph)
    row = _scalars(graph, seed=seed, runs=plan.modularity_runs, sources=plan.sources, und=und)
    if plan.motifs3:
        counts = motifs.motifs3_directed(graph) if plan.directed else \
            motifs.motifs3_undirected(und)
        row.update({f"motif3:{k}": v for k, v in counts.items()})
    if plan.motifs4:
        row.update({f"motif4:{k}": v for k, v in motifs.motifs4_undirected(und).items()})
    if plan.classes is not None:
        cm = homophily.class_matrix(graph, classes=list(plan.classes))
        row.update({f"class:{s}->{t}": v for (s, t), v in cm.items()})
    row.update({f"rich_club:{k}": v for k, v in richclub.rich_club(und).items()})
    return row


def _measure_chunk(graphs: list[ig.Graph], plan: _Plan, seeds: list[int]) -> list[dict]:
    return [_measure(g, plan, s) for g, s in zip(graphs, seeds)]


def graph_statistics(graph: ig.Graph, *, seed=0, modularity_runs: int = 5,
                     limits: Limits = Limits()) -> dict[str, float]:
    """Fast flat statistics of one graph, no null ensemble (the sweep's per-graph row).

    Keys: ``n, m, density, mean_degree, max_degree`` (+ ``mean_in_degree,
    max_in_degree, max_out_degree`` when directed), ``reciprocity, n_weak_components,
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
    plan = _plan(graph, motifs_on=False, modularity_runs=modularity_runs, limits=limits)
    return _scalars(graph, seed=seed, runs=plan.modularity_runs, sources=plan.sources)


# --------------------------------------------------------------------------- notes

def _notes(graph: ig.Graph, plan: _Plan, real: dict, null_model: str, *,
           has_nulls: bool = True, lattice_note: str | None = None) -> dict[str, str]:
    """The note of each scalar row: its convention and, when NaN, why."""
    d = graph.is_directed()
    giant = int(real.get("giant_nodes", 0))
    samp = (f"; estimated from {plan.sources} sampled sources" if plan.sources else "")
    comp = "largest strongly connected component" if d else "largest connected component"
    und = "undirected version" if d else ""
    notes = {
        "density": "no self-loops",
        "mean_degree": "in + out" if d else "",
        "max_degree": "in + out" if d else "",
        "reciprocity": "" if d else "undefined: undirected graph",
        "giant_size": "largest weakly connected component",
        "path_length": (f"mean over ordered pairs of the {comp} ({giant} nodes)"
                        + (", directed paths" if d else "") + samp),
        "global_efficiency": "whole graph, 1/inf = 0" + (", directed paths" if d else "") + samp,
        "diameter": f"{comp}" + ("; lower bound from sampled sources" if plan.sources else ""),
        "path_length_undirected": f"{und or 'graph'}, largest connected component" + samp,
        "clustering_avg_zero": "mean over all nodes, degree<2 count 0 (networkx)"
                               + (f"; {und}" if d else ""),
        "clustering_avg_nan": "mean over degree>=2 nodes only (igraph)" + (f"; {und}" if d else ""),
        "transitivity": "3 x triangles / connected triples" + (f"; {und}" if d else ""),
        "clustering_directed": "Fagiolo 2007, mean over all nodes",
        "modularity": (f"Leiden (igraph), best of {plan.modularity_runs} seeded runs (same "
                       "for nulls)" + ("; directed (Leicht-Newman)" if d else "")
                       + "; unweighted"),
        "n_communities": "of the best Leiden run",
        "class_modularity": "partition by cell_class",
        "class_assortativity": "nominal assortativity by cell_class",
        "homophily_fraction": "fraction of edges within a cell_class",
        "degree_assortativity": "out-degree of source vs in-degree of target" if d else "",
        "sigma": (f"(C/C_r)/(L/L_r), C = transitivity; C_r, L_r = mean of the {null_model} "
                  "nulls" + (f"; {und} of graph and nulls" if d else "")),
        "omega": "L_r/L - C/C_l, C = clustering_avg_zero; C_l = mean of lattice nulls"
                 + (f"; {und}" if d else ""),
        "propensity": "Muldoon 2016 phi from C_r, L_r (random) and C_l, L_l (lattice)"
                      + (f"; {und}" if d else ""),
    }
    if d:
        for x, y in (("out", "in"), ("in", "out"), ("out", "out"), ("in", "in")):
            notes[f"degree_assortativity_{x}_{y}"] = f"{x}-degree of source vs {y}-degree of target"
    for key, reason in plan.skipped:
        if key == "modularity":
            notes["modularity"] = reason
    if real.get("m", 0) == 0:
        for k in ("path_length", "diameter", "global_efficiency", "clustering_avg_zero",
                  "transitivity", "modularity", "sigma", "omega", "propensity"):
            notes[k] = "undefined: the graph has no edges"
    elif not np.isfinite(real.get("path_length", np.nan)):
        notes["path_length"] = f"undefined: the {comp} has a single node"
        notes["diameter"] = notes["path_length"]
    if not np.isfinite(real.get("class_assortativity", np.nan)) and real.get("m", 0):
        notes["class_assortativity"] = "undefined: no cell_class attribute or a single class"
    if has_nulls and lattice_note:
        for key in ("omega", "propensity"):
            if "undefined" not in notes[key]:
                notes[key] += f"; undefined: {lattice_note}"
    for key, value in real.items():
        if ":" in key or key == "giant_nodes" or np.isfinite(value):
            continue
        if not has_nulls and key in _ORDER_LAST:
            continue    # "needs nulls (--nulls N)" is added by _metrics_table
        base = notes.get(key, "")
        if "undefined" not in base:
            reason = _undefined_reason(graph, key, real)
            notes[key] = "; ".join(x for x in (base, reason) if x)
    return notes


def _undefined_reason(graph: ig.Graph, key: str, real: dict) -> str:
    """Why scalar ``key`` is NaN on ``graph`` (tiny or degenerate graphs)."""
    n, m = int(real.get("n", graph.vcount())), int(real.get("m", graph.ecount()))
    if key == "density" and n < 2:
        return "undefined: fewer than 2 nodes"
    if m == 0:
        return "undefined: the graph has no edges"
    if key in ("class_modularity", "homophily_fraction", "class_assortativity"):
        if "cell_class" not in graph.vs.attributes():
            return "undefined: no cell_class attribute"
        return "undefined: a single cell_class or no edges between classed nodes"
    if key.startswith("degree_assortativity"):
        return "undefined: the degrees at edge ends do not vary"
    if key in ("transitivity", "clustering_avg_nan", "clustering_directed"):
        return "undefined: no node has two neighbours (no connected triples)"
    if key in ("sigma", "omega", "propensity"):
        return "undefined: a reference value (C_r, L_r, C_l or L_l) is 0 or undefined"
    return "undefined on this graph"


# --------------------------------------------------------------------------- analyze

def analyze(graph: ig.Graph, *, nulls: int = 100, null_model: str = "degree", seed: int = 0,
            jobs: int = 1, progress: Progress | None = None, motifs_on: bool = True,
            lattice_nulls: int | None = None, lattice_swaps: float = 10,
            modularity_runs: int = 5,
            null_params: dict | None = None, name: str | None = None,
            limits: Limits = Limits()) -> Analysis:
    """Measure ``graph`` against ``nulls`` null graphs of ``null_model``.

    Parameters
    ----------
    graph : igraph.Graph
        A graph from :func:`topocli.graphs.load_graph` (any simple graph works).
    nulls : int
        Null graphs drawn with ``topocli.nullmodels.generate_many(graph, null_model,
        nulls, seed=seed, jobs=jobs, **null_params)`` (null ``i`` uses
        ``derive_seed(seed, null_model, i)``). 0: values only.
    null_model : str
        A model of :mod:`topocli.nullmodels`. ``ws`` and ``ba`` make undirected graphs:
        a directed ``graph`` is then analysed as its :func:`undirected_view` (value and
        nulls measured alike), as ``config["undirected_view"]`` and a warning say.
    seed : int
        Base seed (Leiden runs, sampled sources and nulls derive from it).
    jobs : int
        Processes for drawing and measuring nulls.
    progress : callable, optional
        Called as ``progress(phase, done, total)``.
    motifs_on : bool
        Compute the 3-node directed and 4-node undirected motif census.
    lattice_nulls : int, optional
        Lattice references for omega and propensity (default ``min(nulls, 20)``). When
        none can be drawn (e.g. a star admits no swap), omega, propensity and the lattice
        comparison rows are NaN with the reason in their note and ``config["skipped"]``.
    lattice_swaps : float
        Latticisation trials per edge (see :func:`topocli.metrics.small_world`).
    modularity_runs : int
        Seeded Leiden runs per graph (best kept), the same for the graph and each null.

    Returns
    -------
    Analysis
    """
    if nulls < 0:
        raise TopocliError(f"--nulls must be >= 0, not {nulls}")
    name = name or _graph_name(graph)
    if nulls and graph.ecount() == 0:
        raise TopocliError(f"{name} has no edges, so there is nothing to compare with null "
                           "graphs; use a view that keeps edges or --nulls 0")
    lattice_nulls = min(nulls, 20) if lattice_nulls is None else lattice_nulls
    view_note = None
    if nulls and null_model in UNDIRECTED_MODELS and graph.is_directed():
        view_note = (f"undirected view of a directed graph ({graph.ecount()} arcs collapsed "
                     f"to {undirected(graph).ecount()} edges): {null_model} nulls are "
                     "undirected, so graph and nulls are measured the same way")
        log.warning("%s: analysed as its %s", name, view_note)
        graph = undirected_view(graph)
    plan = _plan(graph, motifs_on=motifs_on, modularity_runs=modularity_runs, limits=limits)
    for key, reason in plan.skipped:
        if reason.startswith(("skipped", "one Leiden")):
            log.warning("%s: %s %s", name, key, reason)
    real = _measure(graph, plan, seed)

    null_rows, null_seeds = _null_rows(graph, plan, nulls, null_model, seed, jobs, progress,
                                       null_params or {})
    latt, latt_reason = _lattice_rows(graph, lattice_nulls, seed, plan, progress, jobs,
                                      lattice_swaps)
    skipped = dict(plan.skipped)
    if latt_reason is not None and lattice_nulls:
        skipped["lattice"] = (f"reference not drawn: {latt_reason}; omega, propensity and "
                              "the lattice rows are NaN")
        log.warning("%s: lattice %s", name, skipped["lattice"])
    null_df = pd.DataFrame(null_rows)
    _add_small_world(real, null_df, latt)
    null_df.insert(0, "seed", null_seeds)
    null_df.insert(0, "null_index", np.arange(len(null_df)))

    real_info = {**real, "giant_nodes": len(giant_vertices(graph))}
    short = (f"no lattice reference ({re.split(r'[:;]', latt_reason)[0]})"
             if latt_reason else None)
    notes = _notes(graph, plan, real_info, null_model, has_nulls=bool(nulls),
                   lattice_note=short)
    if view_note is not None:
        notes["m"] = "; ".join(x for x in (notes.get("m", ""), "edges of the undirected view")
                               if x)
    metrics_df = _metrics_table(real, null_df, latt, notes,
                                lattice_reason=short if lattice_nulls else None)
    motif_df = _motif_table(real, null_df, plan)
    class_df = _class_table(real, null_df)
    rc_df = _rich_club_table(real, null_df)
    config = {"name": name, "source": graph["source"] if "source" in graph.attributes() else None,
              "view": json.loads(graph["view"]) if "view" in graph.attributes() else None,
              "nulls": nulls, "null_model": null_model, "null_params": null_params or {},
              "lattice_nulls": lattice_nulls, "lattice_swaps": lattice_swaps, "seed": seed,
              "jobs": jobs,
              "motifs": motifs_on, "modularity_runs": plan.modularity_runs,
              "path_sources": plan.sources, "skipped": skipped,
              "limits": limits.__dict__, "directed": graph.is_directed(),
              "undirected_view": view_note}
    return Analysis(name=name, graph=graph, metrics=metrics_df, nulls=null_df, motifs=motif_df,
                    class_matrix=class_df, rich_club=rc_df, config=config)


def _graph_name(graph: ig.Graph) -> str:
    if "source" in graph.attributes() and graph["source"]:
        return Path(str(graph["source"])).name.split(".graphml")[0]
    return "graph"


def _null_rows(graph, plan, nulls, null_model, seed, jobs, progress, params):
    if nulls == 0:
        return [], []
    from topocli.metrics import _nullsource

    if progress:
        progress("drawing nulls", 0, nulls)
    graphs = _nullsource.draw(graph, null_model, nulls, seed=seed, jobs=jobs, **params)
    if any(g.is_directed() != plan.directed for g in graphs):
        raise TopocliError(f"{null_model} nulls are {'un' if plan.directed else ''}directed "
                           f"but the graph is {'' if plan.directed else 'un'}directed; they "
                           "cannot be compared")
    seeds = [int(g["seed"]) if "seed" in g.attributes() else derive_seed(seed, null_model, i)
             for i, g in enumerate(graphs)]
    stat_seeds = [derive_seed(seed, "null-stats", i) for i in range(nulls)]
    if progress:
        progress("drawing nulls", nulls, nulls)
    chunk = max(1, min(50, -(-nulls // max(1, jobs * 4))))
    batches = [(graphs[i:i + chunk], stat_seeds[i:i + chunk]) for i in range(0, nulls, chunk)]
    rows: list[dict] = []
    done = 0
    if jobs > 1 and len(batches) > 1:
        from joblib import Parallel, delayed

        par = Parallel(n_jobs=jobs, return_as="generator")
        results = par(delayed(_measure_chunk)(g, plan, s) for g, s in batches)
    else:
        results = (_measure_chunk(g, plan, s) for g, s in batches)
    for res in results:
        rows.extend(res)
        done += len(res)
        if progress:
            progress("measuring nulls", done, nulls)
    return rows, seeds


def _lattice_rows(graph, count, seed, plan, progress, jobs=1,
                  lattice_swaps: float = 10) -> tuple[pd.DataFrame, str | None]:
    """Lattice references (C_l, L_l) and, when none were drawn, the reason why."""
    empty = pd.DataFrame(columns=["clustering_avg_zero", "path_length_undirected"])
    if count == 0:
        return empty, "--lattice-nulls 0"
    from topocli.metrics import _nullsource

    und = undirected(graph)
    if "cell_class" in graph.vs.attributes():
        und.vs["cell_class"] = graph.vs["cell_class"]
    rows = []
    if progress:
        progress("lattice nulls", 0, count)
    # one lockstep batch (topocli.nullmodels); lattice null i uses derive_seed(seed, "lattice", i)
    try:
        lattices = _nullsource.draw(und, "lattice", count, seed=seed, jobs=jobs,
                                    swaps_per_edge=lattice_swaps)
    except TopocliError as exc:
        return empty, str(exc).split("; use another null model")[0]
    for i, h in enumerate(lattices):
        dist = paths.distance_summary(h, sources=plan.sources, seed=derive_seed(seed, "sources"))
        rows.append({"clustering_avg_zero": clustering.clustering_avg_zero(h),
                     "path_length_undirected": dist["path_length"]})
        if progress:
            progress("lattice nulls", i + 1, count)
    return pd.DataFrame(rows), None


def _add_small_world(real: dict, null_df: pd.DataFrame, latt: pd.DataFrame) -> None:
    """sigma, omega, phi of the graph and of each null (against the ensemble means)."""
    nan = float("nan")
    if len(null_df):
        c_r = float(np.nanmean(null_df["transitivity"]))
        ca_r = float(np.nanmean(null_df["clustering_avg_zero"]))
        l_r = float(np.nanmean(null_df["path_length_undirected"]))
    else:
        c_r = ca_r = l_r = nan
    c_l = float(np.nanmean(latt["clustering_avg_zero"])) if len(latt) else nan
    l_l = float(np.nanmean(latt["path_length_undirected"])) if len(latt) else nan

    def sw(t, ca, lu):
        return (smallworld.sigma(t, c_r, lu, l_r), smallworld.omega(ca, c_l, lu, l_r),
                smallworld.propensity(ca, ca_r, c_l, lu, l_r, l_l))

    real["sigma"], real["omega"], real["propensity"] = sw(
        real["transitivity"], real["clustering_avg_zero"], real["path_length_undirected"])
    if len(null_df):
        vals = [sw(t, ca, lu) for t, ca, lu in zip(null_df["transitivity"],
                                                   null_df["clustering_avg_zero"],
                                                   null_df["path_length_undirected"])]
        null_df["sigma"], null_df["omega"], null_df["propensity"] = map(list, zip(*vals))


_ORDER_LAST = ("sigma", "omega", "propensity")


def _join(*parts: str) -> str:
    return "; ".join(x for x in parts if x)


def _metrics_table(real: dict, null_df: pd.DataFrame, latt: pd.DataFrame,
                   notes: dict[str, str], lattice_reason: str | None = None) -> pd.DataFrame:
    """One row per scalar statistic, plus the two lattice comparison rows.

    ``lattice_reason``: why no lattice reference was drawn although one was asked for
    (the lattice comparison rows then carry NaN null values and this reason).
    """
    rows = []
    scalars = [k for k in real if ":" not in k and k not in _ORDER_LAST] + list(_ORDER_LAST)
    for key in scalars:
        value = real[key]
        null = null_df[key].to_numpy(float) if key in null_df else np.array([])
        s = summarise(value, null)
        extra = s.pop("note")
        if "undefined" in notes.get(key, ""):
            extra = extra.replace("undefined on this graph", "").strip("; ")
        note = _join(notes.get(key, ""), extra)
        if key in _ORDER_LAST and len(null_df) == 0:
            note = _join(note, "needs nulls (--nulls N)")
        rows.append({"statistic": key, "value": value, **s, "note": note})
    for key, label in (("clustering_avg_zero", "clustering_vs_lattice"),
                       ("path_length_undirected", "path_length_vs_lattice")):
        if len(latt):
            s = summarise(real[key], latt[key].to_numpy(float))
            note = _join(f"{key} against {len(latt)} lattice nulls (C_l, L_l)", s.pop("note"))
            rows.append({"statistic": label, "value": real[key], **s, "note": note})
        elif lattice_reason:
            s = summarise(real[key], np.array([]))
            s.pop("note")
            rows.append({"statistic": label, "value": real[key], **s,
                         "note": f"{key} against lattice nulls; undefined: {lattice_reason}"})
    return pd.DataFrame(rows, columns=["statistic", "value", "null_mean", "null_sd", "z", "p",
                                       "note"])


def _motif_table(real: dict, null_df: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    rows = []
    tables = []
    if plan.motifs3:
        labels = motifs.MOTIF3_DIRECTED if plan.directed else motifs.MOTIF3_UNDIRECTED
        tables.append((3, labels))
    if plan.motifs4:
        tables.append((4, motifs.MOTIF4_UNDIRECTED))
    for size, labels in tables:
        block = []
        for iso, (code, desc) in labels.items():
            key = f"motif{size}:{code}"
            null = null_df[key].to_numpy(float) if key in null_df else np.array([])
            s = summarise(real[key], null)
            s.pop("note")
            block.append({"size": size, "motif": code, "isoclass": iso, "description": desc,
                          "directed": plan.directed and size == 3, "count": real[key], **s})
        sp_ = motifs.significance_profile({r["motif"]: r["z"] for r in block})
        for r in block:
            r["sp"] = sp_[r["motif"]]
        rows.extend(block)
    return pd.DataFrame(rows, columns=["size", "motif", "isoclass", "description", "directed",
                                       "count", "null_mean", "null_sd", "z", "p", "sp"])


def _class_table(real: dict, null_df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for key, value in real.items():
        if key.startswith("class:"):
            src, tgt = key[6:].split("->")
            null = null_df[key].to_numpy(float) if key in null_df else np.array([])
            s = summarise(value, null)
            s.pop("note")
            rows.append({"source_class": src, "target_class": tgt, "edges": value, **s})
    return pd.DataFrame(rows, columns=["source_class", "target_class", "edges", "null_mean",
                                       "null_sd", "z", "p"])


def _rich_club_table(real: dict, null_df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for key, value in real.items():
        if key.startswith("rich_club:"):
            k = int(key.split(":")[1])
            null = null_df[key].to_numpy(float) if key in null_df else np.array([])
            s = summarise(value, null)
            s.pop("note")
            mean = s["null_mean"]
            norm = value / mean if np.isfinite(mean) and mean > 0 else float("nan")
            rows.append({"k": k, "rich_club": value, **s, "normalized": norm})
    return pd.DataFrame(rows, columns=["k", "rich_club", "null_mean", "null_sd", "z", "p",
                                       "normalized"])


# --------------------------------------------------------------------------- writing

def tables(analyses: list[Analysis]) -> dict[str, pd.DataFrame]:
    """The folder's tables, every row labelled with its graph."""
    def stack(attr: str) -> pd.DataFrame:
        frames = [getattr(a, attr).assign(graph=a.name) for a in analyses]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return df[["graph"] + [c for c in df.columns if c != "graph"]] if len(df.columns) else df

    return {"metrics": stack("metrics"), "nulls": stack("nulls"), "motifs": stack("motifs"),
            "class_matrix": stack("class_matrix"), "rich_club": stack("rich_club")}


def to_json(analyses: list[Analysis]) -> dict:
    """JSON-ready dict: per graph its metrics, motifs, class matrix, rich club, config."""
    def records(df: pd.DataFrame) -> list[dict]:
        return json.loads(df.to_json(orient="records"))

    return {"topocli_version": __version__,
            "graphs": [{"graph": a.name, "config": a.config, "metrics": records(a.metrics),
                        "motifs": records(a.motifs), "class_matrix": records(a.class_matrix),
                        "rich_club": records(a.rich_club)} for a in analyses]}


def check_out_dir(out_dir: str | Path) -> None:
    """Refuse an ``--out`` folder that holds a result already, or is a file (called
    before any work, so a long analysis never ends in a refusal)."""
    out = Path(out_dir)
    if (out / "config.json").exists():
        raise TopocliError(f"{out} already holds a result (config.json); choose another --out "
                           "folder or remove it")
    if out.exists() and not out.is_dir():
        raise TopocliError(f"{out} exists and is not a folder; choose another --out")


def write_analyses(analyses: list[Analysis], out_dir: str | Path, *, command: str = "",
                   options: dict | None = None, force: bool = False) -> Path:
    """Write the ``--out`` folder (see the team contract); refuse to overwrite a result.

    Files: ``kind.txt`` (``analyze``), ``config.json``, ``metrics.csv``, ``metrics.json``,
    ``nulls.csv``, ``motifs.csv``, ``class_matrix.csv``, ``rich_club.csv`` and
    ``graphs/<graph>.graphml.gz``.
    """
    from topocli.graphs import write_graphml

    out = Path(out_dir)
    if not force:
        check_out_dir(out)
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    names = [a.name for a in analyses]
    if len(set(names)) != len(names):
        raise TopocliError(f"two graphs share a name ({', '.join(names)}); rename the files")
    t = tables(analyses)
    for key, df in t.items():
        write_text_atomic(out / f"{key}.csv", df.to_csv(index=False))
    write_text_atomic(out / "metrics.json", json.dumps(to_json(analyses), indent=1, default=str))
    for a in analyses:
        write_graphml(a.graph, out / "graphs" / f"{a.name}.graphml.gz")
    config = {"kind": "analyze", "command": command, "options": options or {},
              "versions": versions(), "graphs": [a.config for a in analyses],
              "seed": analyses[0].config["seed"] if analyses else None}
    write_text_atomic(out / "kind.txt", "analyze\n")
    write_text_atomic(out / "config.json", json.dumps(config, indent=1, default=str))
    return out
