"""Sweep throughput: runs per minute with 1 and 2 local workers (or with and without
``--stack``), and the overhead per run.

Baseline: one worker process with one torch thread. Compared: one worker with two
threads (what ``--jobs 1`` picks on 2 cores) and two workers with one thread each (the
default ``--jobs`` on 2 cores). Target: two workers >= 1.8x the baseline's runs/minute.

Overhead outside training = everything a run costs besides ``train_graph`` itself:
drawing its graph and computing its statistics (shared by the graph's seeds), shipping
the task, storing the result. Share = 1 - (sum of training wall time) / (workers x sweep
wall time), measured on the same sweep.

    .venv/bin/python benchmarks/bench_sweep.py            # real: the default digits budget
    .venv/bin/python benchmarks/bench_sweep.py --epochs 1 --max-train 600   # short runs
    .venv/bin/python benchmarks/bench_sweep.py --stand-in # machinery only (no torch)

Stacked training (issue 15): ``--stacks 1,default`` runs the same sweep once per value of
``train-sweep --stack`` (``default``: what the sweep picks for the device) on ``--jobs``
workers and compares runs per hour against ``--stack 1`` (today's one run per task).
The demo-sized sweep (target: the default >= 1.5x runs/hour of ``--stack 1``):

    .venv/bin/python benchmarks/bench_sweep.py --families real,ws,er,ba,degree --count 2 \
        --seeds 2 --jobs 2 --stacks 1,default
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd


def one_sweep(out: Path, *, jobs: int, threads: int, args, stack: int | None = 1) -> dict:
    from topocli.sweep import run_sweep
    from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train

    kwargs = {}
    if args.stand_in:
        kwargs = {"train_fn": partial(stand_in_train, sleep=args.stand_in_sleep),
                  "prepare_fn": stand_in_prepare}
    else:
        from topocli.training import TrainConfig

        kwargs["config"] = TrainConfig(**_budget(args))
    start = time.perf_counter()
    res = run_sweep("celegans-varshney2011", out, families=args.families, count=args.count,
                    seeds=args.seeds, seed=0, jobs=jobs, threads=threads, progress=False,
                    stack=stack, **kwargs)
    wall = time.perf_counter() - start
    runs = pd.read_csv(out / "runs.csv")
    assert (runs["status"] == "ok").all(), runs[["run_id", "error"]]
    import json
    import sqlite3

    with sqlite3.connect(out / "sweep.sqlite") as db:
        task = float(db.execute("SELECT sum(task_s) FROM runs").fetchone()[0])
        results = [json.loads(r) for (r,) in db.execute("SELECT result FROM runs")]
    # a stacked run's wall_time_s is its stack's: count each stack's training once
    train = sum(r["wall_time_s"] / (1 + r.get("stacked_with", 0)) for r in results)
    from topocli.sweep.run import default_stack

    used = stack if stack is not None else default_stack("cpu")
    label = f"{jobs} worker(s) x {threads} thread(s)"
    if args.stacks:
        label += f", --stack {used}" + (" (default)" if stack is None else "")
    return {"setup": label, "runs": len(runs), "wall_s": wall,
            "runs_per_hour": 3600 * len(runs) / wall, "runs_per_min": 60 * len(runs) / wall,
            "test_acc_mean": float(runs["test_acc"].mean()),
            "train_s_per_run": train / len(runs), "task_s_per_run": task / len(runs),
            "prepare_s": res.prepare_s, "store_ms_per_run": 1000 * res.store_s / len(runs),
            "overhead_share": max(0.0, 1 - train / (jobs * wall))}


def _budget(args) -> dict:
    from dataclasses import fields

    from topocli.training import TrainConfig

    wanted = {"dataset": "digits", "epochs": args.epochs,
              "max_train": args.max_train or None}
    names = {f.name for f in fields(TrainConfig)}
    for key, value in (("channels", args.channels),):
        if key in names:
            wanted[key] = value
    return wanted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="real,er")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--max-train", type=int, default=0, help="0: every training image")
    parser.add_argument("--stand-in", action="store_true")
    parser.add_argument("--no-two-threads", dest="setups", action="store_const",
                        const=((1, 1), (2, 1)), default=((1, 1), (1, 2), (2, 1)),
                        help="skip the 1 worker x 2 threads row")
    parser.add_argument("--stand-in-sleep", type=float, default=1.0)
    parser.add_argument("--stacks", default="",
                        help="compare --stack values, e.g. 1,default (then --jobs workers)")
    parser.add_argument("--jobs", type=int, default=2, help="workers with --stacks")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
    rows = []
    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        if args.stacks:
            for value in args.stacks.split(","):
                stack = None if value == "default" else int(value)
                rows.append(one_sweep(root / f"stack-{value}", jobs=args.jobs, threads=1,
                                      args=args, stack=stack))
                print(rows[-1], flush=True)
        else:
            for jobs, threads in args.setups:
                rows.append(one_sweep(root / f"j{jobs}t{threads}", jobs=jobs,
                                      threads=threads, args=args))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    table = pd.DataFrame(rows)
    base = table.loc[0, "runs_per_min"]
    table["ratio_vs_baseline"] = table["runs_per_min"] / base
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    print(f"load average after: {os.getloadavg()}")
    speedup = table["ratio_vs_baseline"].iloc[-1]
    if args.stacks:
        print(f"{table['setup'].iloc[-1]} vs --stack 1: {speedup:.2f}x runs/hour "
              f"(target >= 1.5x: {'met' if speedup >= 1.5 else 'MISSED'})")
        return
    print(f"2 workers vs baseline: {speedup:.2f}x (target >= 1.8x: "
          f"{'met' if speedup >= 1.8 else 'MISSED'})")


if __name__ == "__main__":
    main()
