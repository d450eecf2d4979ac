"""Coverage and level of the sweep report's intervals, by simulation (issue 22).

Each row simulates ``--sims`` sweeps of one design (null graphs per family x shared seeds
x null families) with planted effects (:mod:`topocli.reports.sweep_simulation`): graph
spread tau within a family, graph x seed residual sigma, seed effects, a real-minus-family
difference and a family gap. It prints how often the 95 % intervals cover the planted
differences (target 93-97 %) and how often the tests reject when nothing is planted
(target 5 %), with the Monte Carlo standard error of a 95 % rate.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_coverage.py --sims 4000
"""

from __future__ import annotations

import argparse
import math
import time

from topocli.reports.sweep_simulation import Planted, coverage

#: (graphs per null family, seeds, null families, tau, sigma): the study designs (3 x 3
#: as study-13, 20 x 5 as study-23) and their neighbours, with seed noise below, near and
#: above the graph spread.
DESIGNS = [
    (3, 3, 1, 0.0, 0.029), (3, 3, 1, 0.01, 0.029), (3, 3, 1, 0.03, 0.01),
    (3, 3, 2, 0.01, 0.029), (3, 3, 18, 0.0, 0.029), (3, 3, 18, 0.01, 0.029),
    (5, 3, 2, 0.01, 0.02), (10, 3, 1, 0.01, 0.02),
    (20, 5, 1, 0.0, 0.005), (20, 5, 1, 0.003, 0.005), (20, 5, 1, 0.01, 0.003),
    (20, 5, 2, 0.003, 0.005), (50, 5, 1, 0.003, 0.005),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    se = math.sqrt(0.95 * 0.05 / args.sims)
    print(f"# {args.sims} simulated sweeps per row; Monte Carlo se of a 95% rate "
          f"{se:.4f}; seed effects sd 0.03; planted real - family +0.02, family gap -0.015")
    print("| null graphs | seeds | null families | tau | sigma | real coverage | "
          "real rejection at 0 | family coverage | family rejection at 0 | "
          "mean CI width | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for graphs, seeds, families, tau, sigma in DESIGNS:
        started = time.perf_counter()
        r = coverage(Planted(graphs=graphs, seeds=seeds, families=families, tau=tau,
                             sigma=sigma, seed_sd=0.03, delta=0.02, family_gap=-0.015),
                     sims=args.sims, seed=args.seed)
        fam = (f"{r['family_coverage']:.3f} | {r['family_rejection']:.3f}"
               if families > 1 else "- | -")
        print(f"| {graphs} | {seeds} | {families} | {tau} | {sigma} | "
              f"{r['real_coverage']:.3f} | {r['real_rejection']:.3f} | {fam} | "
              f"{r['real_ci_width']:.4f} | {time.perf_counter() - started:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
