"""The analyze report page: the tables of :mod:`topocli.reports.analyze_tables`, laid out.

Computes the tables once (:func:`~topocli.reports.analyze_tables.analyze_tables`), writes
``metrics_with_holm.csv``, draws the figures and assembles the sections. A missing table
drops its section with a note; a figure that fails to draw is replaced by a note.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import pandas as pd

from topocli.fileio import write_json_atomic
from topocli.reports import analyze_figures as fg
from topocli.reports.analyze_compare import compare_graphs
from topocli.reports.analyze_tables import (
    ALPHA,
    EXTREME_Z,
    AnalyzeSummary,
    AnalyzeTables,
    NullFidelity,
    analyze_tables,
)
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section
from topocli.reports.page_parts import Page, figure, meta_line, versions_section

__all__ = ["MAX_GRAPH_FIGURES", "analyze_page", "analyze_summary", "summary_text"]

#: Graphs drawn (null distributions, adjacency, class matrix); the tables show them all.
MAX_GRAPH_FIGURES = 4


def analyze_page(folder: ResultFolder, out: Path, *, seed: int = 0) -> Page:
    """The page of an analyze folder; its PNGs and CSV are written into ``out``."""
    tables = analyze_tables(folder)
    for name, frame in tables.csvs().items():
        frame.to_csv(out / f"{name}.csv", index=False)
    write_json_atomic(out / "summary.json", analyze_summary(tables.summary))
    page = Page(title=f"topocli analyze report: {folder.path.name}",
                summary=summary_text(tables.summary, folder.path.name))
    comparison = _comparison_section(tables, folder.table("fidelity"), out)
    if comparison is not None:
        page.sections.append(comparison)
    page.sections += [_metrics_section(tables), _nulls_section(tables, out),
                      _graphs_section(folder, out, seed), _motifs_section(tables, out),
                      _class_section(tables, out)]
    if tables.rich_club is not None:
        page.sections.append(_rich_club_section(tables, out))
    page.sections.append(versions_section(folder.config))
    page.notes = list(folder.notes)
    page.meta = meta_line(folder)
    return page


def _slug(text: object) -> str:
    """A file-name-safe form of a graph name (for the PNGs of that graph)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.")[:60] or "x"


# ----------------------------------------------------------------------- sections
def _metrics_section(t: AnalyzeTables) -> Section:
    sec = Section("Statistics against null models", "metrics")
    if t.metrics is None:
        sec.note("No metrics.csv (or metrics.json): the statistics table is left out.")
        return sec
    sec.text("z = (value − null mean) / null sd; p: two-sided empirical p as written by "
             "analyze, 2(k+1)/(N+1); p (normal): two-sided normal p from z; p (Holm) "
             "adjusts p across the statistics of each graph; percentile = share of "
             "null graphs below the real value (ties count half).")
    cols = {"graph": "graph", "statistic": "statistic", "value": "value",
            "null_mean": "null mean", "null_sd": "null sd", "z": "z", "p": "p",
            "p_normal": "p (normal)", "p_holm": "p (Holm)", "percentile": "percentile",
            "note": "note"}
    if len(t.graphs) <= 1:
        cols.pop("graph")
    sec.table(t.metrics, columns=cols, text_columns=("graph", "statistic", "note"))
    return sec


def _comparison_section(t: AnalyzeTables, fidelity: pd.DataFrame | None,
                        out: Path) -> Section | None:
    """Every graph against its own nulls, side by side (two or more graphs)."""
    c = compare_graphs(t, fidelity)
    if c is None:
        return None
    sec = Section("Graphs compared, each against its own nulls", "compare")
    sec.text(f"Graphs of different sizes compare through z (value − null mean) / null sd "
             f"and the null-normalised value (value / null mean; 1: as its nulls; blank where "
             f"the null mean is not positive or the value is negative), each "
             f"against that graph's own {t.null_label}. A statistic is extreme in a graph "
             f"when |z| ≥ {EXTREME_Z:g} and the real value lies beyond every null. "
             f"Statistics the null model fixes (no z) are left out.")
    sec.table(c.graph_table, text_columns=("graph", "null fidelity"))
    every = ", ".join(c.in_every) or "none"
    one = ", ".join(f"{s} ({g})" for s, g in c.in_one) or "none"
    sec.text(f"Extreme in every graph, in the same direction: {every}. "
             f"Extreme in one graph only: {one}.")
    figure(sec, fg.comparison_z, "compare_z.png",
           "z of each statistic against each graph's own nulls.", out, c.table, c.graphs)
    sec.table(c.table, text_columns=("statistic", "extreme in"))
    c.table.to_csv(out / "compare.csv", index=False)
    return sec


def _nulls_section(t: AnalyzeTables, out: Path) -> Section:
    sec = Section("Null distributions", "nulls")
    if t.nulls is None:
        sec.note("No nulls.csv: the null distributions are left out.")
        return sec
    for i, g in enumerate(t.graphs[:MAX_GRAPH_FIGURES] or [None]):
        sub = t.nulls_of(g)
        figure(sec, fg.null_distributions, f"nulls_{i + 1}_{_slug(g)}.png",
               f"Each statistic over {len(sub)} {t.null_label} (bars) with the real value "
               f"of {g} (red line).", out, t.real_values(g), sub,
               title=f"{g}: null distributions and the real value (red)")
    return sec


def _graphs_section(folder: ResultFolder, out: Path, seed: int) -> Section:
    sec = Section("Graphs", "graphs")
    graphs = _load_graphs(folder, sec)
    if graphs:
        figure(sec, fg.degree_distributions, "degrees.png",
               "Degree distributions of the analysed graph(s): histogram and "
               "complementary CDF on log–log axes.", out, graphs)
        for i, (name, g) in enumerate(list(graphs.items())[:MAX_GRAPH_FIGURES]):
            figure(sec, fg.adjacency, f"adjacency_{i + 1}_{_slug(name)}.png",
                   f"{name}: adjacency matrix (row = source, column = target) ordered by "
                   "neuron class (left) and by Leiden modularity community (right, "
                   f"undirected view, seed {seed}).", out, g, seed=seed,
                   title=f"{name}: adjacency matrix")
    elif not folder.graph_files:
        sec.note("No graphs/*.graphml.gz in this folder: degree distributions and "
                 "adjacency matrices are left out.")
    return sec


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING


def _load_graphs(folder: ResultFolder, sec: Section) -> dict:
    """The folder's graphs to draw (the first :data:`MAX_GRAPH_FIGURES`); a file that
    cannot be read drops its figures with a note in ``sec``."""
    from topocli.graphs import read_graph_file

    graphs = {}
    # The folder's graph files are topocli's own views (merged layers are typed
    # "chemical+electrical"): the reader's notes on how it mapped a file's vocabulary are
    # for users' files, so they are not repeated on every report.
    reader_notes = logging.getLogger("topocli")
    quiet = _BelowWarning()
    reader_notes.addFilter(quiet)
    try:
        for name, path in list(folder.graph_files.items())[:MAX_GRAPH_FIGURES]:
            try:
                graphs[name] = read_graph_file(path)
            except Exception as exc:  # noqa: BLE001 (a corrupt graph drops its figures only)
                sec.note(f"graphs/{path.name} could not be read ({type(exc).__name__}: "
                         f"{exc}).")
    finally:
        reader_notes.removeFilter(quiet)
    if len(folder.graph_files) > MAX_GRAPH_FIGURES:
        sec.note(f"Only the first {MAX_GRAPH_FIGURES} of {len(folder.graph_files)} graphs "
                 "are drawn.")
    return graphs


def _motifs_section(t: AnalyzeTables, out: Path) -> Section:
    sec = Section("Motifs", "motifs")
    motifs = t.motifs
    if motifs is None:
        sec.note("No motifs.csv: the motif significance profile is left out.")
        return sec
    figure(sec, fg.motif_profile, "motifs.png",
           "Motif significance profile: each motif's z-score against the nulls, "
           "normalised to unit length (Milo et al. 2004).", out, motifs)
    cols = {c: c for c in ("graph", "size", "motif", "description", "count",
                           "null_mean", "null_sd", "z", "p", "sp") if c in motifs}
    if len(t.graphs) <= 1:
        cols.pop("graph", None)
    sec.table(motifs, columns=cols, text_columns=("graph", "motif", "description"))
    return sec


def _class_section(t: AnalyzeTables, out: Path) -> Section:
    sec = Section("Edges between neuron classes", "classes")
    cmat = t.class_matrix
    if cmat is None:
        sec.note("No class_matrix.csv: the class-to-class edge matrix is left out.")
        return sec
    cgraphs = list(pd.unique(cmat["graph"])) if "graph" in cmat else [None]
    for i, g in enumerate(cgraphs[:MAX_GRAPH_FIGURES]):
        sub = cmat[cmat["graph"] == g] if g is not None else cmat
        figure(sec, fg.class_matrix, f"class_matrix_{i + 1}_{_slug(g)}.png",
               f"{g if g is not None else 'graph'}: edges from each source class to "
               "each target class, with the z-score against the nulls.", out, sub,
               title=f"{g}: edges between neuron classes" if g else "")
    cols = {c: c for c in cmat.columns if not (c == "graph" and len(cgraphs) <= 1)}
    sec.table(cmat, columns=cols, text_columns=("graph", "source_class", "target_class"))
    return sec


def _rich_club_section(t: AnalyzeTables, out: Path) -> Section:
    # written by analyze since its first version; optional here
    rc = t.rich_club
    sec = Section("Rich club", "richclub")
    figure(sec, fg.rich_club, "rich_club.png",
           "Rich-club coefficient by degree k divided by its null mean (above the "
           "dashed line: hubs connect among themselves more than in the nulls).", out, rc)
    cols = {c: c for c in rc.columns if not (c == "graph" and len(t.graphs) <= 1)}
    sec.table(rc, columns=cols, text_columns=("graph",))
    return sec


# ----------------------------------------------------------------------- headline
def analyze_summary(s: AnalyzeSummary | None) -> dict:
    """``report/summary.json`` of an analyze folder: its headline statistic (the one
    farthest from its nulls) with z and p, the null model and how many statistics
    differ after Holm's correction."""
    def num(value: float) -> float | None:
        return float(value) if value is not None and math.isfinite(value) else None

    if s is None:
        return {"kind": "analyze", "graph": None}
    e = s.extreme
    return {
        "kind": "analyze", "graph": s.graph, "n": num(s.n), "m": num(s.m),
        "null_model": s.null_label, "n_nulls": s.n_nulls,
        "headline": None if e is None else {
            "statistic": e.statistic, "value": num(e.value), "null_mean": num(e.null_mean),
            "null_sd": num(e.null_sd), "z": num(e.z), "p": num(e.p),
            "p_holm": num(e.p_holm)},
        "statistics_tested": s.tested, "statistics_differing_holm": s.differ,
        "nulls_needed_for_holm": s.nulls_needed,
    }


def summary_text(s: AnalyzeSummary | None, folder_name: str) -> str:
    """The headline sentence: the first graph against its nulls, Holm, what nulls held."""
    if s is None:
        return (f"{folder_name}: no statistics table was found, so there is nothing "
                "to compare with the nulls; see the notes below.")
    size = f" ({s.n:.0f} nodes, {s.m:.0f} edges)" if math.isfinite(s.n + s.m) else ""
    against = (f"{s.n_nulls} " if s.n_nulls else "") + s.null_label
    text = f"{s.graph}{size} against {against}"
    clauses = []
    if s.extreme is not None:
        e = s.extreme
        clauses.append(f"the most extreme statistic is {e.statistic}, z = {e.z:+.1f} (real "
                       f"{e.value:.3g} vs null {e.null_mean:.3g} ± {e.null_sd:.2g})")
        clauses.append(f"{s.n_extreme} of {s.n_with_z} statistics have |z| ≥ {EXTREME_Z:g}")
    if s.tested:
        holm = f"{s.differ} of {s.tested} differ at Holm-adjusted p ≤ {ALPHA:g}"
        if s.nulls_needed is not None:
            holm += (f" (with {s.n_nulls} nulls no two-sided empirical p, at least "
                     f"2/(N+1), can pass Holm's correction across {s.tested} statistics: "
                     f"use --nulls {s.nulls_needed} or more)")
        clauses.append(holm)
    if s.fidelity is not None:
        clauses.extend(_fidelity_clause(s.fidelity))
    if clauses:
        text += ": " + "; ".join(clauses)
    if s.more_graphs > 0:
        text += f"; {s.more_graphs} more graph{'s' if s.more_graphs > 1 else ''} below"
    return text + "."


def _fidelity_clause(f: NullFidelity) -> list[str]:
    """One clause on what the nulls held, a broken promise first and loudly."""
    if f.broken:
        return ["NULL FIDELITY WARNING: " + ", ".join(
            f"{family} nulls off on {quantity}" for family, quantity in f.broken)]
    if not f.held:
        return []
    text = f"the {f.family} nulls hold {', '.join(f.held)} (fidelity.csv)"
    return [text + (f" but not {', '.join(f.not_held)}" if f.not_held else "")]
