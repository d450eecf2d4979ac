"""The variance model of a sweep: every interval counts every source of noise.

A sweep trains each graph g with the same K seeds, so a run's score is

    y[g, s] = mu + a[g] + b[s] + e[g, s]

with a graph effect ``a``, a seed effect ``b`` shared by every graph (it cancels in any
comparison made at the same seeds) and a graph x seed residual ``e`` of variance
``sigma^2`` (the run-to-run noise no blocking removes). A null family is a population of
graphs: its sweep holds a sample of ``n`` of them, whose effects spread by ``tau^2``
around the family's mean. The real graph is one fixed graph, measured with the same
seed noise as any other.

What the sweep estimates, and from what:

* ``sigma^2`` from the residual mean square of the additive graph + seed fit
  (``N - G - K + 1`` degrees of freedom);
* the variance of one graph's mean within a family, ``V = tau^2 + sigma^2 / K``, from the
  pooled within-family variance of the seed-adjusted graph means over the null families
  (``sum(n_f - 1)`` degrees of freedom). Pooling assumes families spread alike; a family
  of one graph adds nothing.

So the real graph r against family F (n graphs) differs by
``d = mean_s y[r, s] - mean_{g in F} mean_s y[g, s]`` with variance
``sigma^2 / K  +  V / n``: the real graph's own seed noise plus the family's sampling of
graphs (and their seed noise). The interval is Student's t with Welch-Satterthwaite
degrees of freedom. Two families differ with variance ``V (1/n_a + 1/n_b)`` on the pooled
degrees of freedom. No z-score is given from fewer than :data:`MIN_GRAPHS_Z` graphs.

Whether the graph matters at all is the F test of the graph effect against the residual
(seeds first, type II sums of squares), with the reliability of a K-seed graph mean,
``1 - 1/F`` (the share of the spread of graph means that is not seed noise). A rank is
given with an interval from redrawing every graph mean within its seed noise.

An interval that contains 0 still says something: the two one-sided tests (Schuirmann
1987) exclude every difference beyond ``|d| + t(0.95) se`` at the 5 % level, the
*equivalence bound*.

:mod:`topocli.reports.sweep_simulation` plants graph, family and seed effects in
simulated sweeps and checks that the 95 % intervals cover the planted difference and
that the tests hold their level.

References
----------
Satterthwaite (1946), An approximate distribution of estimates of variance components,
Biometrics Bulletin 2. Schuirmann (1987), A comparison of the two one-sided tests
procedure..., J. Pharmacokinet. Biopharm. 15. Montgomery, Design and Analysis of
Experiments, ch. 4 (randomised complete block designs) and 13 (random effects).
Goldstein & Spiegelhalter (1996), League tables and their limitations, JRSS A 159
(intervals for ranks).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from topocli.reports.stats import holm
from topocli.reports.sweep_stats import SeedDesign
from topocli.seeding import as_rng

__all__ = ["ALPHA", "MIN_GRAPHS_Z", "REAL_COLUMNS", "Comparison", "GraphEffect",
           "Variance", "compare_families", "compare_real", "detectable_difference",
           "family_comparisons", "family_table", "graph_effect", "rank_interval",
           "real_vs_families", "variance_components"]

#: Two-sided level of every interval and test on the page (95 % intervals).
ALPHA = 0.05
#: Fewest graphs in a family for a z-score against its spread (fewer: no z).
MIN_GRAPHS_Z = 5


@dataclass(frozen=True)
class Variance:
    """The two variance components a sweep estimates (see the module docstring)."""

    residual: float        #: sigma^2: graph x seed noise of one run
    residual_dof: int
    within: float          #: V: variance of a graph mean within a null family
    within_dof: int

    def graph_sd(self, seeds: float) -> float:
        """tau: the spread of graph effects within a family with the seed noise of a
        ``seeds``-seed mean removed (0 when the spread is no larger than that noise)."""
        if not (np.isfinite(self.within) and np.isfinite(self.residual)):
            return math.nan
        return math.sqrt(max(self.within - self.residual / seeds, 0.0))


@dataclass(frozen=True)
class Comparison:
    """One difference with everything needed to read it: ``a - b`` in the metric's own
    units (positive: a scores higher), its standard error, t degrees of freedom, the
    95 % interval, the two-sided p, and the equivalence bound (differences beyond
    ``±equivalence_bound`` are excluded by two one-sided tests at 5 %)."""

    difference: float
    se: float
    dof: float
    ci_low: float
    ci_high: float
    p: float
    equivalence_bound: float

    def as_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_estimate(difference: float, se: float, dof: float,
                      alpha: float = ALPHA) -> Comparison:
        if not (np.isfinite(difference) and np.isfinite(se) and se > 0 and dof > 0):
            nan = math.nan
            return Comparison(difference, se, dof, nan, nan, nan, nan)
        half = float(sps.t.ppf(1 - alpha / 2, dof)) * se
        one_sided = float(sps.t.ppf(1 - alpha, dof)) * se
        p = float(2 * sps.t.sf(abs(difference) / se, dof))
        return Comparison(difference, se, dof, difference - half, difference + half, p,
                          abs(difference) + one_sided)


@dataclass(frozen=True)
class GraphEffect:
    """Does the graph matter at all: F test of graph effects against the residual."""

    f: float
    dof_graphs: int
    dof_residual: int
    p: float
    reliability: float     #: 1 - 1/F, clipped at 0: share of graph-mean spread not noise

    def as_dict(self) -> dict:
        return asdict(self)


def variance_components(design: SeedDesign, reference: str | None = None) -> Variance:
    """sigma^2 (residual of the whole design) and V (pooled within the null families of
    ``reference``; every reference's families when None)."""
    ss, dof = 0.0, 0
    refs = dict.fromkeys(design.references) if reference is None else [reference]
    for ref in refs:
        for family in dict.fromkeys(design.families):
            if family == "real":
                continue
            means = design.graph_mean[design.members(family, ref)]
            if len(means) > 1:
                ss += float(((means - means.mean()) ** 2).sum())
                dof += len(means) - 1
    within = ss / dof if dof > 0 else math.nan
    return Variance(design.noise_sd ** 2 if np.isfinite(design.noise_sd) else math.nan,
                    int(design.noise_dof), within, dof)


def _satterthwaite(terms: list[tuple[float, float]]) -> float:
    """Degrees of freedom of a sum of variance estimates ``(value, dof)``."""
    total = sum(v for v, _ in terms)
    denom = sum(v * v / d for v, d in terms if d > 0 and v > 0)
    if not (total > 0 and denom > 0):
        return math.nan
    return total * total / denom


def compare_real(design: SeedDesign, family: str, *, reference: str = "",
                 variance: Variance | None = None, alpha: float = ALPHA) -> Comparison:
    """The real graph of ``reference`` minus the mean of ``family``'s graphs.

    Variance ``sigma^2 / K_r + V / n`` (the real graph's seed noise, the family's graphs
    and their seed noise). With one seed there is no residual to separate: the real
    graph's term is then ``V`` itself (as if it were one more draw of the family, which
    includes its graph spread: conservative).
    """
    reals = design.members("real", reference)
    idx = design.members(family, reference)
    if len(reals) == 0 or len(idx) == 0:
        return Comparison.from_estimate(math.nan, math.nan, math.nan, alpha)
    var = variance or variance_components(design, reference)
    r = reals[0]
    diff = float(design.graph_mean[r] - design.graph_mean[idx].mean())
    n = len(idx)
    if var.within_dof <= 0:
        return Comparison.from_estimate(diff, math.nan, math.nan, alpha)
    if var.residual_dof > 0 and np.isfinite(var.residual):
        own = var.residual / max(1, int(design.n_seeds[r]))
        terms = [(own, var.residual_dof), (var.within / n, var.within_dof)]
    else:
        terms = [(var.within * (1 + 1 / n), var.within_dof)]
    se2 = sum(v for v, _ in terms)
    return Comparison.from_estimate(diff, math.sqrt(se2), _satterthwaite(terms), alpha)


def compare_families(design: SeedDesign, family_a: str, family_b: str, *,
                     reference: str = "", variance: Variance | None = None,
                     alpha: float = ALPHA) -> Comparison:
    """Mean of ``family_a``'s graphs minus ``family_b``'s: pooled variance
    ``V (1/n_a + 1/n_b)`` on the pooled within-family degrees of freedom."""
    a = design.graph_mean[design.members(family_a, reference)]
    b = design.graph_mean[design.members(family_b, reference)]
    if len(a) == 0 or len(b) == 0:
        return Comparison.from_estimate(math.nan, math.nan, math.nan, alpha)
    var = variance or variance_components(design, reference)
    diff = float(a.mean() - b.mean())
    se = math.sqrt(var.within * (1 / len(a) + 1 / len(b))) if var.within_dof > 0 \
        else math.nan
    return Comparison.from_estimate(diff, se, float(var.within_dof), alpha)


def graph_effect(design: SeedDesign) -> GraphEffect:
    """F test of the graph effect (every graph, real ones included) against the graph x
    seed residual, seeds fitted first; and the reliability of a graph mean."""
    values = design.values
    ok = np.isfinite(values)
    graphs = int((ok.sum(1) > 0).sum())
    if graphs < 2 or design.noise_dof <= 0 or not np.isfinite(design.noise_sd):
        return GraphEffect(math.nan, max(graphs - 1, 0), int(design.noise_dof), math.nan,
                           math.nan)
    full_sse = design.noise_sd ** 2 * design.noise_dof
    # seeds alone: each seed's mean over the graphs it ran
    seed_mean = np.nanmean(np.where(ok, values, np.nan), axis=0)
    seeds_sse = float(np.nansum(np.where(ok, values - seed_mean[None], 0.0) ** 2))
    dof_g = graphs - 1
    ms_graph = max(seeds_sse - full_sse, 0.0) / dof_g
    ms_res = design.noise_sd ** 2
    if ms_res <= 0:
        return GraphEffect(math.inf, dof_g, int(design.noise_dof), 0.0, 1.0)
    f = ms_graph / ms_res
    p = float(sps.f.sf(f, dof_g, design.noise_dof))
    reliability = max(0.0, 1 - 1 / f) if f > 0 else 0.0
    return GraphEffect(float(f), dof_g, int(design.noise_dof), p, float(reliability))


def rank_interval(design: SeedDesign, graph: int, among: np.ndarray, *,
                  higher_is_better: bool = True, draws: int = 2000, seed=0,
                  alpha: float = ALPHA) -> tuple[int, int, int]:
    """Rank of graph ``graph`` among the graphs ``among`` (indices, itself included or
    not) plus itself, 1 = best, and a (1 - alpha) interval for it: every graph mean
    redrawn within its seed noise (``sigma / sqrt(K_g)``), ``draws`` times.

    Returns (rank, low, high); the interval is (rank, rank) when the design has no
    residual to redraw with.
    """
    others = np.array([i for i in np.asarray(among, int) if i != graph], dtype=int)
    idx = np.concatenate([[graph], others])
    means = design.graph_mean[idx]
    sign = 1.0 if higher_is_better else -1.0
    rank = int(np.sum(sign * means[1:] > sign * means[0])) + 1
    sd = design.noise_sd
    if not np.isfinite(sd) or sd <= 0 or draws <= 0:
        return rank, rank, rank
    rng = as_rng(seed)
    se = sd / np.sqrt(np.maximum(design.n_seeds[idx], 1))
    sim = means[None] + rng.standard_normal((draws, len(idx))) * se[None]
    ranks = (sign * sim[:, 1:] > sign * sim[:, :1]).sum(1) + 1
    lo, hi = np.quantile(ranks, [alpha / 2, 1 - alpha / 2])
    return rank, int(math.floor(lo)), int(math.ceil(hi))


# ----------------------------------------------------------------------- tables
def _interval(mean: float, variance: float, dof: float, alpha: float = ALPHA
              ) -> tuple[float, float]:
    if not (np.isfinite(variance) and dof > 0):
        return math.nan, math.nan
    half = float(sps.t.ppf(1 - alpha / 2, dof)) * math.sqrt(variance)
    return mean - half, mean + half


def family_table(design: SeedDesign, *, higher_is_better: bool = True) -> pd.DataFrame:
    """Score by family at the graph level: the mean of the seed-adjusted graph means, the
    sd between graphs, and a 95 % t interval for the family's mean (pooled within-family
    variance, its degrees of freedom); a real graph's interval is its own seed noise.

    Columns family, reference, n_graphs, n_runs, mean, sd_graphs, ci_low, ci_high;
    per reference its real graph first, then families best first.
    """
    rows = []
    for ref in dict.fromkeys(design.references):
        var = variance_components(design, ref)
        for family in dict.fromkeys(design.families):
            idx = design.members(family, ref)
            if len(idx) == 0:
                continue
            vals = design.graph_mean[idx]
            mean = float(vals.mean())
            if family == "real":
                lo, hi = _interval(mean, var.residual / max(1, design.n_seeds[idx[0]]),
                                   var.residual_dof)
            else:
                lo, hi = _interval(mean, var.within / len(idx), var.within_dof)
            rows.append({"family": family, "reference": ref, "n_graphs": len(idx),
                         "n_runs": int(design.n_seeds[idx].sum()), "mean": mean,
                         "sd_graphs": float(vals.std(ddof=1)) if len(vals) > 1 else math.nan,
                         "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=["family", "reference", "n_graphs", "n_runs", "mean",
                                      "sd_graphs", "ci_low", "ci_high"])
    ref_order = {r: i for i, r in enumerate(dict.fromkeys(design.references))}
    sign = 1.0 if higher_is_better else -1.0
    key = np.where(out["family"] == "real", np.inf, sign * out["mean"].fillna(-np.inf * sign))
    order = np.lexsort((-key, out["reference"].map(ref_order).to_numpy()))
    return out.iloc[order].reset_index(drop=True)


REAL_COLUMNS = ["reference", "family", "role", "n_graphs", "n_seeds", "real", "family_mean",
                "diff", "se", "dof", "ci_low", "ci_high", "p", "p_holm", "ci_low_adj",
                "ci_high_adj", "equivalence_bound", "z", "rank", "rank_low", "rank_high",
                "of"]


def real_vs_families(design: SeedDesign, *, primary: str | None = None,
                     higher_is_better: bool = True, draws: int = 2000, seed=0
                     ) -> pd.DataFrame:
    """Each real graph against each null family of its own reference, by the variance
    model (:func:`compare_real`).

    ``primary`` (the declared comparison) gets ``role`` "primary" and is read alone; the
    other families are "secondary": ``p_holm`` is Holm-adjusted over them and
    ``ci_low_adj``/``ci_high_adj`` are Bonferroni-simultaneous 95 % intervals, so that
    picking the most striking of K families is paid for. ``z`` (diff over the sd of the
    family's graph means) only from :data:`MIN_GRAPHS_Z` graphs; ``rank`` among the
    family's graphs plus the real one (1 = best in the metric's own direction) with a
    95 % interval (:func:`rank_interval`).
    """
    rng = as_rng(seed)
    rows = []
    for ref in dict.fromkeys(design.references):
        reals = design.members("real", ref)
        if len(reals) == 0:
            continue
        r = reals[0]
        var = variance_components(design, ref)
        block = []
        for family in dict.fromkeys(design.families):
            idx = design.members(family, ref)
            if family == "real" or len(idx) == 0:
                continue
            c = compare_real(design, family, reference=ref, variance=var)
            means = design.graph_mean[idx]
            sd = float(means.std(ddof=1)) if len(means) > 1 else math.nan
            rank, lo, hi = rank_interval(design, r, idx, higher_is_better=higher_is_better,
                                         draws=draws, seed=rng)
            block.append({
                "reference": ref, "family": family,
                "role": "primary" if family == primary else "secondary",
                "n_graphs": len(idx), "n_seeds": int(design.n_seeds[r]),
                "real": float(design.graph_mean[r]), "family_mean": float(means.mean()),
                "diff": c.difference, "se": c.se, "dof": c.dof, "ci_low": c.ci_low,
                "ci_high": c.ci_high, "p": c.p, "p_holm": math.nan,
                "ci_low_adj": c.ci_low, "ci_high_adj": c.ci_high,
                "equivalence_bound": c.equivalence_bound,
                "z": c.difference / sd if len(idx) >= MIN_GRAPHS_Z and sd > 0 else math.nan,
                "rank": rank, "rank_low": lo, "rank_high": hi, "of": len(idx) + 1})
        secondary = [row for row in block if row["role"] == "secondary"]
        for row, adj in zip(secondary, holm([row["p"] for row in secondary])):
            row["p_holm"] = adj
            k = len(secondary)
            c = Comparison.from_estimate(row["diff"], row["se"], row["dof"], ALPHA / k)
            row["ci_low_adj"], row["ci_high_adj"] = c.ci_low, c.ci_high
        rows += block
    return pd.DataFrame(rows, columns=REAL_COLUMNS)


def family_comparisons(design: SeedDesign, *, reference: str = "") -> pd.DataFrame:
    """Every pair of null families of ``reference``: the difference of their means with
    its pooled-variance t interval and p (:func:`compare_families`), and p Holm-adjusted
    over the pairs. Columns family_a, family_b, n_a, n_b, diff, se, dof, ci_low, ci_high,
    p, p_holm."""
    var = variance_components(design, reference)
    families = [f for f in dict.fromkeys(design.families) if f != "real"
                and len(design.members(f, reference))]
    rows = []
    for fa, fb in itertools.combinations(families, 2):
        c = compare_families(design, fa, fb, reference=reference, variance=var)
        rows.append({"family_a": fa, "family_b": fb,
                     "n_a": len(design.members(fa, reference)),
                     "n_b": len(design.members(fb, reference)), "diff": c.difference,
                     "se": c.se, "dof": c.dof, "ci_low": c.ci_low, "ci_high": c.ci_high,
                     "p": c.p})
    out = pd.DataFrame(rows, columns=["family_a", "family_b", "n_a", "n_b", "diff", "se",
                                      "dof", "ci_low", "ci_high", "p"])
    out["p_holm"] = holm(out["p"]) if len(out) else []
    return out


def detectable_difference(comparison: Comparison, *, power: float = 0.8,
                          alpha: float = ALPHA) -> float:
    """The smallest true difference a comparison with this standard error and degrees of
    freedom detects (two-sided level ``alpha``) with probability ``power``."""
    if not (np.isfinite(comparison.se) and comparison.dof > 0):
        return math.nan
    return float((sps.t.ppf(1 - alpha / 2, comparison.dof) + sps.t.ppf(power, comparison.dof))
                 * comparison.se)
