"""Planning a sweep before its runs: how many null graphs and seeds a difference needs.

The primary comparison of a sweep (the real graph against one null family, see
:mod:`topocli.reports.inference`) has variance

    se^2 = sigma^2 / K  +  (tau^2 + sigma^2 / K) / n

for n null graphs and K shared seeds, where sigma is one run's graph x seed noise and tau
the spread of graph effects within the family. Both are estimated from a pilot (any
sweep folder of the same protocol: :func:`estimate_noise`); the power of the two-sided
t test for a true difference delta is the noncentral t's (:func:`design_power`), and
:func:`cheapest_designs` finds, for each number of seeds, the fewest null graphs that
reach the wanted power, with the runs it takes. Two things follow from the formula and
the planner says them: more null graphs cannot push se below sigma / sqrt(K) (the real
graph is one graph, measured K times), and a protocol with less seed noise is worth more
than many runs of a noisy one.

``tests/test_power.py`` checks the planned power against simulated sweeps
(:mod:`topocli.reports.sweep_simulation`).

References
----------
Cohen (1988), Statistical Power Analysis for the Behavioral Sciences, ch. 2 (power of the
t test through the noncentral t). Satterthwaite (1946).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from topocli.reports import inference as inf
from topocli.reports.sweep_stats import SeedDesign

__all__ = ["DesignPlan", "FolderPlan", "NoiseEstimate", "cheapest_designs", "design_power",
           "design_se", "equivalence_reach", "estimate_noise", "plan_from_folder"]


@dataclass(frozen=True)
class NoiseEstimate:
    """What a pilot says about the protocol's noise, in the metric's units."""

    sigma: float             #: sd of one run's graph x seed residual
    sigma_dof: int
    tau: float               #: sd of graph effects within a null family, planned with
    within_dof: int          #:   (the estimate's one-sided 80 % upper bound, >= 0)
    pilot_seeds: int
    pilot_graphs: int
    seconds_per_run: float | None = None   #: median wall time of a pilot run
    tau_estimate: float = math.nan         #: the point estimate behind ``tau``


@dataclass(frozen=True)
class DesignPlan:
    """One design: ``nulls`` null graphs x ``seeds`` seeds (plus the real graph)."""

    seeds: int
    nulls: int | None        #: None: no number of nulls reaches the power at these seeds
    runs: int | None
    se: float
    power: float
    equivalence: float       #: the bound it reaches when the true difference is 0
    hours: float | None


#: One-sided confidence of the upper bound on the graph spread that plans are made with:
#: a pilot of a few graphs estimates tau poorly, and too small a tau plans too few nulls.
TAU_CONFIDENCE = 0.8


def estimate_noise(design: SeedDesign, *, reference: str = "",
                   seconds_per_run: float | None = None) -> NoiseEstimate:
    """sigma and tau of a pilot sweep: sigma^2 from the residual, tau^2 from the pooled
    within-family variance of graph means minus their seed noise, planned at the
    variance's one-sided :data:`TAU_CONFIDENCE` upper bound (chi-square), clipped at 0."""
    var = inf.variance_components(design, reference)
    k = float(np.median(design.n_seeds)) if len(design.n_seeds) else math.nan
    sigma = math.sqrt(var.residual) if np.isfinite(var.residual) else math.nan
    upper = math.nan
    if var.within_dof > 0 and np.isfinite(var.within) and np.isfinite(var.residual):
        within_hi = var.within * var.within_dof / sps.chi2.ppf(1 - TAU_CONFIDENCE,
                                                              var.within_dof)
        upper = math.sqrt(max(within_hi - var.residual / k, 0.0))
    return NoiseEstimate(sigma, var.residual_dof, upper, var.within_dof,
                         int(k) if np.isfinite(k) else 0,
                         int(np.isfinite(design.graph_mean).sum()), seconds_per_run,
                         tau_estimate=var.graph_sd(k))


def design_se(noise: NoiseEstimate, nulls: int, seeds: int) -> tuple[float, float]:
    """Standard error and Satterthwaite degrees of freedom of the primary difference in
    a design of ``nulls`` null graphs x ``seeds`` seeds (the real graph's own seed noise,
    the nulls' spread and their seed noise)."""
    own = noise.sigma ** 2 / seeds
    within = (noise.tau ** 2 + noise.sigma ** 2 / seeds) / nulls
    dof_res = nulls * (seeds - 1)            # (nulls + 1 graphs - 1) x (seeds - 1)
    dof_within = nulls - 1
    terms = [(own, dof_res), (within, dof_within)]
    se2 = own + within
    denom = sum(v * v / d for v, d in terms if d > 0 and v > 0)
    dof = se2 * se2 / denom if denom > 0 else math.inf
    return math.sqrt(se2), dof


def design_power(noise: NoiseEstimate, nulls: int, seeds: int, difference: float, *,
                 alpha: float = inf.ALPHA) -> float:
    """Probability that the two-sided t test of the primary comparison rejects at level
    ``alpha`` when the true difference is ``difference`` (noncentral t)."""
    se, dof = design_se(noise, nulls, seeds)
    if not (se > 0 and dof > 0):
        return math.nan
    crit = sps.t.ppf(1 - alpha / 2, dof)
    ncp = abs(difference) / se
    power = float(sps.nct.sf(crit, dof, ncp) + sps.nct.cdf(-crit, dof, ncp))
    if not math.isfinite(power):   # scipy's noncentral t gives up far in the tail
        power = float(sps.norm.sf(crit - ncp) + sps.norm.cdf(-crit - ncp))
    return power


def equivalence_reach(noise: NoiseEstimate, nulls: int, seeds: int, *,
                      alpha: float = inf.ALPHA) -> float:
    """The equivalence bound a design reaches on average when there is no difference:
    ``t(1 - alpha, dof) * se`` (two one-sided tests)."""
    se, dof = design_se(noise, nulls, seeds)
    return float(sps.t.ppf(1 - alpha, dof) * se)


def cheapest_designs(noise: NoiseEstimate, difference: float, *, power: float = 0.8,
                     seeds: tuple[int, ...] = (3, 5, 10, 20, 50, 100, 150, 200, 300, 500,
                                              1000),
                     min_nulls: int = inf.MIN_GRAPHS_Z, max_nulls: int = 1000,
                     jobs: int = 1) -> list[DesignPlan]:
    """For each number of seeds, the fewest null graphs (at least ``min_nulls``, enough
    to state the family's spread) whose primary
    comparison detects ``difference`` with probability ``power``, or ``nulls=None`` when
    even ``max_nulls`` do not (the real graph's own seed noise then needs more seeds)."""
    plans = []
    for k in seeds:
        found = None
        lo, hi = min_nulls, max_nulls
        if design_power(noise, hi, k, difference) >= power:
            while lo < hi:  # power grows with the number of nulls
                mid = (lo + hi) // 2
                if design_power(noise, mid, k, difference) >= power:
                    hi = mid
                else:
                    lo = mid + 1
            found = lo
        n = found if found is not None else max_nulls
        se, _ = design_se(noise, n, k)
        runs = (n + 1) * k if found is not None else None
        hours = (runs * noise.seconds_per_run / 3600 / max(1, jobs)
                 if runs is not None and noise.seconds_per_run else None)
        plans.append(DesignPlan(k, found, runs, se, design_power(noise, n, k, difference),
                                equivalence_reach(noise, n, k), hours))
    return plans


@dataclass(frozen=True)
class FolderPlan:
    """The plan :func:`plan_from_folder` makes, with what it was made from."""

    folder: str
    metric: str
    direction: str
    primary: str | None
    noise: NoiseEstimate
    difference: float
    power: float
    jobs: int
    designs: tuple[DesignPlan, ...]
    chosen: DesignPlan | None = None     #: the design asked for (``--nulls`` x ``--seeds``)

    def cheapest(self) -> DesignPlan | None:
        reachable = [d for d in self.designs if d.runs is not None]
        return min(reachable, key=lambda d: d.runs) if reachable else None


def plan_from_folder(directory, *, difference: float = 0.005, power: float = 0.8,
                     jobs: int = 1, metric: str | None = None, nulls: int | None = None,
                     seeds: int | None = None) -> FolderPlan:
    """Estimate the protocol's noise from a sweep folder (a pilot or a finished sweep)
    and plan the primary comparison (the real graph against the declared or default
    primary family) for a true difference of ``difference`` at ``power``.

    ``nulls`` and ``seeds`` (both or neither) also evaluate that one design.
    """
    from topocli.errors import TopocliError
    from topocli.reports.folders import load_folder
    from topocli.reports.scores import default_metric, score_for
    from topocli.reports.sweep_headline import declared_primary
    from topocli.reports.sweep_stats import seed_design

    if not (difference > 0 and math.isfinite(difference)):
        raise TopocliError(f"--difference must be a positive number (got {difference})")
    if not 0 < power < 1:
        raise TopocliError(f"--power must lie between 0 and 1 (got {power})")
    if (nulls is None) != (seeds is None):
        raise TopocliError("give --nulls and --seeds together (a design to evaluate), or "
                           "neither")
    if nulls is not None and (nulls < 2 or seeds < 2):
        raise TopocliError("a design needs at least 2 null graphs and 2 seeds (one of "
                           "each cannot measure its own noise)")
    folder = load_folder(directory)
    runs = folder.table("runs")
    if folder.kind != "sweep" or runs is None:
        raise TopocliError(f"{directory} holds no sweep runs.csv: plan from a pilot sweep "
                           "(topocli train-sweep ... --count 3 --seeds 3) of the protocol")
    column = metric or default_metric(runs)
    score = score_for(column, runs)
    design = seed_design(runs, metric=column)
    primary, _ = declared_primary(folder.config)
    seconds = None
    if "wall_time_s" in runs:
        times = np.asarray(runs["wall_time_s"], dtype=float)
        times = times[np.isfinite(times)]
        seconds = float(np.median(times)) if len(times) else None
    noise = estimate_noise(design, seconds_per_run=seconds)
    if not (np.isfinite(noise.sigma) and noise.sigma_dof > 0):
        raise TopocliError(f"{directory} cannot measure seed noise: it needs 2 or more "
                           "seeds for some graphs (run the pilot with --seeds 2 or more)")
    if noise.within_dof <= 0:
        raise TopocliError(f"{directory} cannot measure the spread between null graphs: "
                           "it needs 2 or more graphs in a null family (--count 2 or more)")
    designs = tuple(cheapest_designs(noise, difference, power=power, jobs=jobs))
    chosen = None
    if nulls is not None:
        se, _ = design_se(noise, nulls, seeds)
        runs_n = (nulls + 1) * seeds
        chosen = DesignPlan(seeds, nulls, runs_n, se,
                            design_power(noise, nulls, seeds, difference),
                            equivalence_reach(noise, nulls, seeds),
                            runs_n * seconds / 3600 / max(1, jobs) if seconds else None)
    return FolderPlan(str(directory), column, score.direction, primary, noise, difference,
                      power, jobs, designs, chosen)
