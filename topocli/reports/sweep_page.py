"""The sweep report page: the tables of :mod:`topocli.reports.sweep_tables`, laid out.

Reads the folder's tables, computes everything once (:func:`~topocli.reports.sweep_tables.
sweep_tables`), writes the CSVs and ``summary.json``, draws the figures and assembles the
sections. The headline leads with the one comparison the sweep declared before its runs
(the real graph against its degree-preserving nulls unless ``--primary`` said otherwise):
difference, interval, p, and when the interval holds 0 the differences it excludes; then
whether the graph matters at all, and the budget. It ranks only where ranks are reliable.
"""

from __future__ import annotations

import json
import math
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
from topocli.reports.sweep_tables import SweepTables, sweep_tables

__all__ = ["budget", "declared_primary", "sweep_page", "sweep_summary"]

#: Family pairs shown on the page (a grid of many points makes hundreds of pairs).
MAX_COMPARISONS = 20
#: Reliability of graph means (1 - 1/F) below which no rank is put in the headline.
MIN_RELIABILITY_RANK = 0.5
_EDGE_HEADER = {"dag_edges_kept": "DAG edges", "m_dag": "DAG edges", "m": "edges (m)"}


def sweep_page(folder: ResultFolder, out: Path, *, seed: int = 0, resamples: int = 2000,
               metric: str | None = None, higher_is_better: bool | None = None) -> Page:
    graphs = folder.table("graphs")
    runs = folder.table("runs")
    curves = folder.table("curves")
    metric = metric or default_metric(runs)
    score = score_for(metric, runs, higher_is_better=higher_is_better) \
        if runs is not None else score_for(metric, higher_is_better=higher_is_better)
    primary, declared = declared_primary(folder.config)
    tables = sweep_tables(graphs, runs, metric=score, primary=primary,
                          primary_declared=declared, resamples=resamples, seed=seed)
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
                      _correlation_section(tables, out, resamples),
                      _topology_section(tables, graphs), _training_section(tables, curves, out),
                      versions_section(folder.config)]
    page.sections = [s for s in page.sections if s is not None]
    page.summary = _summary(tables, plan)
    page.notes = list(folder.notes)
    page.meta = meta_line(folder)
    return page


def declared_primary(config: dict) -> tuple[str, bool]:
    """The primary family and whether config.json declared it before the runs."""
    from topocli.sweep.plan import DEFAULT_PRIMARY

    design = config.get("design") if isinstance(config, dict) else None
    if isinstance(design, dict) and design.get("primary"):
        return str(design["primary"]), True
    return DEFAULT_PRIMARY, False


def budget(config: dict) -> dict:
    """What every run was given, from config.json: the dataset and its size, epochs,
    learning rate, optimiser, channels and seeds (a reservoir sweep: its task options)."""
    identity = config.get("identity", {}) if isinstance(config, dict) else {}
    train = identity.get("train", {}) if isinstance(identity, dict) else {}
    out = {"seeds": identity.get("seeds"), "count": identity.get("count")}
    task = str(identity.get("task", ""))
    if "reservoir" in task:
        out["model"] = "reservoir"
        start = task.find("(")
        if start >= 0:
            try:
                out["reservoir"] = json.loads(task[start + 1:-1])
            except ValueError:
                out["reservoir"] = task[start + 1:-1]
        return out
    out["model"] = "randwire"
    for key in ("dataset", "max_train", "epochs", "lr", "optimizer", "batch_size",
                "channels", "head", "preset", "frozen", "dag"):
        if key in train:
            out[key] = train[key]
    return out


def _budget_text(plan: dict) -> str:
    if plan.get("model") == "reservoir":
        opts = plan.get("reservoir")
        what = ", ".join(f"{k} {v}" for k, v in opts.items()) if isinstance(opts, dict) \
            else str(opts or "")
        return f"Budget: reservoir scoring ({what}); {plan.get('seeds')} seeds per graph."
    if "dataset" not in plan:
        return ""
    images = (f"{plan['max_train']:,} training images" if plan.get("max_train")
              else "the full training split")
    bits = [f"{plan['dataset']}", images, f"{plan.get('epochs')} epochs",
            f"{plan.get('optimizer', '')} at lr {plan.get('lr')}".strip(),
            f"batch {plan.get('batch_size')}", f"{plan.get('channels')} channels",
            f"{plan.get('seeds')} seeds per graph"]
    if plan.get("preset"):
        bits.append(f"preset {plan['preset']}")
    if plan.get("frozen"):
        bits.append("frozen stage")
    return "Budget: " + ", ".join(str(b) for b in bits) + "."


def sweep_summary(t: SweepTables, plan: dict) -> dict:
    """``report/summary.json``: the headline as numbers a script can read."""
    design = t.design
    row = t.primary_row() if design is not None else None
    ge = t.graph_effect

    def num(value) -> float | None:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    rank = _headline_rank(t)
    return {
        "kind": "sweep", "metric": t.score.column, "label": t.score.label,
        "higher_is_better": t.score.higher_is_better,
        "range": [t.score.low, t.score.high], "budget": plan,
        "primary": None if row is None else {
            "family": str(row["family"]), "declared": t.primary_declared,
            "real": num(row["real"]), "family_mean": num(row["family_mean"]),
            "difference": num(row["diff"]), "se": num(row["se"]), "dof": num(row["dof"]),
            "ci_low": num(row["ci_low"]), "ci_high": num(row["ci_high"]),
            "p": num(row["p"]), "equivalence_bound": num(row["equivalence_bound"]),
            "n_null_graphs": int(row["n_graphs"]), "n_seeds": int(row["n_seeds"])},
        "graph_effect": None if ge is None else {
            "F": num(ge.f), "dof_graphs": ge.dof_graphs, "dof_residual": ge.dof_residual,
            "p": num(ge.p), "reliability": num(ge.reliability)},
        "real_rank": rank[0] if rank else None,
        "rank_ci_low": rank[1] if rank else None,
        "rank_ci_high": rank[2] if rank else None,
        "rank_of": rank[3] if rank else None,
        "n_graphs": 0 if design is None else len(design.graph_ids),
        "n_seeds": 0 if design is None else len(design.seeds),
        "seed_sd": None if t.power is None else num(t.power.noise_sd),
        "early_stopping": t.epochs,
    }


def _headline_rank(t: SweepTables) -> tuple[int, int, int, int] | None:
    """The single real graph's rank among every graph of the sweep (1 = best) with its
    95 % interval: (rank, low, high, of); None without exactly one real graph."""
    from topocli.reports.inference import rank_interval

    d = t.design
    if d is None:
        return None
    reals = [i for i, f in enumerate(d.families) if f == "real"]
    if len(reals) != 1:
        return None
    every = np.flatnonzero(np.isfinite(d.graph_mean))
    rank, lo, hi = rank_interval(d, reals[0], every, higher_is_better=t.score.higher_is_better)
    return rank, lo, hi, len(every)


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
                     f"{p.f_dof_residual}) = {p.f:.2f}, p = {_p(p.f_p)} "
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
             + (f"{_control_name(t.edge_col)} and " if t.edge_col else "")
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
                "rank_low": "rank low", "rank_high": "rank high", "of": "of"}
        if not several:
            cols.pop("reference")
        sec.table(primary, columns=cols, digits=4, text_columns=("family", "reference"))
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
                "of": "of"}
        if not several:
            cols.pop("reference")
        sec.table(secondary, columns=cols, digits=4, text_columns=("family", "reference"))


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
           f"p = {_p(spot['p_surface'])}, {spot['n']} null graphs")
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
    lower = ("" if t.score.higher_is_better else
             f"; {t.score.direction}, so a negative ρ means better with more of the "
             "statistic")
    sec.text(f"Across {len(table)} graphs ({t.score.label} = mean over seeds, seed effects "
             f"removed{lower}). ρ: Spearman, r: Pearson; 95% percentile bootstrap CIs "
             f"({resamples} resamples of graphs); p: two-sided permutation p ({resamples} "
             "permutations), Holm-adjusted across statistics. Partial ρ controls for "
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
               f"{upper_first(t.score.label)} (mean over seeds) against parameter count and "
               "MACs per image; one dot per graph.", out, t.per_graph, label=t.score.label)
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


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"{p:.2g}" if p >= 0.001 else "< 0.001"


def _summary(t: SweepTables, plan: dict) -> str:
    if t.per_graph is None or t.design is None:
        return ("This sweep has no successful runs yet, so there is nothing to compare; see "
                "the notes below.")
    score = t.score
    parts = [_primary_text(t)]
    ge = t.graph_effect
    if ge is not None and np.isfinite(ge.f):
        verdict = ("the graphs differ by more than seed noise" if ge.p < 0.05 else
                   "the graphs do not differ detectably from one another")
        parts.append(f"Does the graph matter at all? Graph effect F({ge.dof_graphs}, "
                     f"{ge.dof_residual}) = {ge.f:.2f}, p = {_p(ge.p)}: {verdict}; graph means "
                     f"are {ge.reliability:.0%} reliable at {t.power.seeds} seeds.")
    rank = _headline_rank(t)
    if rank is not None and ge is not None and np.isfinite(ge.reliability) and \
            ge.reliability >= MIN_RELIABILITY_RANK:
        parts.append(f"The real connectome ranks {_ordinal(rank[0])} of {rank[3]} graphs by "
                     f"{score.label} (95% interval {rank[1]}-{rank[2]}).")
    elif rank is not None:
        parts.append(f"No rank is given here: with graph means this unreliable its 95% "
                     f"interval spans {rank[1]}-{rank[2]} of {rank[3]} (in the tables below).")
    parts.append(_top_statistic(t) + ".")
    text = " ".join(p for p in parts if p)
    p = t.power
    if p is not None and p.at_ceiling:
        text += (f" Warning: {score.label} is at the ceiling ({p.share_at_ceiling:.0%} of "
                 f"graphs ≥ {ACCURACY_CEILING:.2f}), so these differences are a few test "
                 "images at most.")
    elif p is not None and p.at_floor:
        text += (f" Warning: most graphs stay below {score.label} {ACCURACY_FLOOR:.1f}, near "
                 "chance: the networks have barely learned at this budget, so these "
                 "differences are noise.")
    budget_text = _budget_text(plan)
    return text + (" " + budget_text if budget_text else "")


def _primary_text(t: SweepTables) -> str:
    """The headline's first sentences: the primary comparison, or why there is none."""
    score = t.score
    refs = list(dict.fromkeys(t.design.references))
    rows = [(ref, t.primary_row(ref)) for ref in refs]
    rows = [(ref, row) for ref, row in rows if row is not None]
    reals = t.per_graph[t.per_graph["family"] == "real"]
    if reals.empty:
        best = t.per_graph.iloc[score.best_of(t.per_graph["acc"])]
        return (f"There is no real connectome in this sweep; the best of {len(t.per_graph)} "
                f"graphs by {score.label} ({score.direction}) is {best['graph_id']} "
                f"({best['acc']:.3f}).")
    if not rows:
        return (f"No primary comparison: this sweep has no '{t.primary}' family (declare "
                "one with --primary FAMILY before the runs). The real connectome's "
                "comparisons with each family are in the secondary table below, corrected "
                "for their number.")
    when = "declared before the runs" if t.primary_declared else \
        "the default; this sweep predates --primary"
    out = []
    for ref, row in rows:
        who = f"{ref}" if ref else "the real connectome"
        diff, lo, hi = row["diff"], row["ci_low"], row["ci_high"]
        text = (f"Primary comparison ({when}): {who} against its {int(row['n_graphs'])} "
                f"'{row['family']}' nulls, {int(row['n_seeds'])} shared seeds: {score.label} "
                f"{row['real']:.4f} vs {row['family_mean']:.4f}, difference {diff:+.4f} "
                f"[{lo:+.4f}, {hi:+.4f}] (95%, counting the real graph's seed noise, the "
                f"nulls' spread and their seed noise), p = {_p(row['p'])}.")
        if np.isfinite(lo) and lo <= 0 <= hi:
            text += (f" Not distinguishable: a difference larger than "
                     f"{row['equivalence_bound']:.4f} in either direction is excluded at 95% "
                     "(two one-sided tests).")
        elif np.isfinite(lo):
            better = score.advantage(diff) > 0
            text += (f" The real connectome scores {'better' if better else 'worse'} than "
                     f"these nulls ({score.direction}).")
        else:
            text += (" No interval: the family needs 2 or more graphs (--count) to measure "
                     "its spread.")
        out.append(text)
    return " ".join(out)


def _top_statistic(t: SweepTables) -> str:
    corr = t.correlations
    if corr is None or not len(corr):
        return f"Too few graphs or statistics to correlate topology with {t.score.label}"
    # among statistics measured on (nearly) every graph: one defined for a few graphs only
    # (e.g. reciprocity, NaN on undirected nulls) can reach |ρ| = 1 by chance
    usable = corr[np.isfinite(corr["rho"].to_numpy(float))]
    usable = usable[usable["n"] >= 0.8 * corr["n"].max()]
    if not len(usable):
        return f"Too few graphs or statistics to correlate topology with {t.score.label}"
    top = usable.iloc[0]
    ci = _ci(top["rho_low"], top["rho_high"])
    sig = (f"Holm-adjusted p = {top['rho_p_holm']:.2g}" if np.isfinite(top["rho_p_holm"])
           else "no p-value")
    text = (f"{top['statistic']} is the statistic most correlated with {t.score.label}, "
            f"ρ = {top['rho']:.2f}" + (f" {ci}" if ci != "–" else "") + f" ({sig}")
    if np.isfinite(top["partial_rho"]):
        text += (f"; {top['partial_rho']:.2f} controlling for "
                 + " and ".join(_control_name(c).split(" (")[0]
                                for c in str(top["controls_used"]).split(",")))
    return text + ")"
