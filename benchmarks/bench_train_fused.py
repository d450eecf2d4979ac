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

A third row, ``new per-edge``, is the working tree with ``DagStage.edge_kernels = False``:
the per-edge torch calls other devices take instead of the compiled level passes, so
the table also shows what those passes add.

Each (configuration, implementation) runs in its own child process (peak RSS is its own),
baseline and new alternating for ``--rounds`` rounds, so load from other jobs hits both
alike; a child reports the median of ``--steps`` steps after ``--warmup``, in wall-clock
seconds and in CPU seconds of the process (on a shared machine the wall clock also counts
time spent waiting for a core; the CPU time does not). Both start from the same seed, so
the first step's loss must agree: the table shows it. Memory is shown twice: the
process's peak RSS (which counts the libraries a path loads: numba and LLVM add about
90 MB), and the step memory, the peak during the measured steps above the resident set
before the first (``VmHWM`` after a reset through ``/proc/self/clear_refs``, minus
``VmRSS``; a one-image step first loads what each path uses), which is what the
activations and gradients take.

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


def _proc_status_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status (the memory columns need Linux)")


def child(args) -> None:
    import resource

    import torch

    from topocli.graphs import load_graph
    from topocli.training.dag import build_dag

    model_module = load_model_module(args.rev or None)
    if args.per_edge:
        model_module.DagStage.edge_kernels = False
    torch.set_num_threads(args.threads)
    channels, side, stem_stride = CONFIGS[args.config]
    torch.manual_seed(0)
    dag = build_dag(load_graph("celegans-varshney2011"), "random-order", seed=0)
    model = model_module.RandWireNet(dag, in_channels=1, num_classes=10, channels=channels,
                                     stem_stride=stem_stride)
    x = torch.randn(args.batch, 1, side, side)
    y = torch.randint(0, 10, (args.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    # One step on a single image loads every library and kernel a path uses (numba's
    # compiled passes, mkldnn) at a negligible activation size; then the high-water
    # mark is reset, so the step memory counts what the steps themselves take.
    torch.nn.functional.cross_entropy(model(x[:1]), y[:1]).backward()
    opt.zero_grad(set_to_none=True)
    rest_mb = _proc_status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
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
                      "step_mb": _proc_status_mb("VmHWM") - rest_mb,
                      "loss0": losses[0], "loss_last": losses[-1]}))


def run_child(args, config: str, variant: str) -> dict:
    rev = args.baseline_rev if variant == "baseline" else ""
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--config", config, "--rev", rev,
         "--threads", str(args.threads), "--batch", str(args.batch), "--steps",
         str(args.steps), "--warmup", str(args.warmup),
         *(["--per-edge"] if variant == "per-edge" else [])],
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
    ap.add_argument("--per-edge", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    names = {"baseline": f"baseline {args.baseline_rev}", "new": "new (working tree)",
             "per-edge": "new per-edge (edge_kernels=False)"}
    print(f"# threads={args.threads} batch={args.batch}, median of {args.steps} steps after "
          f"{args.warmup} warm-up per child, {args.rounds} rounds alternating; load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at start")
    print("| config | implementation | wall s/step per round | median wall s | "
          "median CPU s | peak RSS MB | step memory MB | first loss |")
    print("|---|---|---|---|---|---|---|---|")
    summary = []
    for config in args.configs.split(","):
        results: dict[str, list[dict]] = {variant: [] for variant in names}
        for _ in range(args.rounds):
            for variant in names:
                results[variant].append(run_child(args, config, variant))
        medians = {}
        for variant, name in names.items():
            steps = [r["step_s"] for r in results[variant]]
            wall, cpu, peak, step_mb = medians[variant] = (
                statistics.median(steps), statistics.median(r["cpu_s"] for r in results[variant]),
                max(r["peak_mb"] for r in results[variant]),
                max(r["step_mb"] for r in results[variant]))
            print(f"| {config} | {name} | {', '.join(f'{s:.3f}' for s in steps)} | "
                  f"{wall:.3f} | {cpu:.3f} | {peak:.0f} | {step_mb:.0f} | "
                  f"{results[variant][0]['loss0']:.6f} |", flush=True)
        old_s, old_cpu, old_mb, old_step = medians["baseline"]
        for variant in ("new", "per-edge"):
            new_s, new_cpu, new_mb, new_step = medians[variant]
            summary.append(f"| {config} | {names[variant]} | {old_s / new_s:.2f}x | "
                           f"{old_cpu / new_cpu:.2f}x | {new_mb / old_mb:.2f}x | "
                           f"{new_step / old_step:.2f}x |")
    print(f"# load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} at end")
    print("| config | implementation | speed vs baseline (wall) | (CPU time) | "
          "peak RSS / baseline | step memory / baseline |")
    print("|---|---|---|---|---|---|")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
