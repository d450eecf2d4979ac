"""The note of every scalar row: the convention it follows and, when NaN, why."""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.analysis.plan import Plan

__all__ = ["SMALL_WORLD", "UNDIRECTED_STATISTICS", "scalar_notes", "undefined_reason"]

#: computed from the ensemble means, after every other scalar
SMALL_WORLD = ("sigma", "omega", "propensity")
#: scalars measured on the undirected view of a directed graph (they depend on its m)
UNDIRECTED_STATISTICS = ("path_length_undirected", "clustering_avg_zero", "clustering_avg_nan",
                         "transitivity", "sigma", "omega", "propensity")


def scalar_notes(graph: ig.Graph, plan: Plan, real: dict, null_model: str, *,
           has_nulls: bool = True, lattice_note: str | None = None) -> dict[str, str]:
    """The note of each scalar row: its convention and, when NaN, why."""
    d = graph.is_directed()
    giant = int(real.get("giant_nodes", 0))
    samp = (f"; estimated from {plan.sources} sampled sources" if plan.sources else "")
    comp = "largest strongly connected component" if d else "largest connected component"
    und = "undirected version" if d else ""
    notes = {
        "density": "no self-loops",
        "mean_degree": "in + out" if d else "",
        "max_degree": "in + out" if d else "",
        "reciprocity": "" if d else "undefined: undirected graph",
        "giant_size": "largest weakly connected component",
        "path_length": (f"mean over ordered pairs of the {comp} ({giant} nodes)"
                        + (", directed paths" if d else "") + samp),
        "global_efficiency": "whole graph, 1/inf = 0" + (", directed paths" if d else "") + samp,
        "diameter": f"{comp}" + ("; lower bound from sampled sources" if plan.sources else ""),
        "path_length_undirected": f"{und or 'graph'}, largest connected component" + samp,
        "clustering_avg_zero": "mean over all nodes, degree<2 count 0 (networkx)"
                               + (f"; {und}" if d else ""),
        "clustering_avg_nan": "mean over degree>=2 nodes only (igraph)" + (f"; {und}" if d else ""),
        "transitivity": "3 x triangles / connected triples" + (f"; {und}" if d else ""),
        "clustering_directed": "Fagiolo 2007, mean over all nodes",
        "modularity": (f"Leiden (igraph), best of {plan.modularity_runs} seeded runs (same "
                       "for nulls)" + ("; directed (Leicht-Newman)" if d else "")
                       + "; unweighted"),
        "n_communities": "of the best Leiden run",
        "class_modularity": "partition by cell_class",
        "class_assortativity": "nominal assortativity by cell_class",
        "homophily_fraction": "fraction of edges within a cell_class",
        "degree_assortativity": "out-degree of source vs in-degree of target" if d else "",
        "sigma": (f"(C/C_r)/(L/L_r), C = transitivity; C_r, L_r = mean of the {null_model} "
                  "nulls" + (f"; {und} of graph and nulls" if d else "")),
        "omega": ("L_r/L - C/C_l, C = clustering_avg_zero; C_l = the largest of C and the "
                  "lattice nulls' clustering (networkx.omega)" + (f"; {und}" if d else "")),
        "propensity": ("Muldoon 2016 phi from C_r, L_r (random) and C_l, L_l (means of the "
                       "lattice nulls)" + (f"; {und}" if d else "")),
    }
    if d:
        for x, y in (("out", "in"), ("in", "out"), ("out", "out"), ("in", "in")):
            notes[f"degree_assortativity_{x}_{y}"] = f"{x}-degree of source vs {y}-degree of target"
    for key, reason in plan.skipped:
        if key == "modularity":
            notes["modularity"] = reason
    if real.get("m", 0) == 0:
        for k in ("path_length", "diameter", "global_efficiency", "clustering_avg_zero",
                  "transitivity", "modularity", "sigma", "omega", "propensity"):
            notes[k] = "undefined: the graph has no edges"
    elif not np.isfinite(real.get("path_length", np.nan)):
        notes["path_length"] = f"undefined: the {comp} has a single node"
        notes["diameter"] = notes["path_length"]
    if not np.isfinite(real.get("class_assortativity", np.nan)) and real.get("m", 0):
        notes["class_assortativity"] = "undefined: no cell_class attribute or a single class"
    if has_nulls and lattice_note:
        for key in ("omega", "propensity"):
            if "undefined" not in notes[key]:
                notes[key] += f"; undefined: {lattice_note}"
    for key, value in real.items():
        if ":" in key or key == "giant_nodes" or np.isfinite(value):
            continue
        if not has_nulls and key in SMALL_WORLD:
            continue    # "needs nulls (--nulls N)" is added by the metrics table
        base = notes.get(key, "")
        if "undefined" not in base:
            reason = undefined_reason(graph, key, real)
            notes[key] = "; ".join(x for x in (base, reason) if x)
    return notes


def undefined_reason(graph: ig.Graph, key: str, real: dict) -> str:
    """Why scalar ``key`` is NaN on ``graph`` (tiny or degenerate graphs)."""
    n, m = int(real.get("n", graph.vcount())), int(real.get("m", graph.ecount()))
    if key == "density" and n < 2:
        return "undefined: fewer than 2 nodes"
    if m == 0:
        return "undefined: the graph has no edges"
    if key in ("class_modularity", "homophily_fraction", "class_assortativity"):
        if "cell_class" not in graph.vs.attributes():
            return "undefined: no cell_class attribute"
        return "undefined: a single cell_class or no edges between classed nodes"
    if key.startswith("degree_assortativity"):
        return "undefined: the degrees at edge ends do not vary"
    if key in ("transitivity", "clustering_avg_nan", "clustering_directed"):
        return "undefined: no node has two neighbours (no connected triples)"
    if key in ("sigma", "omega", "propensity"):
        return "undefined: a reference value (C_r, L_r, C_l or L_l) is 0 or undefined"
    return "undefined on this graph"
