"""Issue 23, item 4: do the connectome's hubs cost accuracy? The hub controls read
together with the decisive study.

``benchmarks/study-23`` trains the connectome and 20 degree-preserving nulls (every one
with the connectome's hubs, maximum degree 93); ``benchmarks/study-23-controls`` trains
the same connectome with the same protocol and seeds against ``hubcap`` (its hubs capped,
m kept), ``heavytail`` (BA-like degree sequences, configuration model), ``er`` and ``ws``
at its n and m. The two folders are one experiment split in two, so this script

1. checks that they are: the same data, training protocol, graph and seeds, and the
   real graph's runs equal run for run (a difference would mean the code under one of
   them changed);
2. merges their runs (the real graph once) into one graphs x seeds design and reads it
   with the page's own variance model (:mod:`topocli.reports.inference`): each family's
   mean, each control family minus the degree nulls (the hub hypothesis: if hubs hurt,
   the families without them score higher), and the connectome against every family;
3. prints the family differences again with Welch intervals over graph means, since the
   pooled model assumes every family's graphs spread alike.

Works on running sweeps (the stores are read, never written).

    .venv/bin/python benchmarks/analyze_hub_controls.py [STUDY CONTROLS]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topocli.reports.folders import load_folder  # noqa: E402
from topocli.reports.inference import (  # noqa: E402
    compare_families,
    family_table,
    real_vs_families,
    variance_components,
)
from topocli.reports.stats import holm  # noqa: E402
from topocli.reports.sweep_stats import seed_design  # noqa: E402

#: Identity fields that may differ between the two folders (what each one trains).
FREE = ("families", "count", "null_params")
REFERENCE = "degree"
POINTS = 100.0


def check_same_experiment(study, controls) -> list[str]:
    """Lines saying what was checked; raises SystemExit on a mismatch."""
    a = {k: v for k, v in study.config["identity"].items() if k not in FREE}
    b = {k: v for k, v in controls.config["identity"].items() if k not in FREE}
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    if differ:
        raise SystemExit(f"the folders differ in {', '.join(differ)}: not one experiment")
    lines = ["same data, graph, training protocol and seed streams: "
             + json.dumps({k: a["train"][k] for k in ("preset", "lr", "epochs", "channels")})]
    ra, rb = (f.table("runs") for f in (study, controls))
    ra, rb = (r[(r["family"] == "real") & (r["status"] == "ok")].set_index("seed_index")
              for r in (ra, rb))
    shared = ra.index.intersection(rb.index)
    if not ra.loc[shared, "seed"].equals(rb.loc[shared, "seed"]):
        raise SystemExit("the real graph's seeds differ between the folders")
    gap = (ra.loc[shared, "test_loss"] - rb.loc[shared, "test_loss"]).abs().max()
    if len(shared) and gap > 0:
        raise SystemExit(f"the real graph's runs differ between the folders (test loss by "
                         f"up to {gap:.3g}): the code under one of them changed")
    lines.append(f"the real graph's runs at seeds {[int(s) for s in shared]} are equal in "
                 f"both folders (test loss to the last digit)")
    return lines


def merged_runs(study, controls) -> pd.DataFrame:
    a, b = study.table("runs"), controls.table("runs")
    return pd.concat([a, b[b["family"] != "real"]], ignore_index=True)


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means a - b with a Welch 95 % interval."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = sps.t.ppf(0.975, dof) * np.sqrt(va + vb)
    d = a.mean() - b.mean()
    return d, d - half, d + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", nargs="?", type=Path, default=ROOT / "benchmarks/study-23")
    parser.add_argument("controls", nargs="?", type=Path,
                        default=ROOT / "benchmarks/study-23-controls")
    args = parser.parse_args()
    study, controls = load_folder(args.study), load_folder(args.controls)
    for line in check_same_experiment(study, controls):
        print(line)
    runs = merged_runs(study, controls)
    design = seed_design(runs)
    var = variance_components(design)
    print(f"\n{int(np.isfinite(design.values).sum())} runs, {len(design.graph_ids)} graphs, "
          f"seeds {list(design.seeds)}; one run's seed noise sigma = "
          f"{np.sqrt(var.residual) * POINTS:.2f} points ({var.residual_dof} df), sd of a "
          f"graph mean within a family {np.sqrt(var.within) * POINTS:.2f} points "
          f"({var.within_dof} df, pooled over the families)\n")

    table = family_table(design)
    table["runs"] = table["n_runs"]
    for c in ("mean", "sd_graphs", "ci_low", "ci_high"):
        table[c] = (table[c] * POINTS).round(2)
    print("test accuracy by family, points (seed-adjusted graph means):")
    print(table[["family", "n_graphs", "runs", "mean", "sd_graphs", "ci_low",
                 "ci_high"]].to_string(index=False))

    rows = []
    ref = design.graph_mean[design.members(REFERENCE)]
    for family in dict.fromkeys(design.families):
        if family in ("real", REFERENCE):
            continue
        c = compare_families(design, family, REFERENCE, variance=var)
        own = design.graph_mean[design.members(family)]
        w = welch(own, ref) if len(own) > 1 else (np.nan,) * 3
        rows.append({"family": family, "minus": REFERENCE,
                     "diff": c.difference * POINTS, "ci_low": c.ci_low * POINTS,
                     "ci_high": c.ci_high * POINTS, "p": c.p,
                     "excluded_beyond": c.equivalence_bound * POINTS,
                     "welch_low": w[1] * POINTS, "welch_high": w[2] * POINTS})
    hubs = pd.DataFrame(rows)
    hubs.insert(6, "p_holm", holm(hubs["p"]))
    print("\nthe hub hypothesis: each family minus the degree nulls (the connectome's "
          "hubs), points; p_holm over the families:")
    print(hubs.round({"diff": 2, "ci_low": 2, "ci_high": 2, "p": 3, "p_holm": 3,
                      "excluded_beyond": 2, "welch_low": 2,
                      "welch_high": 2}).to_string(index=False))

    real = real_vs_families(design, primary=REFERENCE)
    for c in ("real", "family_mean", "diff", "ci_low", "ci_high", "ci_low_adj",
              "ci_high_adj", "equivalence_bound"):
        real[c] = (real[c] * POINTS).round(2)
    print("\nthe connectome minus each family, points (degree: the study's primary; the "
          "others Holm-adjusted, simultaneous intervals):")
    print(real[["family", "role", "n_graphs", "diff", "ci_low", "ci_high", "p", "p_holm",
                "ci_low_adj", "ci_high_adj", "equivalence_bound"]].round(
                    {"p": 3, "p_holm": 3}).to_string(index=False))


if __name__ == "__main__":
    main()
