"""Issue 15's sweep target, end to end: the demo-sized sweep's runs per hour with today's
code (fused stage kernels, ``--stack`` at its default) against a baseline revision.

The demo-sized sweep: ``celegans-varshney2011`` + 2 each of ws, er, ba and degree nulls,
2 seeds (18 runs), the default digits budget, ``--jobs 2``. Each variant runs the real
``topocli train-sweep`` command in a child process, in its own folder, one after the
other in the same run of this script:

- ``baseline``: the package as it was at ``--baseline`` (read from git with
  ``git archive`` into a temporary folder, put first on ``PYTHONPATH``);
- ``new``: this working tree, ``--stack`` at its default for the CPU;
- ``new-stackK``: this working tree with ``--stack K`` (``new-stack1``: the kernels
  alone).

Target (issue 15): ``new`` >= 1.5x the runs per hour of ``baseline``.

    .venv/bin/python benchmarks/bench_throughput_before_after.py [--baseline 5f89d9d] \
        [--variants baseline,new,new-stack1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["train-sweep", "celegans-varshney2011", "--families", "real,ws,er,ba,degree",
         "--count", "2", "--seeds", "2", "--jobs", "2"]


def checkout(rev: str, into: Path) -> Path:
    """The ``topocli`` package at ``rev``, extracted under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "topocli"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_variant(name: str, pythonpath: Path, out: Path, extra: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "OMP_NUM_THREADS": "1"}
    # ``python -c`` puts its working directory first on sys.path: run outside the repo.
    cwd = out.parent
    code = "import sys; "
    where = subprocess.run([sys.executable, "-c", code + "import topocli; "
                            "print(topocli.__file__)"], env=env, check=True, cwd=cwd,
                           capture_output=True, text=True).stdout.strip()
    if not Path(where).resolve().is_relative_to(pythonpath.resolve()):
        raise SystemExit(f"{name}: topocli imported from {where}, not from {pythonpath}")
    print(f"{name}: topocli from {where}", flush=True)
    code += "from topocli.cli import main; sys.exit(main())"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *SWEEP, "--out", str(out), *extra],
                   env=env, check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    return sweep_row(name, out, time.perf_counter() - start)


def sweep_row(name: str, out: Path, wall: float) -> dict:
    """One table row: the runs of sweep folder ``out`` that took ``wall`` seconds."""
    runs = pd.read_csv(out / "runs.csv")
    ok = int((runs["status"] == "ok").sum())
    return {"variant": name, "runs_ok": ok, "wall_s": round(wall, 1),
            "runs_per_hour": round(ok / wall * 3600, 1),
            "test_acc_mean": round(float(runs["test_acc"].mean()), 4),
            "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="5f89d9d", help="git revision of the baseline")
    parser.add_argument("--variants", default="baseline,new,new-stack1")
    args = parser.parse_args()
    variants = args.variants.split(",")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
          f"cores: {os.cpu_count()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in variants:
            if name == "baseline":
                (tmp / "baseline-src").mkdir()
                path, extra = checkout(args.baseline, tmp / "baseline-src"), []
            elif name == "new":
                path, extra = ROOT, []
            elif name.startswith("new-stack") and name[len("new-stack"):].isdigit():
                path, extra = ROOT, ["--stack", name[len("new-stack"):]]
            else:
                raise SystemExit(f"unknown variant {name!r}")
            rows.append(run_variant(name, path, tmp / name, extra))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    by = table.set_index("variant")["runs_per_hour"]
    if "baseline" in by:
        for name in by.index.drop("baseline"):
            print(f"{name} vs baseline {args.baseline}: {by[name] / by['baseline']:.2f}x "
                  "runs/hour (target for 'new': >= 1.5x)")


if __name__ == "__main__":
    main()
