"""The Deep Connectomics Networks comparison on real MNIST (Roberts et al. 2019).

C. elegans (Varshney, undirected view, random-order DAG) vs a matched Watts-Strogatz
graph (``topocli.nullmodels`` ``ws``: same n, k = even number nearest the mean degree,
p = 0.1) vs the no-graph baseline (stem + classifier), each with the DAG stage trained
and frozen (fixed at its initialisation, DCN's frozen variant), several seeds, on the
real MNIST test set in ``../shared/data/mnist-t10k`` split 8,000 / 2,000 (seeded, the same
split for every run; 10% of the 8,000 for validation). A CPU budget: the comparison, not
the record. Runs go to ``--jobs`` processes, one torch thread each.

    .venv/bin/python benchmarks/bench_train_dcn.py [--seeds 3] [--epochs 2] [--channels 8]
        [--head pool|flatten|randwire]

The default ``pool`` head reproduces RESULTS-training.md section 3 (a comparison of that
head, not of DCN's protocol). DCN's own protocol (``--preset dcn``, both of its heads,
WS(32, 4, 0.75), the mouse visual cortex, 5 paired seeds) is ``bench_dcn_table2.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-t10k"


def run_one(arm: str, frozen: bool, seed: int, base: dict) -> dict:
    from topocli.graphs import GraphView, load_graph
    from topocli.nullmodels import generate
    from topocli.training import TrainConfig, train_graph

    config = TrainConfig.from_dict(base).replace(seed=seed, frozen=frozen,
                                                 no_graph=arm == "no graph")
    graph = None
    if arm != "no graph":
        graph = load_graph("celegans-varshney2011", GraphView(directed=False))
        if arm == "WS":
            graph = generate(graph, "ws", seed=0)
    r = train_graph(graph, config)
    return {"arm": arm, "frozen": frozen, "seed": seed, "test_acc": r["test_acc"],
            "params": r["params"], "trainable": r.get("trainable_params", r["params"]),
            "macs": r["macs"], "edges": (r["dag"] or {}).get("edges_kept", 0),
            "wall": r["wall_time_s"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--max-train", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--head", choices=("pool", "flatten", "randwire"), default="pool")
    args = ap.parse_args()

    from joblib import Parallel, delayed

    from topocli.training import TrainConfig

    base = TrainConfig(dataset="mnist", data_dir=args.data_dir, epochs=args.epochs,
                       lr=args.lr, channels=args.channels, threads=1, head=args.head,
                       max_train=args.max_train, checkpoint=False).to_dict()
    arms = [("C. elegans", False), ("C. elegans", True), ("WS", False), ("WS", True),
            ("no graph", False)]
    print(f"# MNIST t10k 8,000/2,000 split (val 10% of train), C={args.channels}, "
          f"epochs={args.epochs}, {args.head} head, Adam lr {args.lr} cosine, batch 64, "
          "1 thread per run, "
          f"{args.jobs} runs at a time, random-order DAG; WS = topocli.nullmodels ws "
          "matched to the undirected Varshney graph (seed 0)")
    t0 = time.perf_counter()
    rows = Parallel(n_jobs=args.jobs)(delayed(run_one)(arm, frozen, seed, base)
                                      for arm, frozen in arms for seed in range(args.seeds))
    print("| graph | DAG weights | seed | test acc | params (trainable) | DAG edges | MACs "
          "| train s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['arm']} | {'frozen' if r['frozen'] else 'trained'} | {r['seed']} | "
              f"{r['test_acc']:.4f} | {r['params']:,} ({r['trainable']:,}) | {r['edges']:,} "
              f"| {r['macs']:,} | {r['wall']:.0f} |")
    print(f"\n# total {time.perf_counter() - t0:.0f} s wall\n")
    print("| graph | DAG weights | test acc mean ± sd (n) |")
    print("|---|---|---|")
    for arm, frozen in arms:
        if arm == "no graph" and frozen:
            continue
        accs = [r["test_acc"] for r in rows if r["arm"] == arm and r["frozen"] == frozen]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f"| {arm} | {'frozen' if frozen else ('trained' if arm != 'no graph' else '-')}"
              f" | {statistics.mean(accs):.4f} ± {sd:.4f} ({len(accs)}) |")


if __name__ == "__main__":
    main()
