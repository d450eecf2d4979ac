"""How much of the clustering x path-length plane each generator reaches at fixed n and m.

The issue-13 question: at the connectome's own n and m, Watts-Strogatz has only its
rewiring probability left and traces a curve; ``landscape`` (ring lattice rewired with
probability p, then degree-preserving swaps toward a target transitivity) should cover an
area around the connectome. For each generator, graphs are drawn on a parameter grid
(3 seeds per point) for Varshney's undirected view (279 nodes, 2287 edges); the table
gives the ranges of average clustering C (degree<2 as 0) and mean path length L, the
area of the convex hull of the (C, L) points, the share of a 10 x 10 grid of cells over
the box C in [0, 0.7], L in [2, 6] that holds at least one graph, and whether the
connectome's own (C, L) lies inside the hull. ``start=source`` starts from the
connectome's own edges (its degree sequence kept), p = share of edges randomised.

    python benchmarks/landscape_area.py
"""

from __future__ import annotations

import time

import numpy as np
from matplotlib.path import Path as MplPath
from scipy.spatial import ConvexHull

from topocli.graphs import load_graph, undirected_view
from topocli.nullmodels import generate
from topocli.nullmodels.landscape import plane_area

P_VALUES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
TRANSITIVITY = (None, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
SEEDS = (0, 1, 2)
BOX = ((0.0, 0.7), (2.0, 6.0))


def measure(graph, model: str, params: dict, seed: int) -> tuple[float, float, int]:
    g = generate(graph, model, seed=seed, **params)
    return (g.transitivity_avglocal_undirected(mode="zero"), g.average_path_length(),
            g.ecount())


def cells_covered(points: np.ndarray, bins: int = 10) -> float:
    (c0, c1), (l0, l1) = BOX
    inside = points[(points[:, 0] >= c0) & (points[:, 0] <= c1) & (points[:, 1] >= l0)
                    & (points[:, 1] <= l1)]
    hist, _, _ = np.histogram2d(inside[:, 0], inside[:, 1], bins=bins,
                                range=[[c0, c1], [l0, l1]])
    return float((hist > 0).mean())


def main() -> None:
    real = undirected_view(load_graph("celegans-varshney2011"))
    here = (real.transitivity_avglocal_undirected(mode="zero"), real.average_path_length())
    designs = {
        "ws (p grid)": [("ws", {"p": p}) for p in P_VALUES],
        "landscape (p x transitivity)": [("landscape", {"p": p, "transitivity": t})
                                         for p in P_VALUES for t in TRANSITIVITY],
        "landscape start=source": [("landscape", {"p": p, "transitivity": t,
                                                  "start": "source"})
                                   for p in (0.1, 1.0) for t in TRANSITIVITY],
    }
    print(f"Varshney undirected: n={real.vcount()} m={real.ecount()} "
          f"C={here[0]:.3f} L={here[1]:.3f}")
    print(f"{'generator':<30} {'graphs':>6} {'m':>11} {'C range':>13} {'L range':>13} "
          f"{'hull area':>9} {'cells':>6} {'real inside':>11} {'s/graph':>7}")
    clouds = {}
    for name, points in designs.items():
        start = time.perf_counter()
        rows = [measure(real, model, params, s) for model, params in points for s in SEEDS]
        seconds = (time.perf_counter() - start) / len(rows)
        clouds[name] = np.array([(c, L) for c, L, _ in rows])
        ms = sorted({m for _, _, m in rows})
        m_text = str(ms[0]) if len(ms) == 1 else f"{ms[0]}-{ms[-1]}"
        report(name, clouds[name], m_text, here, seconds)
    both = np.vstack([clouds[k] for k in clouds if k.startswith("landscape")])
    report("landscape, both starts", both, str(real.ecount()), here, float("nan"))


def report(name: str, pts: np.ndarray, m_text: str, here: tuple, seconds: float) -> None:
    area = plane_area(pts)
    inside = False
    if area > 0:
        hull = ConvexHull(np.unique(pts, axis=0))
        inside = bool(MplPath(hull.points[hull.vertices]).contains_point(here))
    print(f"{name:<30} {len(pts):>6} {m_text:>11} "
          f"{pts[:, 0].min():.3f}-{pts[:, 0].max():.3f} "
          f"{pts[:, 1].min():>5.2f}-{pts[:, 1].max():<5.2f} {area:>9.3f} "
          f"{cells_covered(pts):>6.0%} {str(inside):>11} {seconds:>7.2f}")


if __name__ == "__main__":
    main()
