"""The sweep page's headline, in words and as numbers (``summary.json``).

It leads with the one comparison the sweep declared before its runs (the real graph
against its degree-preserving nulls unless ``--primary`` said otherwise): difference,
interval, p and, when the interval holds 0, the differences it excludes; then whether the
graph matters at all, a rank only where graph means are reliable, the statistic most
correlated with the score, warnings for accuracies at the ceiling or floor, and the
budget every run was given.
"""

from __future__ import annotations

import json
import math

import numpy as np

from topocli.reports.scores import ACCURACY_CEILING, ACCURACY_FLOOR
from topocli.reports.sweep_checks import size_text
from topocli.reports.sweep_tables import SweepTables

__all__ = ["MIN_RELIABILITY_RANK", "budget", "budget_text", "ci_text", "control_name",
           "declared_primary", "headline", "headline_rank", "learning_text", "ordinal",
           "p_text", "sweep_summary"]

#: Reliability of graph means (1 - 1/F) below which no rank is put in the headline.
MIN_RELIABILITY_RANK = 0.5


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
    for model, marker in (("reservoir", "reservoir"), ("controller", "train_controller")):
        if marker not in task:
            continue
        out["model"] = model
        start = task.find("(")
        if start >= 0:
            try:
                out[model] = json.loads(task[start + 1:-1])
            except ValueError:
                out[model] = task[start + 1:-1]
        return out
    out["model"] = "randwire"
    for key in ("dataset", "max_train", "epochs", "lr", "optimizer", "batch_size",
                "channels", "head", "preset", "frozen", "dag"):
        if key in train:
            out[key] = train[key]
    design = config.get("design") if isinstance(config, dict) else None
    if isinstance(design, dict) and isinstance(design.get("lr_check"), dict):
        out["lr_check"] = design["lr_check"]
    return out


def budget_text(plan: dict) -> str:
    if plan.get("model") in ("reservoir", "controller"):
        opts = plan.get(plan["model"])
        what = ", ".join(f"{k} {v}" for k, v in opts.items()) if isinstance(opts, dict) \
            else str(opts or "")
        trainer = opts.get("trainer", "es") if isinstance(opts, dict) else "es"
        kind = "reservoir scoring" if plan["model"] == "reservoir" else \
            "controllers trained by evolution strategies" if trainer == "es" else \
            "controllers trained by gradients (REINFORCE; cross-entropy on digits-seq)"
        return f"Budget: {kind} ({what}); {plan.get('seeds')} seeds per graph."
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
    return "Budget: " + ", ".join(str(b) for b in bits) + "." + _lr_check_text(plan)


def _lr_check_text(plan: dict) -> str:
    """How the learning rate was chosen, when a check (topocli lr-check) chose it."""
    check = plan.get("lr_check")
    if not isinstance(check, dict):
        return ""
    try:
        rates = ", ".join(f"{float(r):g}" for r in check.get("lrs", []))
        loss = float(check["worst_loss"]) * 100
        tol = float(check["tolerance"]) * 100
        lr = float(check["lr"])
    except (KeyError, TypeError, ValueError):
        return " The learning rate was chosen by a learning-rate check (unreadable record)."
    best = ", ".join(f"{f} {float(r):g}" for f, r in sorted(
        (check.get("family_best") or {}).items()))
    verdict = (f"it suits every family: none falls more than {tol:.2f} points below its own "
               "best rate" if check.get("shared") else
               f"no rate suits every family within {tol:.2f} points, so every family "
               "trains at this compromise and the families differ in how well it suits "
               "them")
    return (f" The learning rate {lr:g} was chosen before the runs by a learning-rate check "
            f"of {rates} on validation accuracy (each family's best: {best}); {verdict} "
            f"(worst: {check.get('worst_family')}, {loss:.2f} points below its best).")


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

    rank = headline_rank(t)
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
            "n_null_graphs": int(row["n_graphs"]), "n_seeds": int(row["n_seeds"]),
            "params_ratio": num(row.get("params_ratio")),
            "macs_ratio": num(row.get("macs_ratio"))},
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
        "learning_at_end": t.learning,
    }


def headline_rank(t: SweepTables) -> tuple[int, int, int, int] | None:
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


def control_name(col: str | None) -> str:
    return {"m": "edge count (m)", "n_params": "parameter count",
            "dag_edges_kept": "DAG edge count (dag_edges_kept: edges the network is wired "
                              "with, mean over seeds)",
            "m_dag": "DAG edge count (m_dag: edges the network is wired with)"}.get(
        col or "", col or "")


def ci_text(lo: float, hi: float, digits: int = 2) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "–"
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def p_text(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"{p:.2g}" if p >= 0.001 else "< 0.001"


def headline(t: SweepTables, plan: dict) -> str:
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
                     f"{ge.dof_residual}) = {ge.f:.2f}, p = {p_text(ge.p)}: {verdict}; graph means "
                     f"are {ge.reliability:.0%} reliable at {t.power.seeds} seeds.")
    rank = headline_rank(t)
    if rank is not None and ge is not None and np.isfinite(ge.reliability) and \
            ge.reliability >= MIN_RELIABILITY_RANK:
        parts.append(f"The real connectome ranks {ordinal(rank[0])} of {rank[3]} graphs by "
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
    learning = learning_text(t)
    if learning and t.learning["still_learning"]:
        text += " Warning: " + learning[0].lower() + learning[1:]
    plan_text = budget_text(plan)
    return text + (" " + plan_text if plan_text else "")


def learning_text(t: SweepTables) -> str:
    """What the last epoch says about convergence
    (:func:`~topocli.reports.sweep_checks.learning_at_end`): the runs ended still
    learning, reached their plateau, or could not be checked; '' without curves."""
    lr = t.learning
    if not lr:
        return ""
    verb = "rose" if lr["still_learning"] else "changed"
    gain = (f"validation accuracy {verb} by a median {lr['last_epoch_gain_median']:+.4f} "
            f"(quartiles {lr['last_epoch_gain_q25']:+.4f} to {lr['last_epoch_gain_q75']:+.4f}) "
            f"over the last epoch of {lr['runs']} runs that trained to their last epoch")
    if lr["still_learning"] is False:
        return (f"Converged: {gain}, no more than one run's seed noise "
                f"({lr['seed_noise_sd']:.4f}): the budget reached the runs' plateau.")
    if lr["still_learning"] is None:
        return (f"Convergence not checked: {gain}, and with one seed per graph there is no "
                "seed noise to weigh that against.")
    return (f"Not converged: {gain}, more than one run's seed noise "
            f"({lr['seed_noise_sd']:.4f}): the budget ended on the rise, and a longer one "
            "(or a better-suited learning rate, topocli lr-check) could change the "
            "results.")


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
                f"nulls' spread and their seed noise), p = {p_text(row['p'])}.")
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
        size = size_text(row)
        out.append(text + (" " + size if size else ""))
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
    ci = ci_text(top["rho_low"], top["rho_high"])
    sig = (f"Holm-adjusted p = {top['rho_p_holm']:.2g}" if np.isfinite(top["rho_p_holm"])
           else "no p-value")
    text = (f"{top['statistic']} is the statistic most correlated with {t.score.label}, "
            f"ρ = {top['rho']:.2f}" + (f" {ci}" if ci != "–" else "") + f" ({sig}")
    if np.isfinite(top["partial_rho"]):
        text += (f"; {top['partial_rho']:.2f} controlling for "
                 + " and ".join(control_name(c).split(" (")[0]
                                for c in str(top["controls_used"]).split(",")))
    return text + ")"
