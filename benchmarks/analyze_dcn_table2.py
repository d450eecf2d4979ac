"""The DCN Table 2 replication table from ``bench_dcn_table2.py``'s ``runs.csv``.

Per head and arm: runs, mean test accuracy with its 95% t interval, the paired difference
to the no-graph baseline (same head, same seed) with its 95% t interval, and the smallest
paired difference the runs could detect (two-sided alpha 0.05, power 0.8, from the sd of
the paired differences: ``(t_{0.975, n-1} + t_{0.8, n-1}) * sd / sqrt(n)``). Then each
ordering of Roberts et al. 2019's Table 2: ``reproduces`` when the 95% interval of the
paired difference lies on the paper's side of 0, ``reversed`` when on the other side,
``unresolved`` otherwise (with the smallest detectable difference). Each comparison also
gives the two networks' size ratios (trainable parameters and MACs per image, first arm
over second): where they differ by more than 1 %, the verdict says that sizes differ, and
the difference is one of capacity as well as wiring.

    .venv/bin/python benchmarks/analyze_dcn_table2.py benchmarks/dcn-table2 [--markdown]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
from pathlib import Path

from bench_dcn_table2 import ARMS  # the arms are named once, where they are trained
from scipy import stats

#: Roberts et al. 2019, Table 2, MNIST test accuracy (%) over 10 runs; no frozen worm arm.
PAPER = {"no-graph": 98.01, "ws-frozen": 97.05, "ws-trained": 99.27, "mouse-frozen": 98.24,
         "mouse-trained": 99.30, "celegans-trained": 99.0}
#: The orderings Table 2 shows: (better arm, worse arm).
ORDERINGS = [("no-graph", "ws-frozen"), ("ws-trained", "no-graph"),
             ("mouse-frozen", "no-graph"), ("mouse-trained", "no-graph"),
             ("celegans-trained", "no-graph"), ("ws-trained", "ws-frozen"),
             ("mouse-trained", "mouse-frozen"), ("mouse-frozen", "ws-frozen"),
             ("mouse-trained", "ws-trained")]
#: Each connectome against random wiring of its own size (issue 23): (connectome arm,
#: size-matched arm), paired by seed.
SIZE_MATCHED = [(f"{g}-{mode}", f"{g}-{null}-{mode}") for g in ("celegans", "mouse")
                for mode in ("trained", "frozen") for null in ("degree", "er")]


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and the 95% t interval's half-width (nan half-width for fewer than 2)."""
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return mean, math.nan, math.nan
    sd = statistics.stdev(values)
    return mean, stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n), sd


def detectable(sd: float, n: int) -> float:
    """Smallest true paired difference found with power 0.8 at two-sided alpha 0.05."""
    if n < 2 or math.isnan(sd):
        return math.nan
    return (stats.t.ppf(0.975, n - 1) + stats.t.ppf(0.8, n - 1)) * sd / math.sqrt(n)


def paired(acc: dict, head: str, a: str, b: str) -> tuple[int, float, float, float]:
    """n, mean of ``a - b`` over shared seeds (points), 95% half-width, detectable diff."""
    seeds = sorted(set(acc.get((head, a), {})) & set(acc.get((head, b), {})))
    diffs = [100 * (acc[head, a][s] - acc[head, b][s]) for s in seeds]
    if not diffs:
        return 0, math.nan, math.nan, math.nan
    mean, half, sd = t_interval(diffs)
    return len(diffs), mean, half, detectable(sd, len(diffs))


def verdict(mean: float, half: float) -> str:
    if math.isnan(half):
        return "unresolved (n < 2)"
    if mean - half > 0:
        return "reproduces"
    if mean + half < 0:
        return "reversed"
    return "unresolved"


#: Size ratios further than this from 1 make a comparison one of sizes as well.
SIZE_TOLERANCE = 0.01


def size_ratio(rows: list[dict], head: str, a: str, b: str) -> tuple[float, float]:
    """Trainable parameters and MACs of arm ``a`` over arm ``b`` (means over seeds)."""
    def mean(arm: str, col: str) -> float:
        values = [float(r[col]) for r in rows if r["head"] == head and r["arm"] == arm]
        return statistics.fmean(values) if values else math.nan
    return tuple(mean(a, col) / mean(b, col) for col in ("trainable_params", "macs"))


def size_cell(ratios: tuple[float, float]) -> str:
    return f"{ratios[0]:.2f}x / {ratios[1]:.2f}x"


def sized(text: str, ratios: tuple[float, float]) -> str:
    """A verdict with 'sizes differ' appended when either ratio is off 1."""
    off = any(abs(r - 1) > SIZE_TOLERANCE for r in ratios if not math.isnan(r))
    return f"{text}; sizes differ" if off else text


def fmt(x: float, digits: int = 2) -> str:
    return "-" if math.isnan(x) else f"{x:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    rows = list(csv.DictReader((args.folder / "runs.csv").open()))
    acc: dict = {}
    for r in rows:
        acc.setdefault((r["head"], r["arm"]), {})[int(r["seed"])] = float(r["test_acc"])
    heads = sorted({r["head"] for r in rows})
    meta = rows[0] if rows else {}
    print(f"# DCN Table 2 on MNIST t10k 8,000/2,000, --preset dcn, C={meta.get('channels')}, "
          f"{meta.get('epochs')} epoch(s); {len(rows)} runs; accuracies in %")
    for head in heads:
        print(f"\n## head: {head}\n")
        print("| arm | paper | runs | mean [95% CI] | paired diff to no graph [95% CI] "
              "| detectable diff | trainable params |")
        print("|---|---|---|---|---|---|---|")
        for arm in ARMS:
            if (head, arm) not in acc:
                continue
            values = [100 * v for v in acc[head, arm].values()]
            mean, half, _ = t_interval(values)
            trainable = next(r["trainable_params"] for r in rows
                             if r["head"] == head and r["arm"] == arm)
            if arm == "no-graph":
                diff = "-"
                mde = "-"
            else:
                n, d, h, m = paired(acc, head, arm, "no-graph")
                diff = f"{d:+.2f} [{fmt(d - h)}, {fmt(d + h)}] (n={n})"
                mde = fmt(m)
            paper = PAPER.get(arm)
            print(f"| {arm} | {paper if paper is not None else 'not reported'} | "
                  f"{len(values)} | {mean:.2f} [{fmt(mean - half)}, {fmt(mean + half)}] | "
                  f"{diff} | {mde} | {int(trainable):,} |")
        print("\n| paper's ordering | paper diff | ours (paired) [95% CI] | detectable | "
              "trainable params x / MACs x | verdict |")
        print("|---|---|---|---|---|---|")
        for better, worse in ORDERINGS:
            n, d, h, m = paired(acc, head, better, worse)
            if n == 0:
                continue
            paper = PAPER[better] - PAPER[worse]
            ratios = size_ratio(rows, head, better, worse)
            print(f"| {better} > {worse} | {paper:+.2f} | {d:+.2f} [{fmt(d - h)}, "
                  f"{fmt(d + h)}] (n={n}) | {fmt(m)} | {size_cell(ratios)} | "
                  f"{sized(verdict(d, h), ratios)} |")
        matched = [(a, b, *paired(acc, head, a, b)) for a, b in SIZE_MATCHED]
        matched = [r for r in matched if r[2] > 0]
        if matched:
            print("\n| connectome vs random of its size | connectome - random (paired) "
                  "[95% CI] | detectable | trainable params x / MACs x | verdict |")
            print("|---|---|---|---|---|")
            for a, b, n, d, h, m in matched:
                ratios = size_ratio(rows, head, a, b)
                print(f"| {a} vs {b} | {d:+.2f} [{fmt(d - h)}, {fmt(d + h)}] (n={n}) | "
                      f"{fmt(m)} | {size_cell(ratios)} | {sized(verdict(d, h), ratios)} |")


if __name__ == "__main__":
    main()
