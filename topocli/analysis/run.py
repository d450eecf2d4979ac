"""``analyze``: one graph against its null ensemble, step by step.

The recipe: plan the budgets, measure the graph, draw and measure the nulls, draw the
lattice references, check what the nulls held (fidelity), derive the small-world
indices, write the notes, build the tables.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import igraph as ig
import pandas as pd

from topocli.analysis import fidelity as fid
from topocli.analysis.ensemble import (
    LatticeReferences,
    NullEnsemble,
    draw_lattices,
    draw_nulls,
)
from topocli.analysis.measure import measure
from topocli.analysis.notes import UNDIRECTED_STATISTICS, scalar_notes
from topocli.analysis.plan import DEFAULT_LIMITS, Limits, make_plan
from topocli.analysis.records import FidelityRow, frame
from topocli.analysis.tables import (
    add_small_world,
    class_table,
    metrics_table,
    motif_table,
    rich_club_table,
)
from topocli.errors import TopocliError
from topocli.graphs import undirected_view
from topocli.metrics._graph import giant_vertices, undirected
from topocli.progress import ProgressFn

__all__ = ["Analysis", "analyze"]

log = logging.getLogger("topocli")


@dataclass
class Analysis:
    """One graph's analysis: tidy tables, the config that produced them, and the drawn
    null and lattice graphs (kept in memory, not written)."""

    name: str
    graph: ig.Graph
    metrics: pd.DataFrame        # StatisticRow: statistic, value, null_mean, ..., p_normal, note
    nulls: pd.DataFrame          # null_index, seed, one column per statistic
    motifs: pd.DataFrame         # MotifRow
    class_matrix: pd.DataFrame   # ClassRow
    rich_club: pd.DataFrame      # RichClubRow
    fidelity: pd.DataFrame       # FidelityRow: what each null family held
    config: dict = field(default_factory=dict)
    null_graphs: list[ig.Graph] = field(default_factory=list, repr=False)
    lattice_graphs: list[ig.Graph] = field(default_factory=list, repr=False)


def analyze(graph: ig.Graph, *, nulls: int = 100, null_model: str = "degree", seed: int = 0,
            jobs: int = 1, progress: ProgressFn | None = None, motifs_on: bool = True,
            lattice_nulls: int | None = None, lattice_swaps: float = 10,
            modularity_runs: int = 5,
            null_params: dict | None = None, name: str | None = None,
            limits: Limits = DEFAULT_LIMITS) -> Analysis:
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
        A model of :mod:`topocli.nullmodels`. The default ``degree`` keeps every node's
        in-, out-degree and mutual pairs, so statistics of the undirected view are
        compared with nulls of the same undirected m and degrees. Undirected models
        (``undirected`` in :mod:`topocli.nullmodels.registry`: ``ws``, ``ba``,
        ``landscape``, ``hubcap``, ``heavytail``) make undirected graphs: a directed
        ``graph`` is then analysed as its
        :func:`undirected_view` (value and nulls measured alike), as
        ``config["undirected_view"]`` and a warning say.
    seed : int
        Base seed (Leiden runs, sampled sources and nulls derive from it).
    jobs : int
        Processes for drawing and measuring nulls.
    progress : callable, optional
        ``progress(label, done, total, note)`` as nulls are drawn and measured
        (:mod:`topocli.progress`); the CLI passes its display. None: silent.
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
        ``fidelity`` says, per null family, what the drawn graphs held (n, m, undirected
        m, reciprocity, degree sequences); a promised quantity more than 1% off is also
        a warning on the ``topocli`` logger and in ``config["fidelity_warnings"]``.
    """
    if nulls < 0:
        raise TopocliError(f"--nulls must be >= 0, not {nulls}")
    name = name or _graph_name(graph)
    if nulls and graph.ecount() == 0:
        raise TopocliError(f"{name} has no edges, so there is nothing to compare with null "
                           "graphs; use a view that keeps edges or --nulls 0")
    lattice_nulls = min(nulls, 20) if lattice_nulls is None else lattice_nulls
    graph, view_note = _as_analysed(graph, name, nulls, null_model)
    plan = make_plan(graph, motifs_on=motifs_on, modularity_runs=modularity_runs, limits=limits)
    for key, reason in plan.skipped:
        if reason.startswith(("skipped", "one Leiden")):
            log.warning("%s: %s %s", name, key, reason)
    real = measure(graph, plan, seed)
    ensemble = draw_nulls(graph, plan, nulls, null_model, seed=seed, jobs=jobs,
                          progress=progress, params=null_params or {})
    lattice = draw_lattices(graph, lattice_nulls, plan, seed=seed, jobs=jobs,
                            swaps_per_edge=lattice_swaps, progress=progress)
    skipped = dict(plan.skipped)
    if lattice.reason is not None and lattice_nulls:
        skipped["lattice"] = (f"reference not drawn: {lattice.reason}; omega, propensity "
                              "and the lattice rows are NaN")
        log.warning("%s: lattice %s", name, skipped["lattice"])
    fidelity_rows = _fidelity(graph, ensemble, lattice, null_params or {})
    fidelity_warnings = fid.warnings(fidelity_rows)
    for line in fidelity_warnings:
        log.warning("%s: %s", name, line)
    add_small_world(real, ensemble.measurements, lattice)

    real_info = {**real.scalars, "giant_nodes": len(giant_vertices(graph))}
    short = (f"no lattice reference ({re.split(r'[:;]', lattice.reason)[0]})"
             if lattice.reason else None)
    notes = scalar_notes(graph, plan, real_info, null_model, has_nulls=bool(nulls),
                         lattice_note=short)
    if view_note is not None:
        notes["m"] = "; ".join(x for x in (notes.get("m", ""), "edges of the undirected view")
                               if x)
    mismatch = _note_density_mismatch(notes, graph, fidelity_rows, null_model)
    if mismatch:
        skipped["undirected_tables"] = (f"4-node motifs and rich club are {mismatch}; "
                                        "use --null-model degree")
    null_df = pd.DataFrame([x.columns() for x in ensemble.measurements])
    null_df.insert(0, "seed", ensemble.seeds)
    null_df.insert(0, "null_index", range(len(null_df)))
    config = {"name": name, "source": graph["source"] if "source" in graph.attributes() else None,
              "view": json.loads(graph["view"]) if "view" in graph.attributes() else None,
              "nulls": nulls, "null_model": null_model, "null_params": null_params or {},
              "lattice_nulls": lattice_nulls, "lattice_swaps": lattice_swaps, "seed": seed,
              "jobs": jobs, "motifs": motifs_on, "modularity_runs": plan.modularity_runs,
              "path_sources": plan.sources, "skipped": skipped,
              "limits": limits.__dict__, "directed": graph.is_directed(),
              "undirected_view": view_note, "fidelity_warnings": fidelity_warnings,
              "p": "two-sided empirical 2(k+1)/(N+1) (North et al. 2002); p_normal: "
                   "two-sided normal p from z"}
    return Analysis(
        name=name, graph=graph,
        metrics=metrics_table(real, ensemble.measurements, lattice, notes,
                              lattice_reason=short if lattice_nulls else None),
        nulls=null_df, motifs=motif_table(real, ensemble.measurements, plan),
        class_matrix=class_table(real, ensemble.measurements),
        rich_club=rich_club_table(real, ensemble.measurements),
        fidelity=frame(fidelity_rows, FidelityRow), config=config,
        null_graphs=ensemble.graphs, lattice_graphs=lattice.graphs)


def _graph_name(graph: ig.Graph) -> str:
    if "source" in graph.attributes() and graph["source"]:
        return Path(str(graph["source"])).name.split(".graphml")[0]
    return "graph"


def _as_analysed(graph: ig.Graph, name: str, nulls: int,
                 null_model: str) -> tuple[ig.Graph, str | None]:
    """The graph as compared: its undirected view against undirected models (the rule
    the sweep follows, :mod:`topocli.sweep.direction`)."""
    from topocli.nullmodels import registry

    if not (nulls and graph.is_directed() and registry.get(null_model).undirected):
        return graph, None
    note = (f"undirected view of a directed graph ({graph.ecount()} arcs collapsed "
            f"to {undirected(graph).ecount()} edges): {null_model} nulls are "
            "undirected, so graph and nulls are measured the same way")
    log.warning("%s: analysed as its %s", name, note)
    return undirected_view(graph), note


def _fidelity(graph: ig.Graph, ensemble: NullEnsemble, lattice: LatticeReferences,
              params: dict) -> list[FidelityRow]:
    rows = fid.fidelity_rows(graph, ensemble.graphs, ensemble.model, ensemble.model, params)
    if lattice.graphs:
        und = undirected(graph)
        rows += fid.fidelity_rows(und, lattice.graphs, "lattice (omega, propensity)",
                                  "lattice")
    return rows


def _note_density_mismatch(notes: dict[str, str], graph: ig.Graph,
                           rows: list[FidelityRow], model: str) -> str | None:
    """Say so on every undirected statistic whose nulls' undirected m differs from the
    graph's: such a z-score measures the density difference, not the connectome.
    Returns the sentence (None when the nulls hold the undirected m)."""
    quantity = "m_undirected" if graph.is_directed() else "m"
    row = next((r for r in rows if r.family == model and r.quantity == quantity), None)
    if row is None or row.held:
        return None
    text = (f"not like for like: the {model} nulls' undirected views have "
            f"{row.null_min:.0f}-{row.null_max:.0f} edges, the graph {row.real:.0f}")
    for key in UNDIRECTED_STATISTICS:
        notes[key] = "; ".join(x for x in (notes.get(key, ""), text) if x)
    return text
