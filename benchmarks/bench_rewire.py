"""Benchmark: degree-preserving rewiring, topocli vs networkx (and igraph), in one run.

Cases: Varshney's default view (directed, both layers, 279 nodes, 2990 arcs, 703 mutual
pairs) with the mutual-pair-preserving swap (``degree``, the default, Milo et al. 2002) and
with the plain in/out swap (``inout``); the chemical layer (directed, 2194 arcs) with the
mutual-pair-preserving swap; and the chemical layer's undirected view. topocli makes
``--count`` nulls with Q=10, i.e. 10 trials per unit (arc, or mutual pair counted once),
through :func:`topocli.nullmodels.degree_preserving_edge_arrays` (the batch API) and
through ``generate_many`` (igraph graphs with attributes). networkx is timed on
``--nx-samples`` nulls and extrapolated per null (it would take many minutes for 1000).
networkx's ``nswap`` counts *accepted* swaps, so it is given the number of swaps topocli
accepted on average (the same amount of rewiring), not the number of trials. networkx has
no mutual-pair-preserving swap; ``directed_edge_swap`` is the named baseline.

topocli's swap chains are compiled with numba: the first call in a process imports numba
and loads the machine code cached on disk (or compiles it, the very first time). That
one-time cost is timed and printed on its own, before the per-null figures, which are
measured warm.

Usage: python benchmarks/bench_rewire.py [--count 1000] [--nx-samples 3]
"""

# ruff: noqa: B023  (each lambda runs inside its own loop iteration)
from __future__ import annotations

import argparse
import os
import platform
import time

import networkx as nx
import numpy as np

from topocli.graphs import GraphView, load_graph
from topocli.nullmodels import degree_preserving_edge_arrays, generate_many


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def nx_per_null(make, samples: int) -> float:
    times = [timed(make)[0] for _ in range(samples)]
    return float(np.mean(times))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--nx-samples", type=int, default=3)
    parser.add_argument("--Q", type=float, default=10)
    args = parser.parse_args()
    count, q = args.count, args.Q
    rows = []
    # One-time cost per process: numba import and the kernels' cached machine code (both
    # dtypes of the second draw: mixed units, and one kind of unit).
    warm_graph = load_graph("celegans-varshney2011", GraphView())
    first_call, _ = timed(lambda: [degree_preserving_edge_arrays(
        warm_graph, 1, seed=0, swaps_per_edge=0.01, keep_mutual=keep, connected=True)
        for keep in (True, False)])

    def add(case, method, seconds_total, nulls, baseline_per_null=None, note=""):
        per = seconds_total / nulls
        rows.append((case, method, per * 1000, per * count, baseline_per_null, note))
        return per

    cases = (("default view, degree (mutual pairs kept)", GraphView(), True, "degree"),
             ("default view, inout (plain swap)", GraphView(), True, "inout"),
             ("chemical, degree (mutual pairs kept)", GraphView(layer="chemical"), True,
              "degree"),
             ("chemical undirected", GraphView(layer="chemical", directed=False), False,
              "degree"))
    for label, view, directed, model in cases:
        g = load_graph("celegans-varshney2011", view)
        units = len({tuple(sorted(e)) for e in g.get_edgelist()}) if model == "degree" \
            else g.ecount()
        m = g.ecount()
        case = f"{label} n={g.vcount()} m={m}"
        t, res = timed(lambda: degree_preserving_edge_arrays(
            g, count, seed=1, swaps_per_edge=q, keep_mutual=model == "degree"))
        accepted = int(res.accepted.mean())
        ours = add(case, "topocli degree_preserving_edge_arrays", t, count,
                   note=f"{int(q * units)} trials, {accepted} accepted (mean)")
        t, _ = timed(lambda: generate_many(g, model, count, seed=1, swaps_per_edge=q))
        add(case, f"topocli generate_many(..., {model!r}) (igraph objects)", t, count)

        def igraph_rewire():
            h = g.copy()
            h.rewire(int(q * m))
        t, _ = timed(lambda: [igraph_rewire() for _ in range(min(count, 200))])
        add(case, "igraph Graph.rewire (C, per graph; no accepted count)", t, min(count, 200))

        nxg = nx.DiGraph(g.get_edgelist()) if directed else nx.Graph(g.get_edgelist())
        rng = np.random.default_rng(0)
        if directed:
            per = nx_per_null(lambda: nx.directed_edge_swap(
                nxg.copy(), nswap=accepted, max_tries=100 * int(q * m),
                seed=int(rng.integers(1 << 30))), args.nx_samples)
            rows.append((case, f"networkx directed_edge_swap (nswap={accepted})", per * 1000,
                         per * count, ours, f"timed on {args.nx_samples}, extrapolated"))
        else:
            per = nx_per_null(lambda: nx.double_edge_swap(
                nxg.copy(), nswap=accepted, max_tries=100 * int(q * m),
                seed=int(rng.integers(1 << 30))), args.nx_samples)
            rows.append((case, f"networkx double_edge_swap (nswap={accepted})", per * 1000,
                         per * count, ours, f"timed on {args.nx_samples}, extrapolated"))
            # Connected variant: networkx random_reference vs topocli connected=True.
            n_conn = max(1, count // 10)
            t, res = timed(lambda: degree_preserving_edge_arrays(
                g, n_conn, seed=2, swaps_per_edge=q, connected=True))
            ours_c = add(case, f"topocli connected=True ({n_conn} nulls)", t, n_conn,
                         note=f"{int(res.accepted.mean())} accepted (mean)")
            # random_reference makes about niter * m accepted swaps, each checked with a
            # max-flow; niter=1 is timed once and scaled linearly to niter = Q.
            per = q * nx_per_null(lambda: nx.random_reference(
                nxg, niter=1, connectivity=True, seed=int(rng.integers(1 << 30))), 1)
            rows.append((case, f"networkx random_reference(connectivity=True), niter={q:g}",
                         per * 1000, per * count, ours_c,
                         "niter=1 timed once, scaled x Q (linear in swaps)"))

    lines = [f"| case | method | ms per null | s per {count} nulls | speed-up of topocli | note |"
             , "|---|---|---:|---:|---:|---|"]
    for case, method, ms, total, base, note in rows:
        ratio = f"{(ms / 1000) / base:.0f}x" if base else ""
        lines.append(f"| {case} | {method} | {ms:.2f} | {total:.1f} | {ratio} | {note} |")
    print("\n".join(lines))
    print(f"\nfirst call in the process (numba import, compiled kernels loaded): "
          f"{first_call:.2f} s, not in the figures above")
    print(f"python {platform.python_version()}, networkx {nx.__version__}, "
          f"{os.cpu_count()} CPUs (shared), load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
