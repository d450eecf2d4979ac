"""The default budget: the bundled Varshney graph on scikit-learn digits.

Target: >= 95% test accuracy in about a minute on 2 cores with ``TrainConfig()``'s
defaults (random-order DAG, C=16, 10 epochs, batch 64, Adam lr 0.005 cosine, weight
decay 5e-5). Prints the default run and, for comparison, the no-graph baseline.

    .venv/bin/python benchmarks/bench_train_digits.py [--threads 1] [--seeds 1]
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=1)
    args = ap.parse_args()

    from topocli.graphs import load_graph
    from topocli.training import TrainConfig, train_graph

    graph = load_graph("celegans-varshney2011")
    print("| model | seed | test acc | val acc | params | MACs | train s | total s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, g in (("Varshney, defaults", graph), ("no graph, defaults", None)):
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            r = train_graph(g, TrainConfig(seed=seed, threads=args.threads))
            print(f"| {name} | {seed} | {r['test_acc']:.4f} | {r['val_acc']:.4f} | "
                  f"{r['params']:,} | {r['macs']:,} | {r['wall_time_s']:.1f} | "
                  f"{time.perf_counter() - t0:.1f} |", flush=True)


if __name__ == "__main__":
    main()
