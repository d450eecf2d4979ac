"""White 1986 checks against the literature (one run, printed tables).

1. Milo et al. 2002 feed-forward loop: chemical synapses, all cells, all components, at
   >= 5 synapses (their threshold) and with every synapse kept, against in/out-degree-
   preserving nulls.
2. Watts & Strogatz 1998 L and C beside the bundled White 1986 graph's.

Usage: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_white1986.py [--nulls 500]
"""

from __future__ import annotations

import argparse

from topocli.analysis import analyze, graph_statistics
from topocli.graphs import GraphView, load_graph


def main(nulls: int) -> None:
    print(f"## FFL (030T) in White 1986 chemical, {nulls} degree-preserving nulls, seed 0")
    print("threshold      nodes  edges  FFL  null mean ± sd   z      p")
    print("Milo 2002      252    509    125  90 ± 10          3.7    -")
    for label, ms in ((">= 5 synapses", 5), ("every synapse", 1)):
        view = GraphView(layer="chemical", neurons_only=False, largest_component=False,
                         min_synapses=ms)
        g = load_graph("celegans-white1986", view)
        a = analyze(g, nulls=nulls, seed=0, lattice_nulls=0)
        f = a.motifs.set_index("motif").loc["030T"]
        print(f"{label:<14} {g.vcount():<6} {g.ecount():<6} {int(f['count']):<4} "
              f"{f['null_mean']:.1f} ± {f['null_sd']:.1f}  {f['z']:.2f}  {f['p']:.3f}")
    print("\n## Watts & Strogatz 1998 vs bundled White 1986 (undirected, chemical + gap "
          "junctions, neurons, largest component)")
    g = load_graph("celegans-white1986", GraphView(directed=False))
    s = graph_statistics(g)
    a = analyze(g, nulls=100, seed=0, motifs_on=False, lattice_nulls=0)
    m = a.metrics.set_index("statistic")
    print("source                 n    m     L      C      L_random  C_random")
    print("Watts & Strogatz 1998  282  1974  2.65   0.28   2.25      0.05")
    print(f"White 1986 (bundled)   {g.vcount()}  {g.ecount()}  {s['path_length']:.2f}   "
          f"{s['clustering_avg_zero']:.2f}   {m.loc['path_length', 'null_mean']:.2f}"
          f"      {m.loc['clustering_avg_zero', 'null_mean']:.2f}")
    print(f"(C = clustering_avg_zero; clustering_avg_nan {s['clustering_avg_nan']:.3f}, "
          f"transitivity {s['transitivity']:.3f}; random = mean of 100 degree-preserving "
          "nulls)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nulls", type=int, default=500)
    main(ap.parse_args().nulls)
