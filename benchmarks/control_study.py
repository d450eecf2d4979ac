"""Issue 25's study: the connectome as a controller, on a motor and a non-motor task.

Reads ``topocli train-sweep --model controller`` folders (one per circuit) and folders
of ``topocli control --policy mlp --json --out DIR`` runs (``result.json``), and prints
markdown tables: per circuit and task, the mean final score and generations to the
solved return of each family and of the equal-parameter MLP; then the page's primary
comparison (real graph against its degree-preserving nulls) for each task's final score
and generations, from :func:`topocli.reports.build_report` (graphs are the units, seeds
are blocks; its interval counts seed noise and the nulls' spread).

    .venv/bin/python benchmarks/control_study.py SWEEP [SWEEP ...] --mlp DIR [DIR ...]

How the study was run (2 shared cores):

    for c in motor whole; do topocli train-sweep celegans-varshney2011 --model controller \\
        --families real,degree,er --count 2 --seeds 3 --task cartpole,digits-seq \\
        --generations 30 --primary degree --jobs 2 --circuit $c --out $c; done
    for c in motor whole; do for s in 0 1 2; do topocli control celegans-varshney2011 \\
        --undirected --circuit $c --policy mlp --task cartpole,digits-seq \\
        --generations 30 --seed $s --json --out mlp-$c-$s; done; done
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from topocli.reports import build_report


def _circuit(folder: Path) -> str:
    task = json.loads((folder / "config.json").read_text())["identity"]["task"]
    return json.loads(task[task.index("(") + 1:-1]).get("circuit", "whole")


def family_table(sweeps: list[Path], mlps: list[Path]) -> pd.DataFrame:
    rows = []
    for folder in sweeps:
        runs = pd.read_csv(folder / "runs.csv")
        runs = runs[runs["status"] == "ok"]
        for task in [c.removeprefix("score_") for c in runs if c.startswith("score_")]:
            for family, sub in runs.groupby("family", sort=False):
                rows.append({"circuit": _circuit(folder), "task": task, "arm": family,
                             "runs": len(sub), "final": sub[f"score_{task}"].mean(),
                             "final_sd": sub[f"score_{task}"].std(),
                             "generations": sub[f"generations_{task}"].mean()})
    results = [json.loads((d / "result.json").read_text()) for d in mlps]
    for circuit in sorted({r["config"]["circuit"] for r in results}):
        mine = [r for r in results if r["config"]["circuit"] == circuit]
        for task in mine[0]["scores"]:
            finals = pd.Series([r["scores"][task] for r in mine])
            budget = mine[0]["tasks"][task]["generations"]
            gens = pd.Series([r["generations_to_threshold"][task] for r in mine])
            rows.append({"circuit": circuit, "task": task,
                         "arm": f"mlp ({mine[0]['params']} params)", "runs": len(mine),
                         "final": finals.mean(), "final_sd": finals.std(),
                         "generations": gens.fillna(budget + 1).mean()})
    return pd.DataFrame(rows)


def primary_table(sweeps: list[Path]) -> pd.DataFrame:
    rows = []
    for folder in sweeps:
        runs = pd.read_csv(folder / "runs.csv")
        metrics = [c for c in runs if c.startswith(("score_", "generations_"))]
        for metric in metrics:
            with tempfile.TemporaryDirectory() as tmp:
                build_report(folder, tmp, metric=metric, resamples=2000)
                summary = json.loads((Path(tmp) / "summary.json").read_text())
            p = summary["primary"]
            rows.append({"circuit": _circuit(folder), "metric": metric,
                         "real": p["real"], "degree": p["family_mean"],
                         "difference": p["difference"],
                         "95% CI": "n/a (no variation)" if p["ci_low"] is None
                         else f"[{p['ci_low']:.3g}, {p['ci_high']:.3g}]",
                         "p": p["p"], "graph effect p": summary["graph_effect"]["p"]})
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """``frame`` as a markdown table, numbers to 3 significant digits."""
    def cell(value) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(
        index=False)]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    split = argv.index("--mlp") if "--mlp" in argv else len(argv)
    sweeps, mlps = [Path(a) for a in argv[:split]], [Path(a) for a in argv[split + 1:]]
    print(markdown(family_table(sweeps, mlps)))
    print()
    print(markdown(primary_table(sweeps)))


if __name__ == "__main__":
    main(sys.argv[1:])
