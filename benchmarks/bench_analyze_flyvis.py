"""Scale on a real connectome: ``analyze`` on the fly visual system expanded over a small,
a medium and the largest (flyvis's own, radius 15: 721 columns) hexagon of columns.

Each expansion is converted from the flyvis wheel (``--flyvis-wheel``, or the installed
flyvis), seen through the default view, then analysed with ``--nulls`` degree nulls
(and ``--lattice-nulls`` lattice nulls, default 0: each is one more constrained
rewiring of the whole graph) in a fresh process so the peak memory is that expansion's own.
Prints one row per expansion: nodes, arcs, the path-length mode (exact, or sampled
sources), what the plan skipped, wall time, peak RSS.

Usage: nice OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_analyze_flyvis.py \
           --flyvis-wheel flyvis-1.2.0-py3-none-any.whl --extents 3 6 15 --nulls 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def one(wheel: str | None, extent: int, nulls: int, lattice_nulls: int) -> dict:
    """Convert and analyse one expansion (run in a child process)."""
    from topocli.analysis import analyze
    from topocli.graphs import load_graph
    from topocli.graphs.fly import flyvis_spec, package_files, raw_from_flyvis

    t0 = time.perf_counter()
    raw = raw_from_flyvis(flyvis_spec(package_files("flyvis", wheel)), extent)
    raw["source"] = f"flyvis-r{extent}"
    graph = load_graph(raw)
    convert = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = analyze(graph, nulls=nulls, lattice_nulls=lattice_nulls, seed=0)
    wall = time.perf_counter() - t1
    metrics = result.metrics.set_index("statistic")
    return {"extent": extent, "nodes": graph.vcount(), "arcs": graph.ecount(),
            "paths": metrics.loc["path_length", "note"], "convert_s": convert,
            "analyze_s": wall, "nulls": nulls, "lattice_nulls": lattice_nulls,
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "skipped": result.config.get("skipped", {})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flyvis-wheel")
    parser.add_argument("--extents", type=int, nargs="+", default=[3, 6, 15])
    parser.add_argument("--nulls", type=int, default=1)
    parser.add_argument("--lattice-nulls", type=int, default=0)
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(one(args.flyvis_wheel, args.child, args.nulls, args.lattice_nulls)))
        return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    rows = []
    for extent in args.extents:
        cmd = [sys.executable, __file__, "--child", str(extent), "--nulls", str(args.nulls),
               "--lattice-nulls", str(args.lattice_nulls)]
        if args.flyvis_wheel:
            cmd += ["--flyvis-wheel", args.flyvis_wheel]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"extent {r['extent']:>2} ({1 + 3 * extent * (extent + 1)} columns): "
              f"{r['nodes']} nodes, {r['arcs']} arcs; convert {r['convert_s']:.1f} s; "
              f"analyze with {r['nulls']} degree and {r['lattice_nulls']} lattice nulls "
              f"{r['analyze_s']:.0f} s; "
              f"peak RSS {r['peak_gib']:.2f} GiB", flush=True)
        print(f"   path length: {r['paths']}")
        for key, reason in r["skipped"].items():
            print(f"   {key}: {reason}")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
