"""Issue 23, item 3: the study protocol's runs per hour, and what a run buys in precision.

Three variants run the same small sweep (the real ``celegans-varshney2011`` graph,
``--seeds 2``, ``--jobs 1``, 1 torch thread per run, MNIST test set from ``--data-dir``)
through the real ``topocli train-sweep`` command in a child process, one after the other
in one run of this script:

- ``study13``: study-13's protocol (3,000 images, batch 64, Adam at lr 0.03, pool head,
  C = 8, 2 epochs), today's code;
- ``study23-baseline``: the decisive study's protocol (``--preset dcn``: 8,000 images
  split 7,200 / 800 / 2,000 test, batch 32, Adam 1e-3, cosine, flatten head; C = 8,
  2 epochs) with the package as it was at ``--baseline`` (before issue 23);
- ``study23``: the same protocol with today's code;
- ``mnist1d-baseline`` / ``mnist1d``: the study's MNIST-1D protocol (``--preset dcn``
  on MNIST-1D, 3,600 / 400 / 1,000, lr 1e-2, 8 epochs) before the one-row depthwise
  kernel (``--baseline-mnist1d``) and today.


Runs per hour alone rewards a protocol for being noisy and cheap. What a study buys is
precision: the runs needed for an interval of a given width scale with the seed variance
sigma^2 of one run, so the table also gives precision per hour, runs/hour / sigma^2,
with sigma read from the study folders (``--study13`` and ``--study23``: ``topocli
plan``'s estimate from the runs stored there) and its ratio to study-13's.

    .venv/bin/python benchmarks/bench_study_protocol.py --data-dir ../shared/data/mnist-t10k
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
from bench_throughput_before_after import checkout, sweep_row  # this folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["train-sweep", "celegans-varshney2011", "--families", "real", "--seeds", "2",
         "--jobs", "1", "--channels", "8"]
MNIST = ["--dataset", "mnist", "--epochs", "2"]   # + --data-dir
PROTOCOLS = {
    "study13": [*MNIST, "--lr", "0.03", "--max-train", "3000"],
    "study23": [*MNIST, "--preset", "dcn"],
    "mnist1d": ["--dataset", "mnist1d", "--epochs", "8", "--preset", "dcn", "--lr", "1e-2"],
}


def run_variant(name: str, pythonpath: Path, out: Path, extra: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "OMP_NUM_THREADS": "1"}
    code = ("import sys, topocli; print(topocli.__file__, file=sys.stderr); "
            "from topocli.cli import main; sys.exit(main())")
    start = time.perf_counter()
    # ``python -c`` puts its working directory first on sys.path: run outside the repo.
    done = subprocess.run([sys.executable, "-c", code, *SWEEP, *extra, "--out", str(out)],
                          env=env, cwd=out.parent, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    where = done.stderr.splitlines()[0] if done.stderr else ""
    if done.returncode != 0 or not Path(where).resolve().is_relative_to(pythonpath.resolve()):
        raise SystemExit(f"{name}: failed or imported topocli from {where!r}:\n{done.stderr}")
    return sweep_row(name, out, wall)


def seed_sigma(folder: Path) -> tuple[float | None, int | None]:
    """One run's seed sd and its degrees of freedom, as ``topocli plan`` estimates them."""
    if not (folder / "config.json").exists():
        return None, None
    sys.path.insert(0, str(ROOT))
    from topocli.errors import TopocliError
    from topocli.reports.power import plan_from_folder

    try:
        noise = plan_from_folder(folder).noise
    except TopocliError as e:   # e.g. a study with one seed so far
        print(f"no seed sd from {folder}: {e}", flush=True)
        return None, None
    return round(noise.sigma, 5), noise.sigma_dof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--baseline", default="57d44b6", help="git revision of the baseline")
    parser.add_argument("--baseline-mnist1d", default="5e9e7c7",
                        help="git revision of the MNIST-1D baseline (3x3 kernels on 1 row)")
    parser.add_argument("--variants", default="study13,study23-baseline,study23")
    parser.add_argument("--study13", type=Path, default=ROOT / "benchmarks/study-13")
    parser.add_argument("--study23", type=Path, default=ROOT / "benchmarks/study-23")
    parser.add_argument("--mnist1d", type=Path, default=ROOT / "benchmarks/study-23-1d")
    args = parser.parse_args()
    data = ["--data-dir", str(args.data_dir.resolve())]
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
          f"cores: {os.cpu_count()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.variants.split(","):
            protocol, _, rev = name.partition("-")
            if protocol not in PROTOCOLS or rev not in ("", "baseline"):
                raise SystemExit(f"unknown variant {name!r}")
            path = ROOT
            if rev:
                revision = args.baseline_mnist1d if protocol == "mnist1d" else args.baseline
                (tmp / f"src-{revision}").mkdir(exist_ok=True)
                path = checkout(revision, tmp / f"src-{revision}")
            extra = PROTOCOLS[protocol] + (data if "mnist" in PROTOCOLS[protocol] else [])
            rows.append(run_variant(name, path, tmp / name, extra))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    sigmas = {"study13": seed_sigma(args.study13), "study23": seed_sigma(args.study23),
              "mnist1d": seed_sigma(args.mnist1d)}
    table["seed_sd"] = [sigmas[v.split("-")[0]][0] for v in table["variant"]]
    table["sigma_dof"] = [sigmas[v.split("-")[0]][1] for v in table["variant"]]
    table["precision_per_hour"] = table["runs_per_hour"] / table["seed_sd"] ** 2
    by = table.set_index("variant")
    if "study13" in by.index:
        table["runs_per_hour_vs_study13"] = (table["runs_per_hour"]
                                             / by.loc["study13", "runs_per_hour"]).round(2)
        table["precision_per_hour_vs_study13"] = (
            table["precision_per_hour"] / by.loc["study13", "precision_per_hour"]).round(1)
    print(table.to_string(index=False))
    for protocol, baseline in (("study23", args.baseline), ("mnist1d", args.baseline_mnist1d)):
        if {protocol, f"{protocol}-baseline"} <= set(by.index):
            ratio = (by.loc[protocol, "runs_per_hour"]
                     / by.loc[f"{protocol}-baseline", "runs_per_hour"])
            print(f"{protocol} today vs {baseline}: {ratio:.2f}x runs/hour (issue 23 aims "
                  "for 2x)")


if __name__ == "__main__":
    main()
