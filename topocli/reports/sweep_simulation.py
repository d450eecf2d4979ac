"""Simulated sweeps with planted effects: the check that the report's intervals are honest.

:func:`simulate_design` draws a sweep of one real graph and ``families`` null families of
``graphs`` graphs each, every graph trained with the same ``seeds`` seeds, as the variance
model of :mod:`topocli.reports.inference` describes it: family means (the first null
family at 0, the real graph ``delta`` above it, family k at ``k * family_gap``), graph
effects with sd ``tau`` inside each family, seed effects with sd ``seed_sd`` shared by
every graph, and a graph x seed residual with sd ``sigma``. :func:`coverage` repeats it
and counts how often the 95 % intervals contain the planted differences and how often
the tests reject when nothing was planted.

The suite checks the designs the issue names (3 graphs x 3 seeds, 20 x 5);
``benchmarks/bench_coverage.py`` prints the table for more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from topocli.reports import inference as inf
from topocli.reports.sweep_stats import SeedDesign, design_from_matrix
from topocli.seeding import as_rng

__all__ = ["Planted", "coverage", "simulate_design"]


@dataclass(frozen=True)
class Planted:
    """A simulated sweep's design and the effects planted in it (metric units)."""

    graphs: int = 3           #: graphs per null family
    seeds: int = 3            #: seeds shared by every graph
    families: int = 2         #: null families
    tau: float = 0.01         #: sd of graph effects within a family
    sigma: float = 0.02       #: sd of the graph x seed residual
    seed_sd: float = 0.02     #: sd of the seed effects
    delta: float = 0.0        #: real graph minus the first null family's mean
    family_gap: float = 0.0   #: family k's mean is k * family_gap

    def family_names(self) -> list[str]:
        return [f"null{k}" for k in range(self.families)]


def simulate_design(planted: Planted, rng: np.random.Generator) -> SeedDesign:
    """One simulated sweep: the real graph first, then each null family's graphs."""
    p = planted
    names = ["real"] + [name for name in p.family_names() for _ in range(p.graphs)]
    means = np.array([p.delta] + [k * p.family_gap for k in range(p.families)
                                  for _ in range(p.graphs)])
    graph_effect = means + np.r_[0.0, rng.standard_normal(len(names) - 1) * p.tau]
    seed_effect = rng.standard_normal(p.seeds) * p.seed_sd
    values = (graph_effect[:, None] + seed_effect[None]
              + rng.standard_normal((len(names), p.seeds)) * p.sigma)
    return design_from_matrix(values, names)


def coverage(planted: Planted, *, sims: int = 2000, seed=0) -> dict:
    """Share of ``sims`` simulated sweeps whose 95 % intervals contain the planted
    differences, and whose tests reject when the planted difference is 0.

    Returns a dict: ``real_coverage`` (real minus the first family's mean),
    ``real_rejection`` (p < 0.05 with ``delta = 0``), ``family_coverage`` and
    ``family_rejection`` (the first two families, ``family_gap`` planted / 0), the mean
    interval width of the real comparison, and ``sims``.
    """
    rng = as_rng(seed)
    null = replace(planted, delta=0.0, family_gap=0.0)
    first, second = (planted.family_names() + [None])[:2]
    cover_real = cover_family = reject_real = reject_family = 0
    widths = []
    for _ in range(sims):
        design = simulate_design(planted, rng)
        var = inf.variance_components(design)
        c = inf.compare_real(design, first, variance=var)
        cover_real += c.ci_low <= planted.delta <= c.ci_high
        widths.append(c.ci_high - c.ci_low)
        if second is not None:
            f = inf.compare_families(design, second, first, variance=var)
            cover_family += f.ci_low <= planted.family_gap <= f.ci_high
        design0 = simulate_design(null, rng)
        var0 = inf.variance_components(design0)
        reject_real += inf.compare_real(design0, first, variance=var0).p < inf.ALPHA
        if second is not None:
            reject_family += inf.compare_families(design0, second, first,
                                                  variance=var0).p < inf.ALPHA
    has_pair = second is not None
    return {"sims": sims, "real_coverage": cover_real / sims,
            "real_rejection": reject_real / sims,
            "family_coverage": cover_family / sims if has_pair else float("nan"),
            "family_rejection": reject_family / sims if has_pair else float("nan"),
            "real_ci_width": float(np.mean(widths))}
