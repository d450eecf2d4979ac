"""What early stopping would buy a finished fixed-epoch sweep, read from its own curves.

Issue 23, item 3 names early stopping as a lever on a study's runs per hour. A run that
``--patience P`` stops follows the fixed-epoch run exactly up to its stop (the cosine
schedule runs over the epoch cap either way, and the seeds are the same), so replaying
each run's validation curve (``curves.csv``) through topocli's own rule
(:class:`topocli.training.run.EarlyStopping`) gives the epoch it would have stopped at
and the validation accuracy of the epoch it would have kept, without training anything.
The test accuracy of that epoch's weights was never measured, so it is not given.

Per patience: the mean epochs a run would train, how many runs stop before the cap, the
mean validation accuracy kept against the fixed-epoch runs', and the training time saved
as a runs-per-hour factor (training time only, from ``runs.csv``'s ``wall_time_s``; a
run's setup and evaluation are not counted, so the factor is an upper bound).

    .venv/bin/python benchmarks/analyze_patience.py benchmarks/study-23-1d --patience 1,2,3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from topocli.training.run import EarlyStopping  # noqa: E402


def replay(curve: pd.DataFrame, patience: int) -> tuple[int, float]:
    """(epochs trained, validation accuracy kept) of one run under ``patience``."""
    rule, model = EarlyStopping(patience), torch.nn.Module()
    for epoch, val in zip(curve["epoch"], curve["val_acc"]):
        rule.update(int(epoch), float(val), model)
        if rule.stopped:
            return int(epoch), float(rule.best_val)
    return int(curve["epoch"].iloc[-1]), float(rule.best_val)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a finished train-sweep folder")
    parser.add_argument("--patience", default="1,2,3")
    args = parser.parse_args()
    curves = pd.read_csv(args.folder / "curves.csv").sort_values(["run_id", "epoch"])
    runs = pd.read_csv(args.folder / "runs.csv").set_index("run_id")
    runs = runs[runs["status"] == "ok"]
    cap = int(runs["epochs_run"].max())
    full = curves.groupby("run_id").filter(lambda c: len(c) == cap)
    seconds = (runs["wall_time_s"] / runs["epochs_run"]).reindex(full["run_id"].unique())
    last_val = full.groupby("run_id")["val_acc"].last()
    rows = []
    for patience in (int(p) for p in args.patience.split(",")):
        kept = {run: replay(c, patience) for run, c in full.groupby("run_id")}
        epochs = pd.Series({run: e for run, (e, _) in kept.items()})
        val = pd.Series({run: v for run, (_, v) in kept.items()})
        rows.append({"patience": patience, "runs": len(kept),
                     "mean_epochs": round(epochs.mean(), 2),
                     "stopped_before_cap": int((epochs < cap).sum()),
                     "val_kept": round(val.mean(), 4),
                     "val_fixed_epochs": round(last_val.mean(), 4),
                     "runs_per_hour_factor": round(
                         (seconds * cap).sum() / (seconds * epochs.reindex(seconds.index)).sum(),
                         2)})
    print(f"{args.folder}: {len(full)} epochs of {full['run_id'].nunique()} runs that "
          f"trained to the cap of {cap} epochs; validation accuracy kept is the best "
          "epoch's (the rule keeps its weights); test accuracy under early stopping was not "
          "measured")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
