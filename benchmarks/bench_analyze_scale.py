"""Scale: a synthetic 100,000-node, 1,000,000-arc directed graph through ``analyze``
(values only, no nulls). Budget: 10 minutes and 8 GiB; prints time and peak memory.

Usage: nice OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_analyze_scale.py
"""

from __future__ import annotations

import os
import random
import resource
import time

import igraph as ig
import numpy as np

from topocli.analysis import analyze


def main(n: int = 100_000, m: int = 1_000_000) -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    ig.set_random_number_generator(random.Random(0))
    g = ig.Graph.Erdos_Renyi(n=n, m=m, directed=True)
    ig.set_random_number_generator(random)
    classes = np.array(["sensory", "interneuron", "motor"])
    g.vs["cell_class"] = classes[np.random.default_rng(0).integers(0, 3, n)].tolist()
    g["source"] = "synthetic-er-100k"
    t = time.perf_counter()
    a = analyze(g, nulls=0, lattice_nulls=0, seed=0)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    rows = [("what", "budget", "measured", "within")]
    rows.append(("wall time (s)", "600", f"{wall:.0f}", "yes" if wall <= 600 else "NO"))
    rows.append(("peak RSS (GiB)", "8", f"{peak:.2f}", "yes" if peak <= 8 else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    m_df = a.metrics.set_index("statistic")
    keys = ["n", "m", "mean_degree", "reciprocity", "path_length", "global_efficiency",
            "diameter", "clustering_avg_zero", "transitivity", "clustering_directed",
            "modularity", "n_communities", "class_assortativity", "degree_assortativity"]
    print(m_df.loc[keys, ["value", "note"]].to_string())
    print("motif rows:", len(a.motifs), "(3-node directed)" if len(a.motifs) else "")
    for key, reason in a.config["skipped"].items():
        print(f"{key}: {reason}")


if __name__ == "__main__":
    main()
