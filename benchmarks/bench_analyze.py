"""Benchmarks for topocli.metrics on the bundled Varshney graph (one run, printed tables).

1. sigma / omega against networkx.sigma / networkx.omega at the same niter and nrand, per
   null sample (networkx at its defaults takes hours, so both run at small settings).
2. A full ``analyze`` of the default view (directed, both layers) with 1000 degree nulls
   (in/out-degree and mutual pairs kept), motifs included, jobs=2; prints the fidelity
   table and how many statistics enter Holm's correction (K) against the nulls needed
   for any of them to pass it (N >= 40 K - 1).

Usage: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_analyze.py [--nulls 1000]
"""

from __future__ import annotations

import argparse
import os
import time

import networkx as nx

from topocli.analysis import analyze
from topocli.graphs import GraphView, load_graph
from topocli.metrics import nulls_for_holm, small_world


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def bench_small_world(niter: int, nrand: int) -> None:
    g = load_graph("celegans-varshney2011", GraphView(directed=False))
    G = nx.Graph(g.get_edgelist())
    print(f"\n## sigma / omega, Varshney undirected ({g.vcount()} nodes, {g.ecount()} edges), "
          f"niter={niter}, nrand={nrand}")
    t = time.perf_counter()
    s_nx = nx.sigma(G, niter=niter, nrand=nrand, seed=0)
    t_sigma_nx = time.perf_counter() - t
    t = time.perf_counter()
    o_nx = nx.omega(G, niter=niter, nrand=nrand, seed=0)
    t_omega_nx = time.perf_counter() - t
    # networkx keeps its references connected; so do we (connected=True).
    t = time.perf_counter()
    ours = small_world(g, nrand=nrand, nlattice=0, swaps_per_edge=niter, connected=True, seed=0)
    t_sigma = time.perf_counter() - t
    t = time.perf_counter()
    ours = small_world(g, nrand=nrand, nlattice=nrand, swaps_per_edge=niter, connected=True,
                       seed=0)
    t_omega = time.perf_counter() - t
    rows = [("index", "networkx value", "networkx s", "topocli value", "topocli s", "ratio")]
    rows.append(("sigma", f"{s_nx:.3f}", f"{t_sigma_nx:.2f}", f"{ours['sigma']:.3f}",
                 f"{t_sigma:.4f}", f"{t_sigma_nx / t_sigma:.0f}x"))
    rows.append(("sigma+omega (omega run)", f"{o_nx:.3f}", f"{t_omega_nx:.2f}",
                 f"{ours['omega']:.3f}", f"{t_omega:.4f}", f"{t_omega_nx / t_omega:.0f}x"))
    table(rows)
    print(f"per null sample: networkx sigma {t_sigma_nx / nrand:.2f} s, omega "
          f"{t_omega_nx / nrand:.2f} s; topocli {t_sigma / nrand * 1000:.1f} ms, "
          f"{t_omega / nrand * 1000:.1f} ms")


def bench_full(nulls: int, jobs: int) -> None:
    g = load_graph("celegans-varshney2011")
    print(f"\n## full analyze, Varshney default view ({g.vcount()} nodes, {g.ecount()} arcs), "
          f"{nulls} degree nulls + 20 lattice nulls, motifs (3-node directed, 4-node), "
          f"jobs={jobs}")
    phases = {}
    t0 = time.perf_counter()

    def progress(phase, done, total):
        if done == total:
            phases[phase] = time.perf_counter() - t0

    a = analyze(g, nulls=nulls, seed=0, jobs=jobs, progress=progress)
    total = time.perf_counter() - t0
    rows = [("phase", "ends at s")] + [(k, f"{v:.1f}") for k, v in phases.items()]
    rows.append(("total", f"{total:.1f}"))
    table(rows)
    print(f"target ~60 s on 2 cores: {total:.0f} s ({total / 60:.2f}x the target); "
          f"load average after: {os.getloadavg()[0]:.1f}")
    m = a.metrics.set_index("statistic")
    print(m.loc[["sigma", "omega", "propensity", "modularity", "transitivity", "reciprocity",
                 "m_undirected"], ["value", "null_mean", "null_sd", "z", "p", "p_normal"]]
          .to_string())
    tested = int((m["p"].notna() & (m["null_sd"] > 0)).sum())
    print(f"statistics in Holm's family K = {tested}; nulls needed N >= 40K - 1 = "
          f"{nulls_for_holm(tested)}; drawn {nulls}")
    print(a.fidelity[["family", "quantity", "promised", "real", "null_mean", "null_min",
                      "null_max", "held"]].to_string(index=False))
    print(a.motifs.set_index("motif").loc[["030T"], ["count", "null_mean", "null_sd", "z"]]
          .to_string())


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nulls", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--niter", type=int, default=1)
    ap.add_argument("--nrand", type=int, default=1)
    ap.add_argument("--skip-full", action="store_true")
    ap.add_argument("--skip-networkx", action="store_true",
                    help="Only the full analyze (networkx takes ~8 minutes).")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    if not args.skip_networkx:
        bench_small_world(args.niter, args.nrand)
    if not args.skip_full:
        bench_full(args.nulls, args.jobs)
