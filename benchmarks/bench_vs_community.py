"""topocli's DAG stage against two community RandWire implementations, on the same DAG.

Issue 23, item 3 keeps this comparison in ``benchmarks/RESULTS.md``: one SGD step of a
single stage (forward, backward, update), input ``(64, 32, 28, 28)``, input nodes at
stride 2 (the stage runs at 14 x 14), C = 32, one thread, on the Varshney connectome's
random-order DAG (279 nodes, 2,287 edges, seed 0), against:

- ``JiaminRen/RandWireNN`` (``model.py``: ``StageBlock``; every node's output kept in a
  dict until the stage ends; sigmoid edge weights summed one by one),
- ``seungwonpark/RandWireNN`` (``model/dag_layer.py``: ``DAGLayer``; a node's inputs
  stacked and weighted by one matmul, a queue over the DAG).

Their code is not part of topocli: pass each repository's folder (a clone) or git
directory, and this script reads the needed files from it into a temporary folder at run
time and builds their stage on topocli's DAG (node ``i`` of topocli's topological
numbering is their node ``i``; their input and output nodes are then exactly the DAG's).
Every node computes the same thing in all three (weighted sum of inputs, ReLU, 3x3
depthwise conv, 1x1 conv, BN), so the step costs are comparable.

Each implementation runs in its own child process (peak RSS is its own), the three
alternating for ``--rounds`` rounds; a child reports the median of ``--steps`` steps after
``--warmup``, wall and CPU seconds, its peak RSS and the step memory (the high-water mark
during the steps above the resident set before them, as ``bench_train_fused.py``).

    git clone https://github.com/JiaminRen/RandWireNN jiaminren
    git clone https://github.com/seungwonpark/RandWireNN seungwonpark
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_vs_community.py \\
        --jiaminren jiaminren --seungwonpark seungwonpark [--rounds 2 --steps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_train_fused import _proc_status_mb

#: implementation -> the files of its repository the stage needs
FILES = {"jiaminren": ("model.py", "utils.py"),
         "seungwonpark": ("model/dag_layer.py", "model/node.py", "model/sep_conv.py")}
IMPLEMENTATIONS = ("topocli", "jiaminren", "seungwonpark")


def materialize(source: Path, files: tuple[str, ...], dest: Path) -> None:
    """Copy ``files`` from a clone (a folder holding them) or a git directory into
    ``dest``, keeping their relative paths."""
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_file():
            shutil.copyfile(source / name, target)
            continue
        shown = subprocess.run(["git", "--git-dir", str(source), "show", f"HEAD:{name}"],
                               capture_output=True, text=True)
        if shown.returncode:
            sys.exit(f"{source} has no {name} (neither a file there nor in its git HEAD); "
                     f"pass the repository's clone or its .git directory")
        target.write_text(shown.stdout)


def build_stage(name: str, dag, channels: int, source: Path | None):
    """The stage of implementation ``name`` on ``dag`` (input nodes at stride 2)."""
    if name == "topocli":
        from topocli.training.stage import DagStage

        return DagStage(dag, channels, stride=2, in_channels=channels)
    folder = Path(tempfile.mkdtemp(prefix=f"community-{name}-"))
    materialize(source, FILES[name], folder)
    sys.path.insert(0, str(folder))
    edges = [(int(u), int(v)) for u, v in dag.edges]
    if name == "jiaminren":
        import networkx as nx
        from model import StageBlock  # their model.py

        graph = nx.Graph()
        graph.add_nodes_from(range(dag.n))
        graph.add_edges_from(edges)
        return StageBlock(graph, channels, channels)
    (folder / "model" / "__init__.py").write_text("")
    from model.dag_layer import DAGLayer  # their model/dag_layer.py

    return DAGLayer(channels, channels, dag.n, edges)


def child(args) -> None:
    import resource

    import torch

    from topocli.graphs import load_graph
    from topocli.training.dag import build_dag

    torch.set_num_threads(1)
    dag = build_dag(load_graph("celegans-varshney2011"), "random-order", seed=0)
    source = Path(args.source) if args.source else None
    torch.manual_seed(0)
    stage = build_stage(args.impl, dag, args.channels, source)
    x = torch.randn(args.batch, args.channels, args.side, args.side)
    opt = torch.optim.SGD(stage.parameters(), lr=0.01)
    grad = torch.randn_like(stage(x[:2])[:1]).expand(args.batch, -1, -1, -1)
    opt.zero_grad(set_to_none=True)
    rest_mb = _proc_status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    times, cpu_times = [], []
    for _ in range(args.warmup + args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        (stage(x) * grad).mean().backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    print(json.dumps({"step_s": statistics.median(times[args.warmup:]),
                      "cpu_s": statistics.median(cpu_times[args.warmup:]),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "step_mb": _proc_status_mb("VmHWM") - rest_mb,
                      "nodes": dag.n, "edges": len(dag.edges)}))


def run_child(args, impl: str) -> dict:
    source = {"jiaminren": args.jiaminren, "seungwonpark": args.seungwonpark}.get(impl, "")
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--impl", impl, "--source", str(source or ""),
         "--batch", str(args.batch), "--channels", str(args.channels), "--side",
         str(args.side), "--steps", str(args.steps), "--warmup", str(args.warmup)],
        capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if out.returncode:
        sys.exit(f"{impl} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jiaminren", type=Path, help="JiaminRen/RandWireNN: clone or git dir")
    ap.add_argument("--seungwonpark", type=Path,
                    help="seungwonpark/RandWireNN: clone or git dir")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--side", type=int, default=28)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--impl", default="topocli", help=argparse.SUPPRESS)
    ap.add_argument("--source", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    impls = [i for i in IMPLEMENTATIONS if i == "topocli" or getattr(args, i) is not None]
    print(f"# one stage, input ({args.batch}, {args.channels}, {args.side}, {args.side}), "
          f"input nodes at stride 2, C = {args.channels}, one thread, SGD step; median of "
          f"{args.steps} steps after {args.warmup} warm-up per child, {args.rounds} rounds "
          f"alternating; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} at "
          "start")
    results: dict[str, list[dict]] = {impl: [] for impl in impls}
    for _ in range(args.rounds):
        for impl in impls:
            results[impl].append(run_child(args, impl))
    first = results["topocli"][0]
    print(f"# DAG: Varshney random-order, {first['nodes']} nodes, {first['edges']} edges; "
          f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} at end")
    print("| implementation | wall s/step per round | median wall s | median CPU s | "
          "peak RSS MB | step memory MB | topocli's speed-up (CPU) | memory vs topocli |")
    print("|---|---|---|---|---|---|---|---|")
    ours_cpu = statistics.median(r["cpu_s"] for r in results["topocli"])
    ours_mb = max(r["peak_mb"] for r in results["topocli"])
    for impl in impls:
        rows = results[impl]
        cpu = statistics.median(r["cpu_s"] for r in rows)
        peak = max(r["peak_mb"] for r in rows)
        steps = [r["step_s"] for r in rows]
        print(f"| {impl} | {', '.join(f'{s:.2f}' for s in steps)} | "
              f"{statistics.median(steps):.2f} | {cpu:.2f} | {peak:.0f} | "
              f"{max(r['step_mb'] for r in rows):.0f} | {cpu / ours_cpu:.2f}x | "
              f"{peak / ours_mb:.2f}x |")


if __name__ == "__main__":
    main()
