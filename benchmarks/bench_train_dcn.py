"""The Deep Connectomics Networks comparison on real MNIST (Roberts et al. 2019).

C. elegans (Varshney, random-order DAG) vs a Watts-Strogatz graph of the same size and
about the same number of edges vs the no-graph baseline (stem + classifier), each
trainable and frozen (DAG stage fixed at init), several seeds, on the MNIST test set in
``/work/shared/data/mnist-t10k`` split 8,000 / 2,000 (seeded, same split for every run).
A small CPU budget (few channels, one or two epochs): the comparison, not the record.

    .venv/bin/python benchmarks/bench_train_dcn.py [--seeds 3] [--epochs 1] [--channels 8]
"""

from __future__ import annotations

import argparse
import statistics
import time

import igraph as ig


def ws_graph(n: int, m: int, seed: int) -> ig.Graph:
    """Watts-Strogatz ring with n nodes, about m edges, rewiring probability 0.1."""
    import random

    random.seed(seed)   # igraph's generators use Python's random module
    g = ig.Graph.Watts_Strogatz(dim=1, size=n, nei=max(1, round(m / n)), p=0.1)
    g.simplify()
    g.vs["name"] = [f"ws{i}" for i in range(n)]
    g.vs["cell_class"] = ["unknown"] * n
    g["source"] = f"ws(n={n}, nei={max(1, round(m / n))}, p=0.1, seed={seed})"
    return g


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="/work/shared/data/mnist-t10k")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--max-train", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    from topocli.graphs import GraphView, load_graph
    from topocli.training import TrainConfig, train_graph

    celegans = load_graph("celegans-varshney2011", GraphView(directed=False))
    ws = ws_graph(celegans.vcount(), celegans.ecount(), seed=0)
    base = TrainConfig(dataset="mnist", data_dir=args.data_dir, epochs=args.epochs, lr=0.01,
                       channels=args.channels, threads=args.threads,
                       max_train=args.max_train, checkpoint=False)
    arms = [("C. elegans", celegans, False), ("C. elegans", celegans, True),
            ("WS", ws, False), ("WS", ws, True), ("no graph", None, False)]
    print(f"# MNIST t10k 8,000/2,000 split (val 10% of train), C={args.channels}, "
          f"epochs={args.epochs}, Adam lr 0.01 cosine, batch 64, threads={args.threads}, "
          f"random-order DAG; WS: {ws['source']}, {ws.ecount()} edges; C. elegans "
          f"undirected {celegans.ecount()} edges")
    print("| graph | DAG weights | seed | test acc | params | MACs | train s |")
    print("|---|---|---|---|---|---|---|")
    summary = {}
    t_all = time.perf_counter()
    for name, graph, frozen in arms:
        accs = []
        for seed in range(args.seeds):
            r = train_graph(graph, base.replace(seed=seed, frozen=frozen,
                                                no_graph=graph is None))
            accs.append(r["test_acc"])
            print(f"| {name} | {'frozen' if frozen else 'trained'} | {seed} | "
                  f"{r['test_acc']:.4f} | {r['params']:,} | {r['macs']:,} | "
                  f"{r['wall_time_s']:.0f} |", flush=True)
        summary[(name, frozen)] = accs
    print(f"\n# total {time.perf_counter() - t_all:.0f} s\n")
    print("| graph | DAG weights | test acc mean ± sd (n) |")
    print("|---|---|---|")
    for (name, frozen), accs in summary.items():
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f"| {name} | {'frozen' if frozen else 'trained'} | "
              f"{statistics.mean(accs):.4f} ± {sd:.4f} ({len(accs)}) |")


if __name__ == "__main__":
    main()
