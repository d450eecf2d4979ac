"""SBM null at scale: the block-pair draw against the old n x n Bernoulli matrix.

Baseline: the previous implementation (``rng.random((n, n)) < p[block_u, block_v]``),
run where it still fits (10,000 nodes); the new draw is run there and on the 100,000-node
/ 1,000,000-arc scale graph (budget 8 GiB), where the matrix would need ~n^2 * 17 bytes.
Peak memory is numpy's traced allocations (tracemalloc) during the draw, plus the peak
RSS of the whole process at the end.

Usage: nice OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sbm_scale.py
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc

import igraph as ig
import numpy as np

from topocli.nullmodels import block_densities, generate
from topocli.seeding import igraph_rng


def scale_graph(n: int, m: int) -> ig.Graph:
    with igraph_rng(0):
        g = ig.Graph.Erdos_Renyi(n=n, m=m, directed=True)
    classes = np.array(["sensory", "interneuron", "motor"])
    g.vs["cell_class"] = classes[np.random.default_rng(0).integers(0, 3, n)].tolist()
    return g


def dense_reference(graph: ig.Graph, seed: int) -> int:
    """The old draw: an n x n uniform matrix compared with the block probabilities."""
    names, counts, possible = block_densities(graph)
    prob = np.where(possible > 0, counts / possible, 0.0)
    index = {c: i for i, c in enumerate(names)}
    block = np.array([index[c] for c in graph.vs["cell_class"]])
    pmat = prob[block[:, None], block[None, :]]
    draws = np.random.default_rng(seed).random((graph.vcount(),) * 2) < pmat
    np.fill_diagonal(draws, False)
    return int(draws.sum())


def measure(fn) -> tuple[float, float, object]:
    tracemalloc.start()
    t = time.perf_counter()
    value = fn()
    wall = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    return wall, peak, value


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          "(shared with other jobs)")
    rows = [("graph", "method", "wall (s)", "peak traced (GiB)", "edges drawn")]
    small = scale_graph(10_000, 100_000)
    d_wall, d_peak, d_m = measure(lambda: dense_reference(small, 1))
    rows.append(("10k nodes / 100k arcs", "n x n matrix (old)", f"{d_wall:.2f}",
                 f"{d_peak:.2f}", str(d_m)))
    s_wall, s_peak, s_null = measure(lambda: generate(small, "sbm", seed=1))
    rows.append(("10k nodes / 100k arcs", "block pairs (new)", f"{s_wall:.2f}",
                 f"{s_peak:.3f}", str(s_null.ecount())))
    big = scale_graph(100_000, 1_000_000)
    b_wall, b_peak, b_null = measure(lambda: generate(big, "sbm", seed=1))
    dense_big = 100_000**2 * 17 / 2**30
    rows.append(("100k nodes / 1M arcs", "n x n matrix (old)", "-", f"{dense_big:.0f} (est.)",
                 "does not fit"))
    rows.append(("100k nodes / 1M arcs", "block pairs (new)", f"{b_wall:.2f}", f"{b_peak:.3f}",
                 str(b_null.ecount())))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"10k: memory ratio old/new {d_peak / s_peak:.0f}x, time ratio old/new "
          f"{d_wall / s_wall:.1f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS of the whole process (graphs included): {rss:.2f} GiB; budget 8 GiB: "
          f"{'met' if rss <= 8 else 'NOT met'}")
    _, counts, possible = block_densities(big)
    dens_new = block_densities(b_null)[1] / possible
    worst = np.max(np.abs(dens_new - counts / possible) / (counts / possible))
    print(f"100k: block densities of the draw within {worst:.2%} of the source's")


if __name__ == "__main__":
    main()
