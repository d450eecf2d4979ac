"""Item 8 of issue 11: headline statistics of the default views against degree nulls.

Runs ``analyze`` on the default view of Varshney 2011 and White 1986 with ``--nulls`` degree
nulls and prints, per graph, the value, null mean and z of sigma, omega, modularity,
clustering, path length and the feed-forward loop (030T), plus the null reciprocity and
undirected edge count, as JSON lines. Run it once with the code before the change
(``PYTHONPATH=<old checkout>``) and once after; RESULTS.md holds both tables.

Usage: OMP_NUM_THREADS=1 python benchmarks/bench_nulls_before_after.py [--nulls 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from topocli.graphs import load_graph

try:
    from topocli.analysis import analyze
except ImportError:  # the code before issue 11 (run with PYTHONPATH at 6dce08e)
    from topocli.metrics.analyze import analyze

STATISTICS = ("sigma", "omega", "modularity", "clustering_avg_zero", "transitivity",
              "path_length", "path_length_undirected", "reciprocity")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nulls", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    for name in ("celegans-varshney2011", "celegans-white1986"):
        g = load_graph(name)
        t0 = time.perf_counter()
        a = analyze(g, nulls=args.nulls, seed=0, jobs=args.jobs)
        seconds = time.perf_counter() - t0
        m = a.metrics.set_index("statistic")
        row = {"label": args.label, "graph": name, "n": g.vcount(), "arcs": g.ecount(),
               "directed": g.is_directed(), "nulls": args.nulls, "seconds": round(seconds, 1),
               "load_average": round(os.getloadavg()[0], 1)}
        for s in STATISTICS:
            if s in m.index:
                row[s] = {k: float(m.loc[s, k]) for k in ("value", "null_mean", "z")}
        mot = a.motifs.set_index("motif") if len(a.motifs) else None
        if mot is not None and "030T" in mot.index:
            row["FFL_030T"] = {k: float(mot.loc["030T", k])
                               for k in ("count", "null_mean", "z")}
        und = np.array([len({tuple(sorted(e)) for e in h}) for h in _null_edges(a)]) \
            if hasattr(a, "null_graphs") else None
        if und is not None:
            row["null_undirected_m"] = [int(und.min()), int(und.max())]
        print(json.dumps(row), flush=True)


def _null_edges(a):
    return [h.get_edgelist() for h in a.null_graphs]


if __name__ == "__main__":
    main()
