"""The sweep page's controller section (``train-sweep --model controller``).

Per task: the evaluation return against generations, each null family's mean over its
graphs (each graph averaged over seeds) with a band of +-1 sd between graphs and the
real graph as its own line; then a table per family and task of the final score, the
generations to the task's solved return (runs that never reach it count as the budget
+ 1, a censored value) and the share of runs that reached it, and the real graph's
difference from each family paired by seed (the same evaluation episodes). The page's
headline and primary comparison use ``--metric`` (``score_<task>`` by default;
``generations_<task>`` for sample efficiency, lower is better).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from topocli.reports import sweep_figures as fg
from topocli.reports.html import Section
from topocli.reports.page_parts import figure

__all__ = ["control_section", "control_summary"]


def control_summary(runs: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """One row per family and task: runs, mean final score, mean generations to the
    solved return (censored), share of runs that reached it, and the real graph's mean
    difference from the family paired by seed index (NaN for the real graph)."""
    from topocli.control.tasks import CONTROL_TASKS

    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs
    rows = []
    for task in pd.unique(curves["task"].dropna()):
        score, gens = f"score_{task}", f"generations_{task}"
        if score not in ok:
            continue
        data = ok.assign(**{c: pd.to_numeric(ok[c], errors="coerce")
                            for c in (score, gens) if c in ok})
        peak = pd.to_numeric(curves[curves["task"] == task]["return"], errors="coerce") \
            .groupby(curves["run_id"]).max()
        solved = CONTROL_TASKS[task].solved if task in CONTROL_TASKS else float("nan")
        real = data[data["family"] == "real"].groupby("seed_index")[[score, gens]].mean()
        for family, sub in data.groupby("family", sort=False):
            per_seed = sub.groupby("seed_index")[[score, gens]].mean()
            paired = (real - per_seed).dropna() if family != "real" else None
            rows.append({
                "family": family, "task": task, "runs": len(sub),
                "final_score": sub[score].mean(),
                "generations_to_solved": sub[gens].mean() if gens in sub else float("nan"),
                "reached_solved": float((peak.reindex(sub["run_id"]) >= solved).mean()),
                "real_minus_family_score": paired[score].mean() if paired is not None
                else float("nan"),
                "real_minus_family_generations": paired[gens].mean() if paired is not None
                else float("nan"),
                "seed_pairs": len(paired) if paired is not None else 0})
    return pd.DataFrame(rows)


def control_section(runs: pd.DataFrame | None, curves: pd.DataFrame | None,
                    out: Path) -> Section | None:
    """The section, or None for a sweep that trained no controllers."""
    if curves is None or runs is None or "return" not in curves or "task" not in curves:
        return None
    sec = Section("Controller: return per generation", "controller")
    for task in pd.unique(curves["task"].dropna()):
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(task))
        figure(sec, fg.family_curve_bands, f"return_curves_{name}.png",
               f"{task}: evaluation {'accuracy' if task == 'digits-seq' else 'return'} of "
               "the ES centre per generation; each null family's mean over its graphs (each "
               "graph averaged over seeds) with a band of ± one sd between graphs, the real "
               "graph as its own line.", out, curves[curves["task"] == task],
               column="return", xlabel="generation",
               title=f"{task}: family mean ± sd over graphs, real graph as a line")
    summary = control_summary(runs, curves)
    if not summary.empty:
        summary.to_csv(out / "controller_summary.csv", index=False)
        sec.text("Final score (mean return over fresh episodes; test accuracy for "
                 "digits-seq), generations to the task's solved return (runs that never "
                 "reach it count as the budget + 1) and the real graph's difference from "
                 "each family paired by seed (the same evaluation episodes). For the "
                 "interval of a comparison, report with --metric score_TASK or "
                 "--metric generations_TASK (lower is better).")
        sec.table(summary, text_columns=("family", "task"))
    return sec
