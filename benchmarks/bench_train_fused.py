"""Training step of today's stage kernels vs a baseline revision's, side by side in one run.

Issue 15, item 2: the level-batched stage's forward + backward + update against the fast
path as it was at ``--baseline-rev`` (default ``5f89d9d``, before the fused kernels). The
baseline's ``topocli/training/model.py`` is read from git (``git show``) into a temporary
module that imports the rest of topocli normally, so both implementations share the DAG,
the data and everything else. Two configurations, Varshney random-order DAG, batch 64,
plain SGD step:

- ``digits``: the ``topocli train`` default budget (C=16, one stem conv at stride 1 on
  8x8 single-channel input, pool head);
- ``c32``: C=32 on 28x28 single-channel input with a stride-2 stem, so the DAG runs at
  14x14 (the configuration of ``bench_train_speed.py`` and of issue 15's table).

Each (configuration, implementation) runs in its own child process (peak RSS is its own),
baseline and new alternating for ``--rounds`` rounds, so load from other jobs hits both
alike; a child reports the median of ``--steps`` steps after ``--warmup``, in wall-clock
seconds and in CPU seconds of the process (on a shared machine the wall clock also counts
time spent waiting for a core; the CPU time does not). Both start from the same seed, so
the first step's loss must agree: the table shows it.

    .venv/bin/python benchmarks/bench_train_fused.py [--threads 1] [--rounds 3] [--steps 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = {
    # name: (channels, input side, stem stride)
    "digits": (16, 8, 1),
    "c32": (32, 28, 2),
}


def load_model_module(rev: str | None):
    """``topocli.training.model`` as it is now (``rev=None``) or at git revision ``rev``."""
    if rev is None:
        from topocli.training import model
        return model
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:topocli/training/model.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="topocli-baseline-")) / "baseline_model.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("topocli_baseline_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module       # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def child(args) -> None:
    import resource

    import torch

    from topocli.graphs import load_graph
    from topocli.training.dag import build_dag

    model_module = load_model_module(args.rev or None)
    torch.set_num_threads(args.threads)
    channels, side, stem_stride = CONFIGS[args.config]
    torch.manual_seed(0)
    dag = build_dag(load_graph("celegans-varshney2011"), "random-order", seed=0)
    model = model_module.RandWireNet(dag, in_channels=1, num_classes=10, channels=channels,
                                     stem_stride=stem_stride)
    x = torch.randn(args.batch, 1, side, side)
    y = torch.randint(0, 10, (args.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    times, cpu_times, losses = [], [], []
    for _ in range(args.warmup + args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
        losses.append(loss.item())
    print(json.dumps({"step_s": statistics.median(times[args.warmup:]),
                      "cpu_s": statistics.median(cpu_times[args.warmup:]),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "loss0": losses[0], "loss_last": losses[-1]}))


def run_child(args, config: str, rev: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--config", config, "--rev", rev,
         "--threads", str(args.threads), "--batch", str(args.batch), "--steps",
         str(args.steps), "--warmup", str(args.warmup)],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-rev", default="5f89d9d")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--config", default="digits", help=argparse.SUPPRESS)
    ap.add_argument("--rev", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    names = {args.baseline_rev: f"baseline {args.baseline_rev}", "": "new (working tree)"}
    print(f"# threads={args.threads} batch={args.batch}, median of {args.steps} steps after "
          f"{args.warmup} warm-up per child, {args.rounds} rounds alternating; load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at start")
    print("| config | implementation | wall s/step per round | median wall s | "
          "median CPU s | peak RSS MB | first loss |")
    print("|---|---|---|---|---|---|---|")
    summary = []
    for config in args.configs.split(","):
        results: dict[str, list[dict]] = {rev: [] for rev in names}
        for _ in range(args.rounds):
            for rev in names:
                results[rev].append(run_child(args, config, rev))
        medians = {}
        for rev, name in names.items():
            steps = [r["step_s"] for r in results[rev]]
            medians[rev] = (statistics.median(steps),
                            statistics.median(r["cpu_s"] for r in results[rev]),
                            max(r["peak_mb"] for r in results[rev]))
            print(f"| {config} | {name} | {', '.join(f'{s:.3f}' for s in steps)} | "
                  f"{medians[rev][0]:.3f} | {medians[rev][1]:.3f} | {medians[rev][2]:.0f} | "
                  f"{results[rev][0]['loss0']:.6f} |", flush=True)
        (old_s, old_cpu, old_mb), (new_s, new_cpu, new_mb) = \
            medians[args.baseline_rev], medians[""]
        summary.append(f"| {config} | {old_s / new_s:.2f}x | {old_cpu / new_cpu:.2f}x | "
                       f"{new_mb / old_mb:.2f}x |")
    print(f"# load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} at end")
    print("| config | speed new vs baseline (wall) | (CPU time) | peak RSS new / baseline |")
    print("|---|---|---|---|")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
