"""The trainer on a GPU: step time, peak memory, FLOP share, per-node loop; under 5 min.

For a machine with a CUDA GPU (``--device cuda``, the default); ``--device cpu`` runs the
same table here as a smoke test. In one run:

1. **correctness on the device**: the level-batched stage against the per-node reference
   loop on a small DAG (outputs and every gradient), so a timing is never of a wrong path;
2. **matmul peak**: float32 ``torch.mm`` of 4096x4096 (2048 on the CPU) on the device;
3. **training step** (forward, backward, SGD update; the Varshney random-order DAG, 279
   nodes / 2,287 edges, 28x28 input, stem stride 2 so the DAG runs at 14x14, C and batch
   as given) for the fast path and the per-node loop: median step time, peak device
   memory (``torch.cuda.max_memory_allocated``; not on the CPU), achieved FLOP/s
   (3 x 2 x MACs per image x batch per step) as a share of the matmul peak;
4. **digits budget**: the default ``topocli train`` budget on scikit-learn's digits on the
   device, its test accuracy and wall time, against the same run on the CPU when
   ``--cpu-baseline`` is given (minutes on a 2-core CPU; off by default).

5. **stacked** (``--stack K``, default 8): the Varshney DAG and K-1 degree-preserving
   nulls of it trained as one stacked model (:mod:`topocli.training.stack`: their DAGs'
   levels merged, each run its own parameters and optimiser), checked first against each
   network alone on the device (logits and gradients), then the step time per run
   against the same K networks stepped one after another on the fast path.

    .venv/bin/python benchmarks/bench_gpu.py                     # on a GPU machine
    .venv/bin/python benchmarks/bench_gpu.py --device cpu --steps 2 --batch 16 --stack 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

from topocli.graphs import load_graph
from topocli.training import TrainConfig, train_graph
from topocli.training.dag import build_dag
from topocli.training.device import resolve_device
from topocli.training.model import RandWireNet, complexity
from topocli.training.stack import StackedNet


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_mb(device: torch.device) -> float:
    """Peak device memory since :func:`reset_peak`; NaN on the CPU, where the process's
    peak RSS mixes the variants (``bench_train_speed.py`` measures each in a child)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return float("nan")


def check_equal_to_reference(device: torch.device) -> float:
    """Largest difference between the fast path and the per-node loop (outputs, grads)."""
    import igraph as ig
    import numpy as np

    pairs = [(a, b) for a in range(30) for b in range(30) if a != b]
    chosen = np.random.default_rng(0).choice(len(pairs), 90, replace=False)
    dag = build_dag(ig.Graph(n=30, edges=[pairs[i] for i in chosen], directed=True),
                    "random-order", seed=0)
    torch.manual_seed(0)
    model = RandWireNet(dag, in_channels=1, num_classes=10, channels=4).to(device)
    x = torch.randn(8, 1, 8, 8, device=device)
    worst = 0.0
    grads = []
    for reference in (False, True):
        model.zero_grad(set_to_none=True)
        out = model(x, reference=reference)
        out.square().sum().backward()
        grads.append([out.detach()] + [torch.zeros_like(p) if p.grad is None else
                                       p.grad.detach().clone() for p in model.parameters()])
    for a, b in zip(*grads):
        if a.numel() == 0:
            continue
        worst = max(worst, float((a - b).abs().max() / (b.abs().max() + 1e-12)))
    return worst


def matmul_flops(device: torch.device) -> float:
    n = 4096 if device.type == "cuda" else 2048
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    sync(device)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best


def step_time(dag, device, *, channels: int, batch: int, steps: int, warmup: int,
              reference: bool) -> dict:
    torch.manual_seed(0)
    model = RandWireNet(dag, in_channels=1, num_classes=10, channels=channels,
                        stem_stride=2).to(device)
    x = torch.randn(batch, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    reset_peak(device)
    times = []
    for _ in range(warmup + steps):
        sync(device)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x, reference=reference), y).backward()
        opt.step()
        sync(device)
        times.append(time.perf_counter() - t0)
    return {"step_s": statistics.median(times[warmup:]), "peak_mb": peak_mb(device),
            "macs": complexity(model, (1, 28, 28))["macs"]}


def stacked_check(dags, device) -> float:
    """Largest relative difference between a stack and its networks alone (logits and
    gradients after one backward), on the device."""
    torch.manual_seed(0)
    alone = [RandWireNet(d, in_channels=1, num_classes=10, channels=4).to(device)
             for d in dags]
    torch.manual_seed(0)
    stacked = [RandWireNet(d, in_channels=1, num_classes=10, channels=4).to(device)
               for d in dags]
    for a, b in zip(alone, stacked):
        b.load_state_dict(a.state_dict())
    x = torch.randn(8, 1, 8, 8, device=device)
    outs = StackedNet(stacked)(x)
    sum(o.square().sum() for o in outs).backward()
    worst = 0.0
    for a, b, out in zip(alone, stacked, outs):
        ref = a(x)
        ref.square().sum().backward()
        pairs = [(out, ref)] + [(pb.grad, pa.grad) for pa, pb in
                                zip(a.parameters(), b.parameters()) if pa.grad is not None]
        for got, want in pairs:
            if want.numel():
                worst = max(worst, float((got.detach() - want).abs().max() / (want.abs().max()
                                                                     + 1e-12)))
    return worst


def stacked_step_time(dags, device, *, channels: int, batch: int, steps: int,
                      warmup: int) -> dict:
    """Step time of the K networks of ``dags`` as one stacked model, per run."""
    torch.manual_seed(0)
    models = [RandWireNet(d, in_channels=1, num_classes=10, channels=channels,
                          stem_stride=2).to(device) for d in dags]
    net = StackedNet(models)
    x = torch.randn(batch, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    opts = [torch.optim.SGD(m.parameters(), lr=0.01) for m in models]
    reset_peak(device)
    times = []
    for _ in range(warmup + steps):
        sync(device)
        t0 = time.perf_counter()
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        torch.stack([F.cross_entropy(out, y) for out in net(x)]).sum().backward()
        for opt in opts:
            opt.step()
        sync(device)
        times.append(time.perf_counter() - t0)
    return {"step_s": statistics.median(times[warmup:]), "peak_mb": peak_mb(device),
            "macs": sum(complexity(m, (1, 28, 28))["macs"] for m in models)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--stack", type=int, default=8,
                    help="graphs in the stacked row (the Varshney DAG and K-1 nulls)")
    ap.add_argument("--cpu-baseline", action="store_true",
                    help="also train the digits budget on the CPU (minutes)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    started = time.perf_counter()
    err = check_equal_to_reference(device)
    peak = matmul_flops(device)
    dag = build_dag(load_graph("celegans-varshney2011"), "random-order", seed=0)
    print(f"# device {device} ({name}); torch {torch.__version__}; C={args.channels}, "
          f"batch {args.batch}, DAG at 14x14; load average {os.getloadavg()[0]:.1f}")
    print(f"# fast path vs per-node loop on the device: largest relative difference "
          f"{err:.1e} ({'PASS' if err < 1e-3 else 'FAIL'})")
    print(f"# matmul peak {peak / 1e9:.0f} GFLOP/s")
    print("| variant | step s | steps/s | peak memory MB | FLOP/s | share of matmul |")
    print("|---|---|---|---|---|---|")
    rows = {}
    for variant, reference in (("fast (level-batched)", False), ("per-node loop", True)):
        r = step_time(dag, device, channels=args.channels, batch=args.batch,
                      steps=args.steps, warmup=args.warmup, reference=reference)
        rows[variant] = r
        flops = 3 * 2 * r["macs"] * args.batch / r["step_s"]
        print(f"| {variant} | {r['step_s']:.3f} | {1 / r['step_s']:.1f} | "
              f"{r['peak_mb']:.0f} | {flops / 1e9:.1f} G | {flops / peak:.1%} |", flush=True)
    fast, loop = rows["fast (level-batched)"], rows["per-node loop"]
    print(f"| ratio fast vs loop | {loop['step_s'] / fast['step_s']:.2f}x speed | | "
          f"{fast['peak_mb'] / loop['peak_mb']:.2f}x memory | | |")
    from topocli.nullmodels import generate

    real = load_graph("celegans-varshney2011")
    real = real.as_undirected()
    real.simplify()
    dags = [dag] + [build_dag(generate(real, "degree", seed=i), "random-order", seed=0)
                    for i in range(args.stack - 1)]
    err = stacked_check(dags[:3], device)
    singles = [step_time(d, device, channels=args.channels, batch=args.batch,
                         steps=args.steps, warmup=args.warmup, reference=False)
               for d in dags]
    one_by_one = sum(r["step_s"] for r in singles)
    flops = 3 * 2 * sum(r["macs"] for r in singles) * args.batch / one_by_one
    print(f"| {args.stack} graphs one after another (fast path) | {one_by_one:.3f} | "
          f"{1 / one_by_one:.1f} | {max(r['peak_mb'] for r in singles):.0f} | "
          f"{flops / 1e9:.1f} G | {flops / peak:.1%} |", flush=True)
    st = stacked_step_time(dags, device, channels=args.channels, batch=args.batch,
                           steps=args.steps, warmup=args.warmup)
    flops = 3 * 2 * st["macs"] * args.batch / st["step_s"]
    print(f"| stacked: {args.stack} graphs as one model (= alone: largest relative "
          f"difference {err:.1e}, {'PASS' if err < 1e-3 else 'FAIL'}) | {st['step_s']:.3f} | "
          f"{1 / st['step_s']:.1f} | {st['peak_mb']:.0f} | {flops / 1e9:.1f} G | "
          f"{flops / peak:.1%} |")
    print(f"| ratio stacked vs one after another | {one_by_one / st['step_s']:.2f}x speed | "
          f"| | | |")
    budget = TrainConfig(threads=args.threads)
    for label, dev in [(str(device), args.device)] + (
            [("cpu", "cpu")] if args.cpu_baseline and device.type != "cpu" else []):
        t0 = time.perf_counter()
        res = train_graph(load_graph("celegans-varshney2011"), budget.replace(device=dev))
        print(f"# digits default budget on {label}: test accuracy {res['test_acc']:.4f}, "
              f"training {res['wall_time_s']:.1f} s (run {time.perf_counter() - t0:.1f} s)")
    print(f"# whole benchmark: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
