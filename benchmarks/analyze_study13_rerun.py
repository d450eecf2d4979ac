"""Issue 23, item 4: study-13's early runs against the same runs on today's code.

Study-13's one sharp pattern: the four graphs with the connectome's degree sequence (the
real graph and its 3 degree-preserving nulls) ranked 43, 45, 53 and 54 of 55 by mean
test accuracy, and all 12 of their runs were trained with the stage kernels from before
the compiled passes. ``scripts/study-13-rerun.sh`` trains those 12 runs again (same
protocol, graphs and seeds). This script

1. checks that the rerun's graphs are study-13's (same edges) and its runs the same seeds;
2. prints the 12 runs side by side (test accuracy then and now, difference);
3. puts the rerun's graph means in place of the old ones among study-13's 55 graphs and
   prints the four graphs' ranks and the group permutation test (is the mean of the four
   graph means lower than that of 4 graphs drawn at random from the 55?) before and after.

    .venv/bin/python benchmarks/analyze_study13_rerun.py [OLD NEW]   # default: study-13(-rerun)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topocli.graphs import load_graph  # noqa: E402
from topocli.reports.folders import load_folder  # noqa: E402

DRAWS = 200_000


def edges(folder: Path, graph_id: str) -> set[tuple[int, int]]:
    g = load_graph(str(folder / "graphs" / f"{graph_id}.graphml.gz"))
    return {tuple(sorted(e)) for e in g.get_edgelist()}


def group_test(means: pd.Series, group: list[str], rng: np.random.Generator) -> tuple:
    """Ranks of ``group`` (1 = best) and the one-sided permutation p of its mean being
    this low among random subsets of the same size."""
    ranks = means.rank(ascending=False, method="min").astype(int)
    observed = means[group].mean()
    values = means.to_numpy()
    draws = np.array([values[rng.choice(len(values), len(group), replace=False)].mean()
                      for _ in range(DRAWS)])
    p = (1 + np.sum(draws <= observed)) / (1 + DRAWS)
    return sorted(int(ranks[g]) for g in group), float(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", nargs="?", type=Path, default=ROOT / "benchmarks/study-13")
    parser.add_argument("new", nargs="?", type=Path,
                        default=ROOT / "benchmarks/study-13-rerun")
    args = parser.parse_args()
    old_runs = load_folder(args.old).table("runs")
    new_runs = load_folder(args.new).table("runs")
    new_runs = new_runs[new_runs["status"] == "ok"]
    group = sorted(new_runs["graph_id"].unique())
    same = {g: edges(args.old, g) == edges(args.new, g) for g in group}
    print("graphs identical to study-13's:", ", ".join(f"{g} {s}" for g, s in same.items()))
    if not all(same.values()):
        raise SystemExit("the rerun drew other graphs: it does not repeat study-13's runs")

    keys = ["graph_id", "seed_index"]
    both = old_runs.merge(new_runs, on=keys, suffixes=("_13", "_now"))
    if not (both["seed_13"] == both["seed_now"]).all():
        raise SystemExit("the rerun's training seeds differ from study-13's")
    both["diff"] = both["test_acc_now"] - both["test_acc_13"]
    print(f"\n{len(both)} runs compared (study-13 then, today's code now):\n")
    print(both[keys + ["seed_13", "test_acc_13", "test_acc_now", "diff"]]
          .sort_values(keys).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    d = both["diff"]
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    print(f"\nmean difference now - then: {d.mean():+.4f} (95% CI {d.mean() - half:+.4f} to "
          f"{d.mean() + half:+.4f}); mean |difference| {d.abs().mean():.4f}")

    old_ok = old_runs[old_runs["status"] == "ok"]
    before = old_ok.groupby("graph_id")["test_acc"].mean()
    after = before.copy()
    after[group] = new_runs.groupby("graph_id")["test_acc"].mean()[group]
    complete = new_runs.groupby("graph_id").size().reindex(group).fillna(0)
    rng = np.random.default_rng(0)
    rows = []
    for label, means in (("study-13 (old kernels)", before), ("with the rerun", after)):
        ranks, p = group_test(means, group, rng)
        rows.append({"graph means": label, f"ranks of the 4 (of {len(means)})": ranks,
                     "mean of the 4": round(means[group].mean(), 4),
                     "mean of all": round(means.mean(), 4), "permutation p (low)": p})
    print(f"\nthe connectome's degree sequence ({', '.join(group)}; rerun runs per graph: "
          f"{', '.join(str(int(c)) for c in complete)}):\n")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
