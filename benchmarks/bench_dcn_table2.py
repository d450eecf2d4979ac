"""Deep Connectomics Networks Table 2 (Roberts et al. 2019) replicated on real MNIST.

Arms, each with ``--preset dcn`` (stem conv stride 2, one DAG stage at the stem's
resolution, Adam 1e-3 without weight decay, batch 32, half-period cosine, random-order
DAG) under both heads (``flatten``: the paper's "conv block and a fully connected layer";
``randwire``: the authors' code, Xie et al.'s 1x1 conv to 1,280 channels):

- no graph (stem + head: the baseline);
- WS(32, 4, 0.75) frozen / trained (a new connected WS graph per seed, ring order, as the
  authors' code's ``connected_watts_strogatz_graph(32, 4, 0.75)``);
- mouse visual cortex frozen / trained (``mouse-v1-bock2011``, undirected, all 195 cells);
- C. elegans frozen / trained (``celegans-white1986``, chemical, undirected, all cells and
  components: 303 nodes / 2,146 edges, the bundled graph nearest DCN's 297-node worm);
- size-matched random arms (issue 23): for each connectome, an Erdős-Rényi graph with its
  n and m (``celegans-er``, ``mouse-er``) and a degree-preserving rewiring of it
  (``celegans-degree``, ``mouse-degree``), frozen / trained, a new draw per seed, so
  "connectome vs random wiring of the same size" is answered in the paper's protocol.

Data: the MNIST test set in ``../shared/data/mnist-t10k`` split 8,000 / 2,000 (seeded,
the same for every run; 10% of the 8,000 for validation). Paired seeds: seed ``s`` fixes
the initialisation, the data order, the DAG order and the WS draw of every arm, so arms
differ only in what the arm changes.

Resumable: one folder per run under ``OUT/runs/<head>/<arm>/seed<s>/`` (config.json,
per-epoch checkpoint.pt, result.json); finished runs are skipped, an interrupted one
continues from its last epoch. Runs go head by head (the paper's flatten reading first)
and within a head seed by seed (every arm of seed 0, then seed 1, ...), so a partial
table is balanced and the first head gets its intervals early. After each run
``OUT/runs.csv`` (one row per finished run folder) is rewritten. The table:
``benchmarks/analyze_dcn_table2.py OUT``.

    nice -n 5 .venv/bin/python benchmarks/bench_dcn_table2.py --out benchmarks/dcn-table2 \
        --seeds 5 --epochs 2 --channels 8
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-t10k"
ARMS = ("no-graph", "ws-frozen", "ws-trained", "mouse-frozen", "mouse-trained",
        "celegans-frozen", "celegans-trained",
        "celegans-er-frozen", "celegans-er-trained", "celegans-degree-frozen",
        "celegans-degree-trained", "mouse-er-frozen", "mouse-er-trained",
        "mouse-degree-frozen", "mouse-degree-trained")
HEADS = ("flatten", "randwire")
FIELDS = ("head", "arm", "graph", "frozen", "seed", "test_acc", "val_acc", "test_loss",
          "params", "trainable_params", "macs", "dag_nodes", "dag_edges", "dag_depth",
          "epochs", "channels", "wall_time_s", "threads")


def arm_graph(arm: str, seed: int):
    """The graph of ``arm`` for ``seed`` (None for the baseline)."""
    from topocli.graphs import GraphView, load_graph
    from topocli.nullmodels import generate
    from topocli.nullmodels.smallworld import ring_watts_strogatz

    parts = arm.split("-")
    kind = parts[0]
    if kind == "no":
        return None
    if kind == "ws":
        return ring_watts_strogatz(32, 4, 0.75, seed=seed)
    if kind == "mouse":
        real = load_graph("mouse-v1-bock2011", GraphView(directed=False,
                                                         largest_component=False,
                                                         keep_isolated=True))
    else:
        real = load_graph("celegans-white1986", GraphView(layer="chemical", directed=False,
                                                          neurons_only=False,
                                                          largest_component=False))
    if len(parts) == 3:   # a size-matched random arm: the same n and m, drawn per seed
        return generate(real, parts[1], seed=seed)
    return real


def run_one(out: Path, head: str, arm: str, seed: int, args) -> None:
    """Train one run unless finished (an interrupted one resumes from its checkpoint)."""
    from topocli.training import train_graph
    from topocli.training.config import config_from_preset

    folder = out / "runs" / head / arm / f"seed{seed}"
    done = folder / "result.json"
    if not done.exists():
        config = config_from_preset(
            "dcn", head=head, channels=args.channels, epochs=args.epochs, dataset="mnist",
            data_dir=str(args.data_dir), threads=args.threads, seed=seed,
            frozen=arm.endswith("frozen"), no_graph=arm == "no-graph",
            max_train=args.max_train)
        t0 = time.perf_counter()
        train_graph(arm_graph(arm, seed), config, out_dir=folder)
        print(f"{head:8} {arm:17} seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)


def row_of(head: str, arm: str, seed: int, r: dict) -> dict:
    dag = r["dag"] or {}
    return {"head": head, "arm": arm, "graph": (r["graph"] or {}).get("source") or "",
            "frozen": r["config"]["frozen"], "seed": seed, "test_acc": r["test_acc"],
            "val_acc": r["val_acc"], "test_loss": r["test_loss"], "params": r["params"],
            "trainable_params": r["trainable_params"], "macs": r["macs"],
            "dag_nodes": dag.get("n_nodes", 0), "dag_edges": dag.get("edges_kept", 0),
            "dag_depth": dag.get("depth", 0), "epochs": r["epochs_run"],
            "channels": r["config"]["channels"], "wall_time_s": round(r["wall_time_s"], 1),
            "threads": r["threads"]}


def record_invocation(ap, out: Path, args, heads: list, arms: list) -> None:
    """Write ``out/bench.json``: the protocol, and every head and arm the folder holds runs
    of (earlier invocations' and this one's), so a run of a few arms does not hide the
    rest. A folder trained under another protocol is refused."""
    from topocli.fileio import write_text_atomic

    path = out / "bench.json"
    protocol = {"command": "benchmarks/bench_dcn_table2.py", "epochs": args.epochs,
                "channels": args.channels, "threads": args.threads,
                "max_train": args.max_train, "preset": "dcn"}
    old = json.loads(path.read_text()) if path.exists() else {}
    clash = [f"{k} {old[k]} there, {v} here" for k, v in protocol.items()
             if k in old and old[k] != v]
    if clash:
        ap.error(f"{out} holds runs of another protocol ({'; '.join(clash)}): pass another "
                 "--out or the same options")
    held = {(d.parts[-2], d.parts[-1]) for d in (out / "runs").glob("*/*") if d.is_dir()}
    held |= {(h, a) for h in heads for a in arms}
    write_text_atomic(path, json.dumps(
        {**protocol, "seeds": max(args.seeds, old.get("seeds", 0)),
         "heads": [h for h in HEADS if h in {x for x, _ in held}],
         "arms": [a for a in ARMS if a in {y for _, y in held}],
         "data_dir": str(args.data_dir)}, indent=2))


def write_table(out: Path) -> None:
    """Rewrite ``out/runs.csv`` from every finished run folder under ``out/runs``."""
    from topocli.fileio import write_text_atomic

    rows = []
    for done in sorted((out / "runs").glob("*/*/seed*/result.json")):
        head, arm, seed = done.parts[-4], done.parts[-3], int(done.parts[-2][4:])
        if head in HEADS and arm in ARMS:
            rows.append(row_of(head, arm, seed, json.loads(done.read_text())))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["head"], ARMS.index(r["arm"]),
                                                 r["seed"])))
    write_text_atomic(out / "runs.csv", text.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/dcn-table2"))
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-train", type=int, default=None)
    ap.add_argument("--heads", default=",".join(HEADS))
    ap.add_argument("--arms", default=",".join(ARMS))
    args = ap.parse_args()
    heads, arms = args.heads.split(","), args.arms.split(",")
    for name, allowed, given in (("--heads", HEADS, heads), ("--arms", ARMS, arms)):
        if set(given) - set(allowed):
            ap.error(f"{name}: choose from {', '.join(allowed)}")
    args.out.mkdir(parents=True, exist_ok=True)
    record_invocation(ap, args.out, args, heads, arms)
    for head in heads:
        for seed in range(args.seeds):
            for arm in arms:
                run_one(args.out, head, arm, seed, args)
                write_table(args.out)
    print(f"done: {len(heads) * len(arms) * args.seeds} runs in {args.out / 'runs.csv'}")


if __name__ == "__main__":
    main()
