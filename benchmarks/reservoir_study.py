"""Does the real connectome beat its nulls as a reservoir, and which statistic explains it?

Reads one or more ``topocli train-sweep --model reservoir`` folders and prints, for each
score column of runs.csv (``score_<task>``), markdown tables: the score by family (mean
and sd over all runs; mean of the per-graph means), the real graph's rank among each
family's graphs (in the task's direction: memory capacity higher is better, NRMSE lower),
and the statistics of graphs.csv that correlate most with the per-graph score (Spearman
over all graphs, bootstrap 95 % CI; and within the degree-preserving family alone, where
the degree sequence is fixed). The statistics functions are the report's
(:mod:`topocli.reports.stats`, :mod:`~topocli.reports.sweep_correlations`,
:mod:`~topocli.reports.sweep_stats`).

    .venv/bin/python benchmarks/reservoir_study.py SWEEP [SWEEP ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from topocli.reports import stats as st
from topocli.reports import sweep_correlations as sc
from topocli.reports import sweep_stats as ss

LOWER_IS_BETTER = ("narma10", "mackey-glass")
SHOWN = 6  # statistics listed per correlation table


def _settings(folder: Path) -> str:
    config = json.loads((folder / "config.json").read_text())
    task = config["identity"]["task"]
    options = json.loads(task[task.index("(") + 1:-1]) if "(" in task else {}
    keys = ("signs", "inhibitory_fraction", "spectral_radius", "leak", "input_scaling",
            "input_nodes", "readout_nodes", "neuron", "steps", "max_delay")
    return ", ".join(f"{k}={options.get(k)}" for k in keys if k in options)


def _fmt(x: float, digits: int = 3) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.{digits}f}"


def study(folder: Path) -> None:
    runs = pd.read_csv(folder / "runs.csv")
    graphs = pd.read_csv(folder / "graphs.csv")
    print(f"## {folder.name}: {_settings(folder)}\n")
    print(f"{graphs.shape[0]} graphs, {len(runs)} runs "
          f"({int((runs['status'] == 'ok').sum())} ok)\n")
    statistics = [c for c in st.statistic_columns(graphs) if c not in ("m_dag", "gaba_nodes")]
    for column in [c for c in runs.columns if c.startswith("score_")]:
        task = column[len("score_"):]
        higher = task not in LOWER_IS_BETTER
        per_graph = st.per_graph_accuracy(runs, metric=column)
        table = per_graph.merge(graphs.drop(columns=["family"]), on="graph_id", how="left")
        real = float(per_graph.loc[per_graph["family"] == "real", "acc"].mean())
        print(f"### {task} ({'higher' if higher else 'lower'} is better); "
              f"real connectome {_fmt(real)}\n")
        print("| family | graphs | runs | mean | sd (runs) | sd (graph means) "
              "| real's rank among the family's graphs | share of graphs the real beats |")
        print("|---|---|---|---|---|---|---|---|")
        for family, sub in per_graph.groupby("family", sort=False):
            values = runs.loc[(runs["family"] == family) & (runs["status"] == "ok"), column]
            if family == "real":
                rank = share = ""
            else:
                r, of = ss.rank_among(real, sub["acc"], higher_is_better=higher)
                rank = f"{r} of {of}"
                beats = (sub["acc"] < real) if higher else (sub["acc"] > real)
                share = f"{100 * float(beats.mean()):.1f} %"
            print(f"| {family} | {len(sub)} | {len(values)} | {_fmt(values.mean())} "
                  f"| {_fmt(values.std())} | {_fmt(sub['acc'].std())} | {rank} | {share} |")
        print()
        for label, subset in (("all graphs", table),
                              ("degree-preserving nulls only",
                               table[table["family"] == "degree"])):
            usable = [s for s in statistics
                      if pd.to_numeric(subset[s], errors="coerce").nunique() > 2]
            corr = sc.correlation_table(subset, usable, outcome="acc", controls=("m",),
                                        n_boot=300, n_perm=300, seed=0)
            print(f"Spearman rho of the per-graph {task} with each statistic, {label} "
                  f"(n = {len(subset)}; top {SHOWN} by |rho|; partial: controlling m):\n")
            print("| statistic | rho | 95 % CI | partial rho |")
            print("|---|---|---|---|")
            for _, row in corr.head(SHOWN).iterrows():
                print(f"| {row['statistic']} | {_fmt(row['rho'])} | "
                      f"[{_fmt(row['rho_low'])}, {_fmt(row['rho_high'])}] | "
                      f"{_fmt(row['partial_rho'])} |")
            print()


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    for folder in argv:
        study(Path(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
