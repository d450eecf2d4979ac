"""The sweep report page: the tables of :mod:`topocli.reports.sweep_tables`, laid out.

Reads the folder's tables, computes everything once (:func:`~topocli.reports.sweep_tables.
sweep_tables`), writes the CSVs, draws the figures and assembles the sections. The
headline says what the sweep can tell (paired by seed, against its power) and what it
cannot (ceiling, too few graphs or seeds).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from topocli.reports import figures as fg
from topocli.reports import sweep_stats as ss
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section
from topocli.reports.page_parts import Page, figure, meta_line, versions_section
from topocli.reports.sweep_stats import CEILING, FLOOR
from topocli.reports.sweep_tables import SweepTables, sweep_tables

__all__ = ["sweep_page"]

#: Family pairs shown on the page (a grid of many points makes hundreds of pairs).
MAX_COMPARISONS = 20
_EDGE_HEADER = {"dag_edges_kept": "DAG edges", "m_dag": "DAG edges", "m": "edges (m)"}


def sweep_page(folder: ResultFolder, out: Path, *, seed: int = 0, resamples: int = 2000,
               metric: str = "test_acc") -> Page:
    graphs = folder.table("graphs")
    runs = folder.table("runs")
    curves = folder.table("curves")
    tables = sweep_tables(graphs, runs, metric=metric, resamples=resamples, seed=seed)
    folder.notes.extend(tables.notes)
    for name, frame in tables.csvs().items():
        frame.to_csv(out / f"{name}.csv", index=False)
    page = Page(title=f"topocli sweep report: {folder.path.name}", summary="")
    page.sections += [_power_section(tables), _accuracy_section(tables, runs, out, seed),
                      _references_section(tables), _landscape_section(tables, out),
                      _correlation_section(tables, out, resamples),
                      _topology_section(tables, graphs), _training_section(tables, curves, out),
                      versions_section(folder.config)]
    page.sections = [s for s in page.sections if s is not None]
    page.summary = _summary(tables)
    page.notes = list(folder.notes)
    page.meta = meta_line(folder)
    return page


# ----------------------------------------------------------------------- sections
def _power_section(t: SweepTables) -> Section | None:
    if t.power is None:
        return None
    p = t.power
    sec = Section("What this sweep can and cannot tell", "power")
    sec.text(_power_text(p))
    if p["at_ceiling"]:
        sec.note(f"Ceiling: {p['share_at_ceiling']:.0%} of the graphs reach accuracy ≥ "
                 f"{CEILING:.2f}; graphs then differ by a handful of test images and a "
                 "ranking says little. Use a harder task or a smaller budget (fewer "
                 "epochs, --max-train) so that accuracy is not saturated.")
    if p.get("at_floor"):
        sec.note(f"Floor: most graphs stay below accuracy {FLOOR:.1f}, near chance for 10 "
                 "classes: the networks have barely learned, and differences between graphs "
                 "are noise. Train longer (more epochs or images).")
    sec.table(pd.DataFrame([
        ("seeds per graph", p["seeds"]), ("graphs with results", p["graphs"]),
        ("seed noise of one run (sd)", p["noise_sd"]),
        ("seed noise of a graph mean (sd / √K)", p["noise_sd_of_mean"]),
        ("spread of graph means within families (sd)", p["graph_sd"]),
        ("spread / seed noise", p["spread_ratio"]),
        ("smallest detectable family difference (5%, 80% power)", p["mdd_family"]),
        ("smallest detectable real-vs-family difference", p["mdd_real"]),
        ("smallest possible empirical p of a real graph", p["min_p_real"]),
        ("smallest detectable correlation |ρ| across graphs", p["min_rho"]),
        ("mean accuracy", p["mean_acc"])], columns=["quantity", "value"]),
        digits=4, text_columns=("quantity",))
    return sec


def _power_text(p: dict) -> str:
    parts = [f"Each graph was trained with the same {p['seeds']} seed"
             f"{'s' if p['seeds'] != 1 else ''}, so seed effects cancel in every "
             "comparison (seed is a block)."]
    if np.isfinite(p["spread_ratio"]):
        verdict = ("graphs differ by more than seed noise" if p["spread_ratio"] > 1.5 else
                   "the spread of graph means is about what seed noise alone gives: "
                   "topology moves accuracy less than a seed does")
        parts.append(f"Graph means spread by sd {p['graph_sd']:.4f} within families "
                     f"against {p['noise_sd_of_mean']:.4f} from seed noise alone ({verdict}).")
    if np.isfinite(p["mdd_family"]):
        parts.append(f"Family differences below about {p['mdd_family']:.4f} and a real "
                     f"graph closer than {p['mdd_real']:.4f} to a family mean are not "
                     "detectable with these graphs and seeds.")
    if np.isfinite(p["min_rho"]):
        parts.append(f"With {p['graphs']} graphs only correlations with |ρ| above about "
                     f"{p['min_rho']:.2f} are detectable.")
    return " ".join(parts)


def _accuracy_section(t: SweepTables, runs, out: Path, seed: int) -> Section:
    sec = Section("Accuracy by family", "accuracy")
    if t.families is None:
        sec.note("No usable runs.csv: accuracy by family is left out.")
        return sec
    several = t.families["reference"].nunique() > 1
    sec.text(f"{t.metric.replace('_', ' ')} at the graph level: each graph's mean over its "
             "seeds after removing the seed effects (every graph shares the seeds); mean and "
             "sd over the family's graphs, and a 95% bootstrap CI resampling graphs (not "
             "runs); then the family's mean "
             + (f"{_control_name(t.edge_col)} and " if t.edge_col else "")
             + "parameter count.")
    cols = {"reference": "real graph", "family": "family", "n_graphs": "graphs",
            "n_runs": "runs", "mean": "mean", "sd_graphs": "sd (graphs)",
            "ci_low": "95% CI low", "ci_high": "95% CI high",
            "edges": _EDGE_HEADER.get(t.edge_col or "", "edges"), "n_params": "params"}
    if not several:
        cols.pop("reference")
    sec.table(t.families, columns=cols, highlight=("family", "real"),
              text_columns=("family", "reference"))
    figure(sec, fg.accuracy_by_family, "accuracy_by_family.png",
           "Accuracy by family: box over runs, one dot per graph and seed; the real "
           "connectome in red (dashed line: its mean).", out, runs, metric=t.metric,
           seed=seed)
    sec.heading("Each real connectome against its own nulls, paired by seed")
    vs = t.real_vs_nulls
    if vs is None or vs.empty:
        sec.note("No graph of family 'real' in this sweep: there is no connectome to "
                 "compare with the nulls.")
    else:
        sec.text("diff = mean over seeds of (real − the family's mean in that seed), CI by "
                 "resampling the family's graphs; sign-flip p over seeds (does the real "
                 "graph beat the family in every seed?); rank of the real graph among the "
                 "family's graph means plus itself (1 = best), empirical p = P(null graph ≥ "
                 "real), z = diff / sd of the family's graph means.")
        cols = {"reference": "real graph", "family": "family", "n_graphs": "graphs",
                "n_seeds": "seeds", "real_acc": "real acc", "family_mean": "family mean",
                "diff": "diff", "ci_low": "95% CI low", "ci_high": "95% CI high",
                "p_sign": "sign-flip p", "z": "z", "rank": "rank", "of": "of",
                "p_greater": "p"}
        if not several:
            cols.pop("reference")
        sec.table(vs, columns=cols, digits=4, text_columns=("family", "reference"))
    comp = t.comparisons
    if comp is not None and len(comp):
        sec.heading("Null families against each other")
        sec.text("Difference of graph-level means, 95% CI resampling each family's graphs, "
                 "two-sided p from relabelling whole graphs between the two families (the "
                 "same relabelling in every seed block).")
        if len(comp) > MAX_COMPARISONS:
            sec.note(f"{len(comp)} pairs: the {MAX_COMPARISONS} with the smallest p are "
                     "shown; every pair is in family_comparisons.csv. These p-values are "
                     "not corrected for the number of pairs.")
            comp = comp.sort_values("p", kind="stable").head(MAX_COMPARISONS)
        cols = {"reference": "real graph", "family_a": "family A", "family_b": "family B",
                "n_a": "graphs A", "n_b": "graphs B", "diff": "A − B",
                "ci_low": "95% CI low", "ci_high": "95% CI high", "p": "p"}
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
    wide["accuracy"] = wide["real graph"].map(first["real_acc"])
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
    sec = Section("Accuracy over the clustering × path-length plane", "landscape")
    figure(sec, fg.accuracy_landscape, "landscape.png",
           f"Accuracy (graph mean over seeds) over {c_col} × {l_col}, as You et al. (2020): "
           "cells are the mean of the graphs inside them, dots the graphs, stars the real "
           "connectomes; the cross is the sweet-spot estimate with its 95% bootstrap "
           "interval.", out, t.per_graph, c_col, l_col, t.sweet_spot)
    spot = t.sweet_spot or {}
    if len(spot) <= 1:
        sec.note(f"Too few null graphs spread over the plane ({spot.get('n', 0)}; at least "
                 "10 with 3 distinct values on each axis) for a sweet-spot estimate.")
    else:
        where = (f"{c_col} {spot['x']:.3f} [{spot['x_low']:.3f}, {spot['x_high']:.3f}], "
                 f"{l_col} {spot['y']:.3f} [{spot['y_low']:.3f}, {spot['y_high']:.3f}]")
        if spot["interior"] and spot["share_on_edge"] < 0.5:
            sec.text(f"Sweet spot (maximum of a quadratic surface fitted to {spot['n']} null "
                     f"graphs, R² {spot['r2']:.2f}; 95% bootstrap intervals over graphs): "
                     f"{where}.")
        else:
            sec.text(f"No sweet spot inside the sampled region: the fitted surface "
                     f"(R² {spot['r2']:.2f}, {spot['n']} null graphs) peaks on its edge "
                     f"({where}; {spot['share_on_edge']:.0%} of bootstrap fits on the edge), "
                     "so the data show a direction, not a spot.")
    return sec


def _correlation_section(t: SweepTables, out: Path, resamples: int) -> Section:
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
    sec.text(f"Across {len(table)} graphs (accuracy = mean over seeds, seed effects removed). "
             f"ρ: Spearman, r: Pearson; 95% percentile bootstrap CIs ({resamples} resamples "
             f"of graphs); p: two-sided permutation p ({resamples} permutations), Holm-"
             "adjusted across statistics. Partial ρ controls for "
             + (" and ".join(_control_name(c) for c in controls) or "nothing (the controls "
                "are constant)") + "."
             + (f" Generator parameters ({', '.join(t.parameters)}) are design columns, "
                "not topology, and are left out." if t.parameters else ""))
    if t.edge_col == "m":
        sec.note("runs.csv has no dag_edges_kept column (nor graphs.csv m_dag): the graph's "
                 "edge count m stands in for the edges the network is wired with, which is "
                 "smaller when reciprocal arcs merge in the DAG.")
    show = corr.copy()
    show["rho_ci"] = [_ci(lo, hi) for lo, hi in zip(show["rho_low"], show["rho_high"])]
    show["r_ci"] = [_ci(lo, hi) for lo, hi in zip(show["r_low"], show["r_high"])]
    show["partial_ci"] = [_ci(lo, hi) for lo, hi in zip(show["partial_low"],
                                                         show["partial_high"])]
    sec.table(show, columns={"statistic": "statistic", "n": "graphs", "rho": "ρ",
                             "rho_ci": "ρ 95% CI", "rho_p": "p", "rho_p_holm": "p (Holm)",
                             "r": "r", "r_ci": "r 95% CI", "r_p_holm": "p (Holm)",
                             "partial_rho": "partial ρ", "partial_ci": "95% CI",
                             "partial_p_holm": "p (Holm)"},
              text_columns=("statistic", "rho_ci", "r_ci", "partial_ci"))
    figure(sec, fg.accuracy_bands, "accuracy_vs_top_statistics.png",
           "Accuracy against the statistics most correlated with it: one dot per graph "
           "(real connectomes as stars), least-squares line and its 95% band from "
           "resampling graphs.", out, t.per_graph, t.correlations, seed=0)
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
           "Accuracy against each statistic, one dot per graph (real connectome outlined), "
           "least-squares line and Spearman ρ with its bootstrap CI.", out, table, corr)
    heat_cols = list(corr["statistic"][:30]) + [c for c in ("acc", "n_params", "macs")
                                                 if c in table]
    figure(sec, fg.correlation_heatmap, "correlation_heatmap.png",
           "Spearman correlations between the statistics, accuracy (acc), parameter count "
           "and MACs, across graphs.", out, table, heat_cols)
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
               "Accuracy (mean over seeds) against parameter count and MACs per image; one "
               "dot per graph.", out, t.per_graph)
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


def _control_name(col: str | None) -> str:
    return {"m": "edge count (m)", "n_params": "parameter count",
            "dag_edges_kept": "DAG edge count (dag_edges_kept: edges the network is wired "
                              "with, mean over seeds)",
            "m_dag": "DAG edge count (m_dag: edges the network is wired with)"}.get(
        col or "", col or "")


def _ci(lo: float, hi: float, digits: int = 2) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "–"
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def _diff_text(row: pd.Series) -> str:
    return f"{row['diff']:+.4f} {_ci(row['ci_low'], row['ci_high'], 4)}"


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _summary(t: SweepTables) -> str:
    if t.per_graph is None or t.design is None:
        return ("This sweep has no successful runs yet, so there is no accuracy to "
                "compare; see the notes below.")
    parts = []
    label = {"test_acc": "test accuracy", "val_acc": "validation accuracy"}.get(
        t.metric, t.metric.replace("_", " "))
    table = t.per_graph
    vs = t.real_vs_nulls
    reals = table[table["family"] == "real"]
    if len(reals) == 1 and vs is not None and len(vs):
        acc = float(reals["acc"].iloc[0])
        rank, of = ss.rank_among(acc, table.loc[table["family"] != "real", "acc"])
        n_seeds = int(reals["n_seeds"].iloc[0])
        text = (f"The real connectome ranks {_ordinal(rank)} of {of} graphs by {label} "
                f"({acc:.3f}, mean over {n_seeds} seed{'s' if n_seeds != 1 else ''})")
        best = vs.iloc[int(np.nanargmax(vs["family_mean"].to_numpy(float)))]
        text += (f"; against the best null family, {best['family']} "
                 f"({best['family_mean']:.3f}), it differs by {best['diff']:+.4f} paired by "
                 f"seed {_ci(best['ci_low'], best['ci_high'], 4)}")
        parts.append(text)
    elif len(reals) > 1 and vs is not None and len(vs):
        firsts = [f"{r} {int(s['rank'])}/{int(s['of'])} vs {s['family']}"
                  for r, s in vs.sort_values("rank").drop_duplicates("reference")
                  .set_index("reference").iterrows()]
        parts.append(f"{len(reals)} real connectomes, each against its own nulls (best "
                     f"standing: {'; '.join(firsts)})")
    else:
        best = table.iloc[int(np.nanargmax(table["acc"].to_numpy(float)))]
        parts.append(f"There is no real connectome in this sweep; the best of {len(table)} "
                     f"graphs is {best['graph_id']} ({best['acc']:.3f} {label})")
    parts.append(_top_statistic(t))
    text = "; ".join(p for p in parts if p) + "."
    p = t.power or {}
    if p.get("at_ceiling"):
        text += (f" Warning: accuracy is at the ceiling ({p['share_at_ceiling']:.0%} of graphs "
                 f"≥ {CEILING:.2f}), so these differences are a few test images at most.")
    elif p.get("at_floor"):
        text += (f" Warning: most graphs stay below accuracy {FLOOR:.1f}, near chance: the "
                 "networks have barely learned at this budget, so these differences are "
                 "noise.")
    elif np.isfinite(p.get("spread_ratio", math.nan)) and p["spread_ratio"] <= 1.5:
        text += (" Graph means spread no more than seed noise predicts: topology moves "
                 "accuracy less than a seed does at this budget.")
    return text


def _top_statistic(t: SweepTables) -> str:
    corr = t.correlations
    if corr is None or not len(corr):
        return "too few graphs or statistics to correlate topology with accuracy"
    # among statistics measured on (nearly) every graph: one defined for a few graphs only
    # (e.g. reciprocity, NaN on undirected nulls) can reach |ρ| = 1 by chance
    usable = corr[np.isfinite(corr["rho"].to_numpy(float))]
    usable = usable[usable["n"] >= 0.8 * corr["n"].max()]
    if not len(usable):
        return "too few graphs or statistics to correlate topology with accuracy"
    top = usable.iloc[0]
    ci = _ci(top["rho_low"], top["rho_high"])
    sig = (f"Holm-adjusted p = {top['rho_p_holm']:.2g}" if np.isfinite(top["rho_p_holm"])
           else "no p-value")
    text = (f"{top['statistic']} is the statistic most correlated with accuracy, "
            f"ρ = {top['rho']:.2f}" + (f" {ci}" if ci != "–" else "") + f" ({sig}")
    if np.isfinite(top["partial_rho"]):
        text += (f"; {top['partial_rho']:.2f} controlling for "
                 + " and ".join(_control_name(c).split(" (")[0]
                                for c in str(top["controls_used"]).split(",")))
    return text + ")"
