"""The sweep report page: the tables of :mod:`topocli.reports.sweep_tables`, laid out.

Reads the folder's tables, computes everything once (:func:`~topocli.reports.sweep_tables.
sweep_tables`), writes the CSVs and ``summary.json``, draws the figures and assembles the
sections. The headline leads with the one comparison the sweep declared before its runs
(the real graph against its degree-preserving nulls unless ``--primary`` said otherwise):
difference, interval, p, and when the interval holds 0 the differences it excludes; then
whether the graph matters at all, and the budget. It ranks only where ranks are reliable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from topocli.fileio import write_json_atomic
from topocli.reports import sweep_figures as fg
from topocli.reports.figure_style import upper_first
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section
from topocli.reports.page_parts import Page, figure, meta_line, versions_section
from topocli.reports.scores import (
    ACCURACY_CEILING,
    ACCURACY_FLOOR,
    default_metric,
    score_for,
)
from topocli.reports.sweep_checks import SIZE_TOLERANCE, size_text
from topocli.reports.sweep_control import control_section
from topocli.reports.sweep_headline import (
    budget,
    ci_text,
    control_name,
    declared_primary,
    headline,
    learning_text,
    p_text,
    sweep_summary,
)
from topocli.reports.sweep_tables import SweepTables, sweep_tables

__all__ = ["sweep_page"]

#: Family pairs shown on the page (a grid of many points makes hundreds of pairs).
MAX_COMPARISONS = 20
_EDGE_HEADER = {"dag_edges_kept": "DAG edges", "m_dag": "DAG edges", "m": "edges (m)"}
#: Size columns of the real-vs-family tables, shown when some family is another size.
_SIZE_COLS = {"params_ratio": "params x", "macs_ratio": "MACs x"}


#: Sweep tasks whose runs use every edge of the graph (reservoirs, controllers), not a
#: DAG of it: their edge count is ``m``. (Sweeps written before ``RunKind.wires_dag``
#: recorded the ``--dag`` DAG's ``m_dag`` for them too; it is not what they were wired
#: with.)
EVERY_EDGE_TASKS = ("topocli.sweep.reservoir_task.", "topocli.sweep.control_task.")


def sweep_page(folder: ResultFolder, out: Path, *, seed: int = 0, resamples: int = 2000,
               metric: str | None = None, higher_is_better: bool | None = None) -> Page:
    graphs = folder.table("graphs")
    task = str((folder.config.get("identity") or {}).get("task") or "")
    every_edge = task.startswith(EVERY_EDGE_TASKS)
    if graphs is not None and every_edge:
        graphs = graphs.drop(columns=["m_dag"], errors="ignore")
    runs = folder.table("runs")
    curves = folder.table("curves")
    metric = metric or default_metric(runs)
    score = score_for(metric, runs, higher_is_better=higher_is_better) \
        if runs is not None else score_for(metric, higher_is_better=higher_is_better)
    primary, declared = declared_primary(folder.config)
    tables = sweep_tables(graphs, runs, metric=score, primary=primary,
                          primary_declared=declared, resamples=resamples, seed=seed,
                          curves=curves)
    folder.notes.extend(tables.notes)
    if not declared and tables.primary_row() is not None:
        folder.notes.append(f"This sweep declared no primary comparison in config.json (it "
                            f"predates --primary): the default, the real graph against "
                            f"'{primary}', is read as primary.")
    for name, frame in tables.csvs().items():
        frame.to_csv(out / f"{name}.csv", index=False)
    plan = budget(folder.config)
    write_json_atomic(out / "summary.json", sweep_summary(tables, plan))
    page = Page(title=f"topocli sweep report: {folder.path.name}", summary="")
    page.sections += [_power_section(tables), _accuracy_section(tables, runs, out, seed),
                      _references_section(tables), _landscape_section(tables, out),
                      _correlation_section(tables, out, resamples, every_edge),
                      _topology_section(tables, graphs), control_section(runs, curves, out),
                      _training_section(tables, curves, out),
                      versions_section(folder.config)]
    page.sections = [s for s in page.sections if s is not None]
    page.summary = headline(tables, plan)
    page.notes = list(folder.notes)
    page.meta = meta_line(folder)
    return page


# ----------------------------------------------------------------------- sections
def _power_section(t: SweepTables) -> Section | None:
    if t.power is None:
        return None
    p = t.power
    sec = Section("What this sweep can and cannot tell", "power")
    sec.text(_power_text(t))
    if p.at_ceiling:
        sec.note(f"Ceiling: {p.share_at_ceiling:.0%} of the graphs reach {t.score.label} ≥ "
                 f"{ACCURACY_CEILING:.2f}; graphs then differ by a handful of test images and "
                 "a ranking says little. Use a harder task or a smaller budget (fewer "
                 "epochs, --max-train) so that accuracy is not saturated.")
    if p.at_floor:
        sec.note(f"Floor: most graphs stay below {t.score.label} {ACCURACY_FLOOR:.1f}, near "
                 "chance for 10 classes: the networks have barely learned, and differences "
                 "between graphs are noise. Train longer (more epochs or images).")
    e = t.epochs
    if e is not None:
        sec.text(f"Early stopping (--patience): {e['stopped_early']} of {e['runs']} runs "
                 f"stopped at their plateau and {e['hit_cap']} hit the epoch cap; epochs run "
                 f"{e['epochs_min']}-{e['epochs_max']} (median {e['epochs_median']:g}); each "
                 "run's test score is that of its best validation epoch.")
        if e["hit_cap"] > 0.5 * e["runs"]:
            sec.note("Most runs hit the epoch cap: they had not converged, so seed noise "
                     "is larger than a converged protocol's. Raise --epochs.")
    learning = learning_text(t)
    if learning:
        sec.note(learning)
    sec.table(pd.DataFrame([
        ("metric", f"{t.score.label} ({t.score.direction}, range {t.score.range_text()})"),
        ("seeds per graph", p.seeds), ("graphs with results", p.graphs),
        ("seed noise of one run (sd, graph × seed residual)", p.noise_sd),
        ("its degrees of freedom", p.noise_dof),
        ("seed noise of a graph mean (sd / √K)", p.noise_sd_of_mean),
        ("spread of graph means within null families (sd, pooled)", p.within_sd),
        ("its degrees of freedom", p.within_dof),
        ("graph-to-graph spread without seed noise (τ)", p.graph_sd),
        ("graph effect F", p.f),
        ("graph effect p", p.f_p),
        ("reliability of a graph mean (1 − 1/F)", p.reliability),
        ("smallest difference the primary comparison detects (5%, 80% power)",
         p.mdd_primary),
        ("smallest detectable correlation |ρ| across graphs", p.min_rho),
        (f"mean {t.score.label}", p.mean)], columns=["quantity", "value"]),
        digits=4, text_columns=("quantity", "value"))
    return sec


def _power_text(t: SweepTables) -> str:
    p = t.power
    parts = [f"Each graph was trained with the same {p.seeds} seed"
             f"{'s' if p.seeds != 1 else ''}, so seed effects cancel in every "
             "comparison (seed is a block). Every interval counts the three noise sources "
             "the design has: the real graph's own seed noise, the spread between the null "
             "graphs, and their seed noise (variance σ²/K + V/n, Welch-Satterthwaite "
             "degrees of freedom; family intervals on the pooled within-family variance)."]
    if np.isfinite(p.f):
        verdict = ("graphs differ by more than seed noise" if p.f_p < 0.05 else
                   "the graphs do not differ detectably from one another: their means "
                   "spread by what seed noise alone gives")
        parts.append(f"Does the graph matter at all? Graph effect F({p.f_dof_graphs}, "
                     f"{p.f_dof_residual}) = {p.f:.2f}, p = {p_text(p.f_p)} "
                     f"({verdict}); a graph mean is {p.reliability:.0%} reliable at "
                     f"{p.seeds} seeds.")
    if np.isfinite(p.mdd_primary):
        parts.append(f"The primary comparison detects a true difference of "
                     f"{p.mdd_primary:.4f} with 80% power; smaller ones are likely to "
                     "pass unseen.")
    if np.isfinite(p.min_rho):
        parts.append(f"With {p.graphs} graphs only correlations with |ρ| above about "
                     f"{p.min_rho:.2f} are detectable.")
    return " ".join(parts)


def _accuracy_section(t: SweepTables, runs, out: Path, seed: int) -> Section:
    label = t.score.label
    sec = Section(f"{upper_first(label)} by family", "accuracy")
    if t.families is None:
        sec.note("No usable runs.csv: the score by family is left out.")
        return sec
    several = t.families["reference"].nunique() > 1
    sec.text(f"{label} ({t.score.direction}) at the graph level: each graph's mean over its "
             "seeds after removing the seed effects (every graph shares the seeds); mean and "
             "sd over the family's graphs, and a 95% t interval for the family's mean "
             "(pooled within-family variance; the real graph's: its own seed noise); then "
             "the family's mean "
             + (f"{control_name(t.edge_col)} and " if t.edge_col else "")
             + "parameter count. Families are listed best first.")
    cols = {"reference": "real graph", "family": "family", "n_graphs": "graphs",
            "n_runs": "runs", "mean": "mean", "sd_graphs": "sd (graphs)",
            "ci_low": "95% CI low", "ci_high": "95% CI high",
            "edges": _EDGE_HEADER.get(t.edge_col or "", "edges"), "n_params": "params"}
    if not several:
        cols.pop("reference")
    sec.table(t.families, columns=cols, highlight=("family", "real"),
              text_columns=("family", "reference"))
    figure(sec, fg.accuracy_by_family, "accuracy_by_family.png",
           f"{upper_first(label)} by family, best first: box over runs, one dot per graph "
           "and seed; the real connectome in red (dashed line: its mean).", out, runs,
           metric=t.metric, seed=seed, label=label, higher_is_better=t.score.higher_is_better)
    vs = t.real_vs_nulls
    sec.heading("Each real connectome against its own nulls")
    if vs is None or vs.empty:
        sec.note("No graph of family 'real' in this sweep: there is no connectome to "
                 "compare with the nulls.")
    else:
        _real_tables(sec, t, vs, several)
    comp = t.comparisons
    if comp is not None and len(comp):
        sec.heading("Null families against each other")
        sec.text("Difference of the families' means (A − B), 95% t interval on the pooled "
                 "within-family variance, two-sided p, and p Holm-adjusted over all the "
                 "pairs shown and not shown.")
        if len(comp) > MAX_COMPARISONS:
            sec.note(f"{len(comp)} pairs: the {MAX_COMPARISONS} with the smallest p are "
                     "shown; every pair is in family_comparisons.csv.")
            comp = comp.sort_values("p", kind="stable").head(MAX_COMPARISONS)
        cols = {"reference": "real graph", "family_a": "family A", "family_b": "family B",
                "n_a": "graphs A", "n_b": "graphs B", "diff": "A − B",
                "ci_low": "95% CI low", "ci_high": "95% CI high", "p": "p",
                "p_holm": "p (Holm)"}
        if not several:
            cols.pop("reference")
        sec.table(comp, columns=cols, digits=4,
                  text_columns=("family_a", "family_b", "reference"))
    if t.failed is not None:
        sec.heading("Failed runs")
        sec.table(t.failed, columns={c: c for c in ("run_id", "graph_id", "family", "seed",
                                                    "attempts", "error") if c in t.failed},
                  text_columns=("run_id", "graph_id", "family", "error"))
    return sec


def _real_tables(sec: Section, t: SweepTables, vs: pd.DataFrame, several: bool) -> None:
    """The primary comparison on its own, then the secondary ones, corrected."""
    primary = vs[vs["role"] == "primary"]
    secondary = vs[vs["role"] == "secondary"]
    size_cols = _SIZE_COLS if vs["other_size"].astype(bool).any() else {}
    base = {"reference": "real graph", "family": "family", "n_graphs": "null graphs",
            "n_seeds": "seeds", "real": "real", "family_mean": "family mean",
            "diff": "real − family"}
    if len(primary):
        when = ("declared in config.json before the runs" if t.primary_declared else
                "the default: this sweep predates --primary")
        sec.text(f"Primary comparison ({when}): the real graph against '{t.primary}'. "
                 "real − family is the difference of means in the metric's units; its "
                 "95% interval and p count the real graph's seed noise and the null graphs' "
                 "spread and seed noise; differences beyond ± the equivalence bound are "
                 "excluded by two one-sided tests at 5%; the rank is among the family's "
                 "graphs plus the real one "
                 f"(1 = best, {t.score.direction}) with its 95% interval from redrawing "
                 "every graph mean within its seed noise.")
        cols = {**base, "ci_low": "95% CI low", "ci_high": "95% CI high", "p": "p",
                "equivalence_bound": "excluded beyond ±", "z": "z", "rank": "rank",
                "rank_low": "rank low", "rank_high": "rank high", "of": "of", **size_cols}
        if not several:
            cols.pop("reference")
        sec.table(primary, columns=cols, digits=4, text_columns=("family", "reference"))
        for _, row in primary.iterrows():
            if size_text(row):
                sec.note(size_text(row))
    if len(secondary):
        k = secondary.groupby("reference").size().max()
        sec.text(f"Secondary comparisons ({k} families): intervals are simultaneous "
                 f"(Bonferroni, each at {100 * (1 - 0.05 / k):.2f}%) and p is Holm-adjusted "
                 "over them, because the most striking of several families is the one a "
                 "reader's eye picks. z (difference / sd of the family's graph means) needs "
                 "5 or more graphs.")
        cols = {**base, "ci_low_adj": "simultaneous CI low",
                "ci_high_adj": "simultaneous CI high", "p": "p", "p_holm": "p (Holm)",
                "z": "z", "rank": "rank", "rank_low": "rank low", "rank_high": "rank high",
                "of": "of", **size_cols}
        if not several:
            cols.pop("reference")
        sec.table(secondary, columns=cols, digits=4, text_columns=("family", "reference"))
        other = secondary[secondary["other_size"].astype(bool)]
        if len(other):
            names = ", ".join(f"'{f}'" for f in pd.unique(other["family"]))
            sec.note(f"Networks of another size than their real graph: {names} (params x, "
                     "MACs x: the family's mean over the real graph's, off 1 by more than "
                     f"{SIZE_TOLERANCE:.0%}); those differences compare sizes as well as "
                     "wirings.")


def _references_section(t: SweepTables) -> Section | None:
    """Several real graphs: one row each, its standing against each of its null families."""
    vs = t.real_vs_nulls
    if vs is None or vs.empty or vs["reference"].nunique() < 2:
        return None
    sec = Section("The real graphs side by side", "references")
    sec.text("Each real graph against its own matched nulls: rank among the family's graphs "
             "plus itself, and the paired difference (real − family mean) with its 95% CI.")
    wide = pd.DataFrame({"real graph": pd.unique(vs["reference"])})
    first = vs.drop_duplicates("reference").set_index("reference")
    wide["accuracy"] = wide["real graph"].map(first["real"])
    for fam in pd.unique(vs["family"]):
        sub = vs[vs["family"] == fam].set_index("reference")
        wide[f"{fam} rank"] = wide["real graph"].map(
            lambda r, s=sub: f"{s.loc[r, 'rank']}/{s.loc[r, 'of']}" if r in s.index else "–")
        wide[f"{fam} diff"] = wide["real graph"].map(
            lambda r, s=sub: _diff_text(s.loc[r]) if r in s.index else "–")
    sec.table(wide, digits=4, text_columns=tuple(c for c in wide if c != "accuracy"))
    return sec


def _landscape_section(t: SweepTables, out: Path) -> Section | None:
    if t.per_graph is None or t.plane is None:
        return None
    c_col, l_col = t.plane
    label = t.score.label
    sec = Section(f"{upper_first(label)} over the clustering × path-length plane", "landscape")
    noise = t.power.noise_sd_of_mean if t.power is not None else None
    figure(sec, fg.accuracy_landscape, "landscape.png",
           f"{upper_first(label)} (graph mean over seeds) over {c_col} × {l_col}, as You et "
           "al. (2020): cells are the mean of the graphs inside them, dots the graphs, stars "
           "the real connectomes; the cross is the sweet-spot estimate with its 95% "
           "bootstrap interval. The colour range spans at least ± 2 seed-noise sd of a "
           "graph mean, so that cells differing by noise alone look alike.", out,
           t.per_graph, c_col, l_col, t.sweet_spot, label=label, noise=noise)
    spot = t.sweet_spot or {}
    best = "maximum" if t.score.higher_is_better else "minimum"
    if len(spot) <= 1:
        sec.note(f"Too few null graphs spread over the plane ({spot.get('n', 0)}; at least "
                 "10 with 3 distinct values on each axis) for a sweet-spot estimate.")
        return sec
    where = (f"{c_col} {spot['x']:.3f} [{spot['x_low']:.3f}, {spot['x_high']:.3f}], "
             f"{l_col} {spot['y']:.3f} [{spot['y_low']:.3f}, {spot['y_high']:.3f}]")
    fit = (f"R² {spot['r2']:.2f}, adjusted {spot['r2_adj']:.3f}, F-test of the surface "
           f"p = {p_text(spot['p_surface'])}, {spot['n']} null graphs")
    if not (spot.get("p_surface", 1.0) < 0.05 and spot.get("r2_adj", 0.0) > 0):
        sec.text(f"The quadratic surface explains nothing ({fit}): {label} shows neither a "
                 "sweet spot nor a direction over this plane at this budget.")
    elif spot["interior"] and spot["share_on_edge"] < 0.5:
        sec.text(f"Sweet spot ({best} of a quadratic surface; {fit}; 95% bootstrap "
                 f"intervals over graphs): {where}.")
    else:
        sec.text(f"No sweet spot inside the sampled region: the fitted surface ({fit}) has "
                 f"its {best} on the edge ({where}; {spot['share_on_edge']:.0%} of bootstrap "
                 "fits on the edge), so the data show a direction, not a spot.")
    return sec


def _correlation_section(t: SweepTables, out: Path, resamples: int,
                         every_edge: bool = False) -> Section:
    sec = Section("Which topology explains accuracy?", "correlations")
    table, corr = t.per_graph, t.correlations
    if table is None or not t.statistics:
        sec.note("Needs both graphs.csv (statistics) and runs.csv (accuracy): left out.")
        return sec
    if corr is None:
        sec.note(f"Only {len(table)} graphs with results: too few for correlations "
                 "(at least 4 are needed).")
        return sec
    controls = sorted({c for u in corr["controls_used"] for c in str(u).split(",")
                       if c and c != "nan"})
    lower = ("" if t.score.higher_is_better else
             f"; {t.score.direction}, so a negative ρ means better with more of the "
             "statistic")
    sec.text(f"Across {len(table)} graphs ({t.score.label} = mean over seeds, seed effects "
             f"removed{lower}). ρ: Spearman, r: Pearson; 95% percentile bootstrap CIs "
             f"({resamples} resamples of graphs); p: two-sided permutation p ({resamples} "
             "permutations), Holm-adjusted across statistics. Partial ρ controls for "
             + (" and ".join(control_name(c) for c in controls) or "nothing (the controls "
                "are constant)") + "."
             + (f" Generator parameters ({', '.join(t.parameters)}) are design columns, "
                "not topology, and are left out." if t.parameters else ""))
    if t.edge_col == "m" and not every_edge:   # a reservoir or controller uses all m
        sec.note("runs.csv has no dag_edges_kept column (nor graphs.csv m_dag): the graph's "
                 "edge count m stands in for the edges the network is wired with, which is "
                 "smaller when reciprocal arcs merge in the DAG.")
    show = corr.copy()
    show["rho_ci"] = [ci_text(lo, hi) for lo, hi in zip(show["rho_low"], show["rho_high"])]
    show["r_ci"] = [ci_text(lo, hi) for lo, hi in zip(show["r_low"], show["r_high"])]
    show["partial_ci"] = [ci_text(lo, hi) for lo, hi in zip(show["partial_low"],
                                                         show["partial_high"])]
    sec.table(show, columns={"statistic": "statistic", "n": "graphs", "rho": "ρ",
                             "rho_ci": "ρ 95% CI", "rho_p": "p", "rho_p_holm": "p (Holm)",
                             "r": "r", "r_ci": "r 95% CI", "r_p_holm": "p (Holm)",
                             "partial_rho": "partial ρ", "partial_ci": "95% CI",
                             "partial_p_holm": "p (Holm)"},
              text_columns=("statistic", "rho_ci", "r_ci", "partial_ci"))
    figure(sec, fg.accuracy_bands, "accuracy_vs_top_statistics.png",
           f"{upper_first(t.score.label)} against the statistics most correlated with it: "
           "one dot per graph (real connectomes as stars), least-squares line and its 95% "
           "band from resampling graphs.", out, t.per_graph, t.correlations, seed=0,
           label=t.score.label)
    sec.heading("Multivariable view")
    reg, info = t.regression, t.regression_info or {}
    if reg is None or reg.empty:
        sec.note(f"Too few graphs ({info.get('n', len(table))}) for a multivariable fit "
                 "beyond the controls (one term per 5 graphs).")
    else:
        sec.text(f"Standardised least squares of accuracy on the strongest statistics that "
                 f"are not collinear (|r| ≤ 0.8 with a term already in) plus the controls, "
                 f"over {info['n']} graphs: β is the change in accuracy (in sd) per sd of the "
                 f"statistic with the others held fixed; 95% CIs resample graphs. "
                 f"R² {info['r2']:.2f} (adjusted {info['r2_adj']:.2f}).")
        sec.table(reg, columns={"term": "term", "beta": "β", "ci_low": "95% CI low",
                                "ci_high": "95% CI high", "is_control": "control"},
                  text_columns=("term",))
    figure(sec, fg.statistic_scatter, "statistics_vs_accuracy.png",
           f"{upper_first(t.score.label)} against each statistic, one dot per graph (real "
           "connectome as a star), least-squares line and Spearman ρ with its bootstrap CI.",
           out, table, corr, label=t.score.label)
    heat_cols = list(corr["statistic"][:30]) + [c for c in ("acc", "n_params", "macs")
                                                 if c in table]
    figure(sec, fg.correlation_heatmap, "correlation_heatmap.png",
           f"Spearman correlations between the statistics, {t.score.label} (acc), parameter "
           "count and MACs, across graphs.", out, table, heat_cols)
    return sec


def _topology_section(t: SweepTables, graphs) -> Section:
    sec = Section("The real connectome's topology against the nulls", "topology")
    svf = t.topology
    if graphs is None or svf is None or not t.statistics:
        sec.note("No graphs.csv with statistics: left out.")
        return sec
    if svf.empty:
        sec.note("No graph of family 'real' in graphs.csv.")
        return sec
    sec.text("For each statistic: the real connectome's value, and for each null family its "
             "z-score (real − family mean) / family sd and percentile.")
    single = [str(f) for f, n in svf.groupby("family", sort=False)["n"].max().items() if n < 2]
    if single:
        sec.note(f"{', '.join(single)}: one graph per family gives no spread (no family sd), "
                 "so z is shown as – there; the percentile only says whether the real value "
                 "lies above or below that one graph. Use --count 2 or more for z-scores.")
    for ref in pd.unique(svf["reference"]):
        if ref:
            sec.heading(str(ref))
        sec.table(_statistics_wide(svf[svf["reference"] == ref]), text_columns=("statistic",))
    return sec


def _training_section(t: SweepTables, curves, out: Path) -> Section:
    sec = Section("Cost and training", "cost")
    if t.per_graph is not None:
        figure(sec, fg.accuracy_vs_cost, "accuracy_vs_cost.png",
               f"{upper_first(t.score.label)} (mean over seeds) against each cost that varies "
               "(parameter count, MACs per image and, with --measure-cost, sparse MACs, "
               "latency and ONNX file sizes); one dot per graph; dashed: the Pareto front "
               f"of lower cost and {'higher' if t.score.higher_is_better else 'lower'} "
               "score.", out, t.per_graph, label=t.score.label,
               higher_is_better=t.score.higher_is_better)
    if curves is None:
        sec.note("No curves.csv: training curves are left out.")
    else:
        figure(sec, fg.training_curves, "training_curves.png",
               "Validation accuracy and training loss per epoch: thin lines are runs, bold "
               "lines family means.", out, curves)
        figure(sec, fg.family_curve_bands, "training_curves_bands.png",
               "Validation accuracy per epoch as in Elegans-AI (Bardozzo et al.): each null "
               "family's mean over its graphs (each graph averaged over seeds) with a band "
               "of ± one sd between graphs, and each real connectome as its own line.",
               out, curves)
    return sec


# ----------------------------------------------------------------------- text
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


def _diff_text(row: pd.Series) -> str:
    return f"{row['diff']:+.4f} {ci_text(row['ci_low'], row['ci_high'], 4)}"
