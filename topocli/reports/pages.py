"""Assemble a report page (summary, tables, figures) from an analyze or a sweep folder.

Each builder takes a :class:`~topocli.reports.folders.ResultFolder` and the folder to
write PNGs/CSVs into, and returns a :class:`Page`. A missing table drops its section with
a note; a figure that fails to draw is replaced by a note (and logged), so one odd input
never costs the whole report.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from topocli import __version__
from topocli.provenance import versions
from topocli.reports import figures as fg
from topocli.reports import stats as st
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section, pretty_json

log = logging.getLogger("topocli")

MAX_GRAPH_FIGURES = 4


@dataclass
class Page:
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.")[:60] or "x"


def _figure(section: Section, notes_to: Section, fn, filename: str, caption: str,
            out: Path, *args, **kwargs) -> None:
    """Draw one figure into ``out/filename``; on failure leave a note instead."""
    try:
        path = fn(*args, out / filename, **kwargs)
    except Exception as exc:  # noqa: BLE001 (a broken figure must not cost the report)
        log.warning("report: figure %s failed: %s: %s", filename, type(exc).__name__, exc)
        notes_to.note(f"Figure {filename} could not be drawn ({type(exc).__name__}: {exc}).")
        return
    if path is None:
        notes_to.note(f"Nothing to draw for: {caption}")
    else:
        section.figure(filename, caption)


def _num(x: object) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def versions_section(config: dict) -> Section:
    sec = Section("Config and versions", "config")
    report_versions = versions()  # the one collector: same packages as every result
    if config:
        sec.heading("config.json (as written with the results)")
        sec.pre(pretty_json(config))
    else:
        sec.note("No config.json in this folder.")
    sec.heading("Versions used to build this report")
    sec.pre(pretty_json(report_versions))
    return sec


# =========================================================================== analyze
def _tested_p(metrics: pd.DataFrame) -> pd.Series:
    """p-values of the rows that are tests: a statistic the null model fixes (null sd 0,
    e.g. n and m under degree-preserving rewiring) is no test and stays out of Holm."""
    if "p" not in metrics:
        return pd.Series(np.nan, index=metrics.index)
    p = pd.to_numeric(metrics["p"], errors="coerce")
    if "null_sd" in metrics:
        sd = pd.to_numeric(metrics["null_sd"], errors="coerce")
        p = p.where(~(sd == 0))
    return p


def _holm_by_graph(metrics: pd.DataFrame) -> pd.Series:
    """Holm-adjusted p across the statistics of each graph."""
    p = _tested_p(metrics)
    out = pd.Series(np.nan, index=metrics.index)
    groups = metrics.groupby("graph", sort=False).groups if "graph" in metrics else \
        {None: metrics.index}
    for idx in groups.values():
        out.loc[idx] = st.holm(p.loc[idx].to_numpy(float))
    return out


def _null_label(folder: ResultFolder, nulls: pd.DataFrame | None) -> str:
    opts = folder.config.get("options", {}) if isinstance(folder.config, dict) else {}
    model = None
    if isinstance(opts, dict):
        model = opts.get("null_model") or opts.get("null")
    graphs = folder.config.get("graphs") if isinstance(folder.config, dict) else None
    if model is None and isinstance(graphs, list) and graphs and isinstance(graphs[0], dict):
        model = graphs[0].get("null_model")
    if model is None and nulls is not None:
        for col in ("null_model", "model"):
            if col in nulls:
                model = ",".join(map(str, pd.unique(nulls[col])))
    return f"{model} nulls" if model else "null graphs"


def analyze_page(folder: ResultFolder, out: Path, *, seed: int = 0) -> Page:
    metrics = folder.table("metrics")
    nulls = folder.table("nulls")
    motifs = folder.table("motifs")
    cmat = folder.table("class_matrix")
    page = Page(title=f"topocli analyze report: {folder.path.name}", summary="")
    graph_names: list = []
    if metrics is not None and "graph" in metrics:
        graph_names = list(pd.unique(metrics["graph"]))
    elif metrics is not None:
        metrics = metrics.assign(graph=folder.path.name)
        graph_names = [folder.path.name]

    # ---- summary sentence
    page.summary = _analyze_summary(folder, metrics, nulls)

    # ---- metrics table
    sec = Section("Statistics against null models", "metrics")
    if metrics is None:
        sec.note("No metrics.csv (or metrics.json): the statistics table is left out.")
    else:
        m = metrics.copy()
        m["p_holm"] = _holm_by_graph(m)
        if nulls is not None:
            m["percentile"] = [
                st.percentile_of(_num(r["value"]), _null_values(nulls, r.get("graph"),
                                                                 r["statistic"]))
                for _, r in m.iterrows()]
        m.to_csv(out / "metrics_with_holm.csv", index=False)
        sec.text("z = (value − null mean) / null sd; p: two-sided empirical p as written by "
                 "analyze, 2(k+1)/(N+1); p (normal): two-sided normal p from z; p (Holm) "
                 "adjusts p across the statistics of each graph; percentile = share of "
                 "null graphs below the real value (ties count half).")
        cols = {"graph": "graph", "statistic": "statistic", "value": "value",
                "null_mean": "null mean", "null_sd": "null sd", "z": "z", "p": "p",
                "p_normal": "p (normal)", "p_holm": "p (Holm)", "percentile": "percentile",
                "note": "note"}
        if len(graph_names) <= 1:
            cols.pop("graph")
        sec.table(m, columns=cols, text_columns=("graph", "statistic", "note"))
    page.sections.append(sec)

    # ---- null distributions
    sec = Section("Null distributions", "nulls")
    if nulls is None:
        sec.note("No nulls.csv: the null distributions are left out.")
    else:
        for i, g in enumerate(graph_names[:MAX_GRAPH_FIGURES] or [None]):
            sub = nulls[nulls["graph"] == g] if g is not None and "graph" in nulls else nulls
            if sub.empty:
                sub = nulls
            values = {}
            if metrics is not None:
                rows = metrics[metrics["graph"] == g] if g is not None else metrics
                values = {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}
            name = f"nulls_{i + 1}_{_slug(g)}.png"
            _figure(sec, sec, fg.null_distributions, name,
                    f"Each statistic over {len(sub)} {_null_label(folder, nulls)} "
                    f"(bars) with the real value of {g} (red line).", out, values, sub,
                    title=f"{g}: null distributions and the real value (red)")
    page.sections.append(sec)

    # ---- graph figures: degrees, adjacency
    sec = Section("Graphs", "graphs")
    graphs = _load_graphs(folder, sec)
    if graphs:
        _figure(sec, sec, fg.degree_distributions, "degrees.png",
                "Degree distributions of the analysed graph(s): histogram and "
                "complementary CDF on log–log axes.", out, graphs)
        for i, (name, g) in enumerate(list(graphs.items())[:MAX_GRAPH_FIGURES]):
            _figure(sec, sec, fg.adjacency, f"adjacency_{i + 1}_{_slug(name)}.png",
                    f"{name}: adjacency matrix (row = source, column = target) ordered by "
                    "neuron class (left) and by Leiden modularity community (right, "
                    f"undirected view, seed {seed}).", out, g, seed=seed,
                    title=f"{name}: adjacency matrix")
    elif not folder.graph_files:
        sec.note("No graphs/*.graphml.gz in this folder: degree distributions and "
                 "adjacency matrices are left out.")
    page.sections.append(sec)

    # ---- motifs
    sec = Section("Motifs", "motifs")
    if motifs is None:
        sec.note("No motifs.csv: the motif significance profile is left out.")
    else:
        _figure(sec, sec, fg.motif_profile, "motifs.png",
                "Motif significance profile: each motif's z-score against the nulls, "
                "normalised to unit length (Milo et al. 2004).", out, motifs)
        cols = {c: c for c in ("graph", "size", "motif", "description", "count",
                               "null_mean", "null_sd", "z", "p", "sp") if c in motifs}
        if len(graph_names) <= 1:
            cols.pop("graph", None)
        sec.table(motifs, columns=cols, text_columns=("graph", "motif", "description"))
    page.sections.append(sec)

    # ---- class matrix
    sec = Section("Edges between neuron classes", "classes")
    if cmat is None:
        sec.note("No class_matrix.csv: the class-to-class edge matrix is left out.")
    else:
        cgraphs = list(pd.unique(cmat["graph"])) if "graph" in cmat else [None]
        for i, g in enumerate(cgraphs[:MAX_GRAPH_FIGURES]):
            sub = cmat[cmat["graph"] == g] if g is not None else cmat
            _figure(sec, sec, fg.class_matrix, f"class_matrix_{i + 1}_{_slug(g)}.png",
                    f"{g if g is not None else 'graph'}: edges from each source class to "
                    "each target class, with the z-score against the nulls.", out, sub,
                    title=f"{g}: edges between neuron classes" if g else "")
        cols = {c: c for c in cmat.columns if not (c == "graph" and len(cgraphs) <= 1)}
        sec.table(cmat, columns=cols, text_columns=("graph", "source_class", "target_class"))
    page.sections.append(sec)

    # ---- rich club (written by analyze since its first version; optional here)
    rc = folder.table("rich_club")
    if rc is not None:
        sec = Section("Rich club", "richclub")
        _figure(sec, sec, fg.rich_club, "rich_club.png",
                "Rich-club coefficient by degree k divided by its null mean (above the "
                "dashed line: hubs connect among themselves more than in the nulls).", out, rc)
        cols = {c: c for c in rc.columns if not (c == "graph" and len(graph_names) <= 1)}
        sec.table(rc, columns=cols, text_columns=("graph",))
        page.sections.append(sec)
    page.sections.append(versions_section(folder.config))
    page.notes = list(folder.notes)
    page.meta = _meta(folder)
    return page


def _null_values(nulls: pd.DataFrame, graph, statistic: str) -> np.ndarray:
    if statistic not in nulls:
        return np.array([])
    sub = nulls[nulls["graph"] == graph] if graph is not None and "graph" in nulls else nulls
    return pd.to_numeric(sub[statistic], errors="coerce").dropna().to_numpy(float)


def _load_graphs(folder: ResultFolder, sec: Section) -> dict:
    from topocli.graphs import read_graph_file

    graphs = {}
    for name, path in list(folder.graph_files.items())[:MAX_GRAPH_FIGURES]:
        try:
            graphs[name] = read_graph_file(path)
        except Exception as exc:  # noqa: BLE001 (a corrupt graph drops its figures only)
            sec.note(f"graphs/{path.name} could not be read ({type(exc).__name__}: {exc}).")
    if len(folder.graph_files) > MAX_GRAPH_FIGURES:
        sec.note(f"Only the first {MAX_GRAPH_FIGURES} of {len(folder.graph_files)} graphs "
                 "are drawn.")
    return graphs


def _analyze_summary(folder: ResultFolder, metrics: pd.DataFrame | None,
                     nulls: pd.DataFrame | None) -> str:
    if metrics is None or metrics.empty:
        return (f"{folder.path.name}: no statistics table was found, so there is nothing "
                "to compare with the nulls; see the notes below.")
    g = metrics["graph"].iloc[0]
    rows = metrics[metrics["graph"] == g].copy()
    rows["p_holm"] = _holm_by_graph(rows)
    lookup = {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}
    size = ""
    if np.isfinite(lookup.get("n", np.nan)) and np.isfinite(lookup.get("m", np.nan)):
        size = f" ({lookup['n']:.0f} nodes, {lookup['m']:.0f} edges)"
    n_nulls = None
    if nulls is not None:
        n_nulls = len(nulls[nulls["graph"] == g]) if "graph" in nulls else len(nulls)
    against = (f"{n_nulls} " if n_nulls else "") + _null_label(folder, nulls)
    text = f"{g}{size} against {against}"
    z = pd.to_numeric(rows["z"], errors="coerce") if "z" in rows else None
    clauses = []
    if z is not None and z.notna().any():
        r = rows.loc[z.abs().idxmax()]
        clauses.append(f"the most extreme statistic is {r['statistic']}, "
                       f"z = {_num(r['z']):+.1f} (real {_num(r['value']):.3g} vs null "
                       f"{_num(r.get('null_mean')):.3g} ± {_num(r.get('null_sd')):.2g})")
        clauses.append(f"{int((z.abs() >= 3).sum())} of {int(z.notna().sum())} statistics "
                       "have |z| ≥ 3")
    tested = int(rows["p_holm"].notna().sum())
    if tested:
        # Holm rejects at p_holm <= alpha; the smallest two-sided empirical p is
        # 2/(N+1), so nothing can pass unless 2K/(N+1) <= 0.05, i.e. N >= 40K - 1.
        k = int((rows["p_holm"] <= 0.05 + 1e-12).sum())
        holm = f"{k} of {tested} differ at Holm-adjusted p ≤ 0.05"
        if n_nulls and 40 * tested > n_nulls + 1:
            holm += (f" (with {n_nulls} nulls no two-sided empirical p, at least "
                     f"2/(N+1), can pass Holm's correction across {tested} statistics: "
                     f"use --nulls {40 * tested - 1} or more)")
        clauses.append(holm)
    clauses.extend(_fidelity_clause(folder, g))
    if clauses:
        text += ": " + "; ".join(clauses)
    more = len(pd.unique(metrics["graph"])) - 1
    if more > 0:
        text += f"; {more} more graph{'s' if more > 1 else ''} below"
    return text + "."


def _fidelity_clause(folder: ResultFolder, graph) -> list[str]:
    """One line on what the nulls held (fidelity.csv), warnings first."""
    fid = folder.table("fidelity")
    if fid is None or "quantity" not in fid:
        return []
    if "graph" in fid:
        fid = fid[fid["graph"] == graph]
    held = fid["held"].astype(str).str.lower() == "true"
    promised = fid["promised"].astype(str).str.lower() == "true"
    broken = fid[promised & ~held]
    if len(broken):
        return ["NULL FIDELITY WARNING: " + ", ".join(
            f"{r['family']} nulls off on {r['quantity']}" for _, r in broken.iterrows())]
    first = fid["family"].iloc[0] if len(fid) else None
    kept = fid[(fid["family"] == first) & held]["quantity"].tolist()
    lost = fid[(fid["family"] == first) & ~held]["quantity"].tolist()
    text = f"the {first} nulls hold {', '.join(kept)} (fidelity.csv)"
    return [text + (f" but not {', '.join(lost)}" if lost else "")] if kept else []


def _meta(folder: ResultFolder) -> str:
    cfg = folder.config if isinstance(folder.config, dict) else {}
    bits = [f"{folder.kind} folder {folder.path}"]
    if cfg.get("seed") is not None:
        bits.append(f"seed {cfg['seed']}")
    versions = cfg.get("versions")
    if isinstance(versions, dict) and versions.get("topocli"):
        bits.append(f"results written by topocli {versions['topocli']}")
    bits.append(f"report by topocli {__version__}")
    return "; ".join(bits)


# =========================================================================== sweep
def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def sweep_page(folder: ResultFolder, out: Path, *, seed: int = 0,
               resamples: int = 2000, metric: str = "test_acc") -> Page:
    graphs = folder.table("graphs")
    runs = folder.table("runs")
    curves = folder.table("curves")
    page = Page(title=f"topocli sweep report: {folder.path.name}", summary="")
    if runs is not None and metric not in runs:
        folder.notes.append(f"runs.csv has no {metric} column: accuracy sections are "
                            "left out.")
        runs = None
    per_graph = st.per_graph_accuracy(runs, metric=metric) if runs is not None else None
    if per_graph is not None and per_graph.empty:
        folder.notes.append("No successful runs in runs.csv: accuracy sections are left out.")
        per_graph = None

    table = None
    edge_col: str | None = None
    statistics: list[str] = []
    if graphs is not None:
        statistics = st.statistic_columns(graphs)
    if per_graph is not None:
        if graphs is not None and "graph_id" in graphs:
            g = graphs.drop(columns=[c for c in ("family", "n_params", "macs", "acc")
                                     if c in graphs and c != "graph_id"])
            g["graph_id"] = g["graph_id"].astype(str)
            table = per_graph.assign(graph_id=per_graph["graph_id"].astype(str)).merge(
                g, on="graph_id", how="left")
        else:
            table = per_graph
        table.to_csv(out / "per_graph.csv", index=False)
        statistics += [c for c in st.statistic_columns(per_graph)
                       if c.startswith("dag_") and c not in statistics]
    edge_col = _edge_column(table if table is not None else per_graph)

    # ---- accuracy by family and real vs nulls
    fam_table = vs = None
    sec = Section("Accuracy by family", "accuracy")
    if runs is None or per_graph is None:
        sec.note("No usable runs.csv: accuracy by family is left out.")
    else:
        fam_table = st.family_accuracy(runs, metric=metric)
        cost = _family_cost(table if table is not None else per_graph, edge_col)
        fam_table = fam_table.merge(cost, on="family", how="left")
        fam_table.to_csv(out / "family_accuracy.csv", index=False)
        sec.text(f"{metric.replace('_', ' ')} over all graphs and seeds of each family: "
                 "mean ± sd, and the Student-t 95% CI of the mean; then the family's mean "
                 + (f"{_control_name(edge_col)} and " if edge_col else "")
                 + "parameter count, so that families wired with different numbers of "
                 "edges can be told apart.")
        sec.table(fam_table, columns={"family": "family", "n_graphs": "graphs",
                                      "n_runs": "runs", "mean": "mean", "sd": "sd",
                                      "ci_low": "95% CI low", "ci_high": "95% CI high",
                                      "n_failed": "failed runs",
                                      "edges": _EDGE_HEADER.get(edge_col, "edges"),
                                      "n_params": "params"},
                  highlight=("family", "real"), text_columns=("family",))
        _figure(sec, sec, fg.accuracy_by_family, "accuracy_by_family.png",
                "Accuracy by family: box over runs, one dot per graph and seed; the real "
                "connectome in red (dashed line: its mean).", out, runs, metric=metric,
                seed=seed)
        vs = st.real_vs_families(runs, metric=metric)
        vs.to_csv(out / "real_vs_families.csv", index=False)
        sec.heading("The real connectome against each null family")
        if vs.empty:
            sec.note("No graph of family 'real' in this sweep: there is no connectome to "
                     "compare with the nulls.")
        else:
            sec.text("Graph level (accuracy averaged over seeds): rank among the family's "
                     "graphs plus the real one (1 = best), percentile (share of the "
                     "family's graphs the real one beats), empirical p = P(null graph ≥ "
                     "real). Run level: Cohen's d (real − family, pooled sd) with a 95% CI.")
            sec.table(vs, columns={"family": "family", "n_graphs": "graphs",
                                   "real_acc": "real acc", "family_mean": "family mean",
                                   "rank": "rank", "of": "of", "percentile": "percentile",
                                   "p_greater": "p", "d": "Cohen's d", "d_low": "d low",
                                   "d_high": "d high"}, text_columns=("family",))
        failed = runs[runs["status"].astype(str) != "ok"] if "status" in runs else None
        if failed is not None and len(failed):
            sec.heading("Failed runs")
            sec.table(failed, columns={c: c for c in ("run_id", "graph_id", "family",
                                                      "seed", "attempts", "error")
                                       if c in failed},
                      text_columns=("run_id", "graph_id", "family", "error"))
    page.sections.append(sec)

    # ---- correlations
    corr = None
    sec = Section("Which topology explains accuracy?", "correlations")
    if table is None or not statistics:
        sec.note("Needs both graphs.csv (statistics) and runs.csv (accuracy): left out.")
    elif len(table) < 4:
        sec.note(f"Only {len(table)} graphs with results: too few for correlations "
                 "(at least 4 are needed).")
    else:
        corr = st.correlation_table(table, [s for s in statistics if s in table],
                                    controls=tuple(c for c in (edge_col, "n_params") if c),
                                    n_boot=resamples, n_perm=resamples, seed=seed)
        corr.to_csv(out / "correlations.csv", index=False)
        controls = sorted({c for u in corr["controls_used"] for c in str(u).split(",")
                           if c and c != "nan"})
        sec.text(f"Across {len(table)} graphs (accuracy = mean over seeds). ρ: Spearman, "
                 f"r: Pearson; 95% percentile bootstrap CIs ({resamples} resamples of "
                 f"graphs); p: two-sided permutation p ({resamples} permutations), Holm-"
                 "adjusted across statistics. Partial ρ controls for "
                 + (" and ".join(_control_name(c) for c in controls) or "nothing (the "
                    "controls are constant)") + ".")
        if edge_col == "m":
            sec.note("runs.csv has no dag_edges_kept column (nor graphs.csv m_dag): the "
                     "graph's edge count m stands in for the edges the network is wired "
                     "with, which is smaller when reciprocal arcs merge in the DAG.")
        show = corr.copy()
        show["rho_ci"] = [_ci(lo, hi) for lo, hi in zip(show["rho_low"], show["rho_high"])]
        show["r_ci"] = [_ci(lo, hi) for lo, hi in zip(show["r_low"], show["r_high"])]
        show["partial_ci"] = [_ci(lo, hi) for lo, hi in
                              zip(show["partial_low"], show["partial_high"])]
        sec.table(show, columns={"statistic": "statistic", "n": "graphs", "rho": "ρ",
                                 "rho_ci": "ρ 95% CI", "rho_p": "p",
                                 "rho_p_holm": "p (Holm)", "r": "r",
                                 "r_ci": "r 95% CI", "r_p_holm": "p (Holm)",
                                 "partial_rho": "partial ρ", "partial_ci": "95% CI",
                                 "partial_p_holm": "p (Holm)"},
                  text_columns=("statistic", "rho_ci", "r_ci", "partial_ci"))
        _figure(sec, sec, fg.statistic_scatter, "statistics_vs_accuracy.png",
                "Accuracy against each statistic, one dot per graph (real connectome "
                "outlined), least-squares line and Spearman ρ with its bootstrap CI.", out,
                table, corr)
        heat_cols = list(corr["statistic"][:30]) + [c for c in ("acc", "n_params", "macs")
                                                     if c in table]
        _figure(sec, sec, fg.correlation_heatmap, "correlation_heatmap.png",
                "Spearman correlations between the statistics, accuracy (acc), parameter "
                "count and MACs, across graphs.", out, table, heat_cols)
    page.sections.append(sec)

    # ---- statistics of the real graph vs nulls
    sec = Section("The real connectome's topology against the nulls", "topology")
    if graphs is None or not statistics:
        sec.note("No graphs.csv with statistics: left out.")
    else:
        svf = st.statistics_vs_families(graphs, [s for s in statistics if s in graphs])
        svf.to_csv(out / "statistics_vs_families.csv", index=False)
        if svf.empty:
            sec.note("No graph of family 'real' in graphs.csv.")
        else:
            sec.text("For each statistic: the real connectome's value, and for each null "
                     "family its z-score (real − family mean) / family sd and percentile.")
            flat = _statistics_wide(svf)
            single = [str(f) for f, n in svf.groupby("family", sort=False)["n"].max().items()
                      if n < 2]
            if single:
                sec.note(f"{', '.join(single)}: one graph per family gives no spread (no "
                         "family sd), so z is shown as – there; the percentile only says "
                         "whether the real value lies above or below that one graph. Use "
                         "--count 2 or more for z-scores.")
            sec.table(flat, text_columns=("statistic",))
    page.sections.append(sec)

    # ---- cost and curves
    sec = Section("Cost and training", "cost")
    if per_graph is not None:
        _figure(sec, sec, fg.accuracy_vs_cost, "accuracy_vs_cost.png",
                "Accuracy (mean over seeds) against parameter count and MACs per image; "
                "one dot per graph.", out, per_graph)
    if curves is None:
        sec.note("No curves.csv: training curves are left out.")
    else:
        _figure(sec, sec, fg.training_curves, "training_curves.png",
                "Validation accuracy and training loss per epoch: thin lines are runs, "
                "bold lines family means.", out, curves)
    page.sections.append(sec)
    page.sections.append(versions_section(folder.config))

    page.summary = _sweep_summary(per_graph, corr, fam_table, metric)
    page.notes = list(folder.notes)
    page.meta = _meta(folder)
    return page


#: Columns counting the edges a network is wired with, best first: the DAG's kept edges
#: from runs.csv (mean over seeds), the same count as graphs.csv writes it, then the
#: graph's own edge count m (larger than the DAG's when reciprocal arcs merge).
EDGE_COLUMNS = ("dag_edges_kept", "m_dag", "m")
_EDGE_HEADER = {"dag_edges_kept": "DAG edges", "m_dag": "DAG edges", "m": "edges (m)"}


def _edge_column(table: pd.DataFrame | None) -> str | None:
    """The edge-count column to control for: the first of :data:`EDGE_COLUMNS` known for
    every graph, else the first known for some graph, else None."""
    if table is None:
        return None
    known = {c: pd.to_numeric(table[c], errors="coerce").notna() for c in EDGE_COLUMNS
             if c in table}
    for test in (lambda v: v.all(), lambda v: v.any()):
        for col, ok in known.items():
            if len(ok) and test(ok):
                return col
    return None


def _family_cost(table: pd.DataFrame, edge_col: str | None) -> pd.DataFrame:
    """Per family, the mean over its graphs of the edge count and parameter count."""
    cols = {"edges": edge_col, "n_params": "n_params"}
    if "family" not in table:
        return pd.DataFrame(columns=["family", *cols])
    frame = pd.DataFrame({"family": table["family"]})
    for name, col in cols.items():
        frame[name] = (pd.to_numeric(table[col], errors="coerce") if col and col in table
                       else np.nan)
    return frame.groupby("family", sort=False, as_index=False)[list(cols)].mean()


def _statistics_wide(svf: pd.DataFrame) -> pd.DataFrame:
    """One row per statistic: the real value, then each family's z and percentile.

    Every family gets both columns even when all its values are NaN (z with one graph
    per family), which a pivot table would drop.
    """
    stats_order = list(pd.unique(svf["statistic"]))
    families = list(pd.unique(svf["family"]))
    long = svf.drop_duplicates(["statistic", "family"]).set_index(["statistic", "family"])
    flat = pd.DataFrame({"statistic": stats_order})
    flat["real"] = svf.groupby("statistic", sort=False)["real"].first().reindex(
        stats_order).to_numpy()
    for fam in families:
        keys = pd.MultiIndex.from_product([stats_order, [fam]])
        for col, label in (("z", "z"), ("percentile", "pct")):
            flat[f"{fam} {label}"] = pd.to_numeric(long[col].reindex(keys),
                                                   errors="coerce").to_numpy(float)
    return flat


def _control_name(col: str) -> str:
    return {"m": "edge count (m)", "n_params": "parameter count",
            "dag_edges_kept": "DAG edge count (dag_edges_kept: edges the network is wired "
                              "with, mean over seeds)",
            "m_dag": "DAG edge count (m_dag: edges the network is wired with)"}.get(col, col)


def _ci(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "–"
    return f"[{lo:.2f}, {hi:.2f}]"


def _sweep_summary(per_graph, corr, fam_table, metric: str) -> str:
    parts = []
    if per_graph is None:
        return ("This sweep has no successful runs yet, so there is no accuracy to "
                "compare; see the notes below.")
    real = per_graph[per_graph["family"] == "real"] if "family" in per_graph else None
    label = {"test_acc": "test accuracy", "val_acc": "validation accuracy"}.get(
        metric, metric.replace("_", " "))
    if real is not None and len(real):
        acc = float(real["acc"].iloc[0])
        rank, of = st.rank_among(acc, per_graph.loc[per_graph["family"] != "real", "acc"])
        n_seeds = int(real["n_seeds"].iloc[0])
        parts.append(f"The real connectome ranks {_ordinal(rank)} of {of} graphs by {label} "
                     f"({acc:.3f}, mean over {n_seeds} seed{'s' if n_seeds != 1 else ''})")
        if fam_table is not None and len(fam_table) > 1:
            others = fam_table[fam_table["family"] != "real"]
            best = others.iloc[int(np.nanargmax(others["mean"].to_numpy(float)))]
            parts[-1] += f"; the best null family is {best['family']} ({best['mean']:.3f})"
    else:
        best = per_graph.iloc[int(np.nanargmax(per_graph["acc"].to_numpy(float)))]
        parts.append(f"There is no real connectome in this sweep; the best of "
                     f"{len(per_graph)} graphs is {best['graph_id']} ({best['acc']:.3f} "
                     f"{label})")
    # the strongest statistic among those measured on (nearly) every graph: a statistic
    # defined for a few graphs only (e.g. reciprocity, NaN on undirected nulls) can reach
    # |ρ| = 1 by chance
    usable = None
    if corr is not None and len(corr):
        usable = corr[np.isfinite(corr["rho"].to_numpy(float))]
        usable = usable[usable["n"] >= 0.8 * corr["n"].max()]
    if usable is not None and len(usable):
        top = usable.iloc[0]
        ci = _ci(top["rho_low"], top["rho_high"])
        sig = (f"Holm-adjusted p = {top['rho_p_holm']:.2g}"
               if np.isfinite(top["rho_p_holm"]) else "no p-value")
        text = (f"{top['statistic']} is the statistic most correlated with accuracy, "
                f"ρ = {top['rho']:.2f}" + (f" {ci}" if ci != "–" else "") + f" ({sig}")
        if np.isfinite(top["partial_rho"]):
            text += (f"; {top['partial_rho']:.2f} controlling for "
                     + " and ".join(_control_name(c).split(" (")[0]
                                    for c in str(top["controls_used"]).split(",")))
        parts.append(text + ")")
    else:
        parts.append("too few graphs or statistics to correlate topology with accuracy")
    return "; ".join(parts) + "."
