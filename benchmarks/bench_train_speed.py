"""Training-step speed and peak memory: level-batched fast path vs the per-node loop.

Varshney DAG (default view) per --dag method, 28x28 single-channel input (stem stride 2,
so the DAG runs at 14x14), C=32, batch 64, Adam-free plain SGD step (forward + backward +
update). Each configuration runs in its own child process so its peak RSS
(``resource.getrusage``) is its own; configurations run one after the other.
Also measured in the same run: this CPU's float32 matrix-multiply FLOP/s (torch.mm
2048x2048 with the same thread count), to express the fast path's achieved FLOP/s (3 x
2 x MACs per image x batch per step: forward, input grad and weight grad) as a share.

    .venv/bin/python benchmarks/bench_train_speed.py [--threads 1] [--batch 64] [--steps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

VARIANTS = ("per-node NCHW", "per-node channels-last", "fast")


def child(args) -> None:
    import resource

    import torch

    from topocli.graphs import load_graph
    from topocli.training.dag import build_dag
    from topocli.training.model import RandWireNet, complexity

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dag = build_dag(load_graph("celegans-varshney2011"), args.dag, seed=0)
    model = RandWireNet(dag, in_channels=1, num_classes=10, channels=args.channels,
                        stem_stride=2)
    x = torch.randn(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    ref = args.variant.startswith("per-node")
    cl = args.variant == "per-node channels-last"
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x, reference=ref, channels_last=cl), y)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    step = sorted(times[args.warmup:])[len(times[args.warmup:]) // 2]   # median
    print(json.dumps({"step_s": step, "peak_mb": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "base_mb": base_rss,
        "macs": complexity(model, (1, 28, 28))["macs"], "dag": dag.stats}))


def matmul_flops(threads: int) -> float:
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * 2048 ** 3 / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--dags", default="random-order,class-order,feedback-arc")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dag", default="random-order", help=argparse.SUPPRESS)
    ap.add_argument("--variant", default="fast", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    peak = matmul_flops(args.threads)
    print(f"# threads={args.threads} batch={args.batch} C={args.channels} 28x28 input "
          f"(DAG at 14x14); matmul peak {peak / 1e9:.1f} GFLOP/s; load average "
          f"{os.getloadavg()[0]:.1f} at start")
    print("| dag | variant | step s | steps/s | peak RSS MB | FLOP/s | share of matmul |")
    print("|---|---|---|---|---|---|---|")
    for dag in args.dags.split(","):
        rows = {}
        for variant in args.variants.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--dag", dag, "--variant", variant,
                 "--threads", str(args.threads), "--batch", str(args.batch), "--channels",
                 str(args.channels), "--steps", str(args.steps), "--warmup",
                 str(args.warmup)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows[variant] = r
            flops = 3 * 2 * r["macs"] * args.batch / r["step_s"]
            print(f"| {dag} | {variant} | {r['step_s']:.2f} | {1 / r['step_s']:.2f} | "
                  f"{r['peak_mb']:.0f} | {flops / 1e9:.1f} G | {flops / peak:.1%} |",
                  flush=True)
        if "fast" in rows and "per-node NCHW" in rows:
            for base in ("per-node NCHW", "per-node channels-last"):
                if base in rows:
                    b, f = rows[base], rows["fast"]
                    print(f"| {dag} | ratio fast vs {base} | | "
                          f"{b['step_s'] / f['step_s']:.2f}x speed | "
                          f"{f['peak_mb'] / b['peak_mb']:.2f}x memory | | |", flush=True)


if __name__ == "__main__":
    main()
