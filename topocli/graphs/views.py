"""Views: the one way a raw connectome becomes the graph that everything else uses."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.graphs import classes

log = logging.getLogger("topocli")

LAYERS = ("both", "chemical", "electrical")


@dataclass(frozen=True)
class GraphView:
    """Which part of a connectome to use, and in what form.

    Attributes
    ----------
    layer : {"both", "chemical", "electrical"}
        Synapse types kept. Untyped edges of user files count for ``both`` only.
    directed : bool or None
        ``None`` keeps the source's directedness. ``True`` on an undirected source is an
        error; ``False`` collapses ``u->v`` and ``v->u`` into one edge.
    weighted : bool
        ``True``: edge ``weight`` is the synapse count. ``False``: every ``weight`` is 1.
        Either way the synapse count stays in the edge attribute ``synapses``.
    neurons_only : bool
        Drop cells known not to be neurons (muscles, glia, other). Nodes of unknown class
        are kept.
    largest_component : bool
        Keep only the largest weakly connected component.
    min_synapses : float
        Drop connections with fewer synapses than this (counted after merging, per
        direction, before making the graph undirected).
    keep_isolated : bool
        Keep nodes left without any edge by the steps above (only matters when
        ``largest_component`` is off).
    """

    layer: str = "both"
    directed: bool | None = None
    weighted: bool = False
    neurons_only: bool = True
    largest_component: bool = True
    min_synapses: float = 1.0
    keep_isolated: bool = False

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise TopocliError(f"unknown layer {self.layer!r}; choose one of {', '.join(LAYERS)}")
        if not np.isfinite(self.min_synapses) or self.min_synapses < 0:
            raise TopocliError(f"--min-synapses must be a number >= 0, not {self.min_synapses}")

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        d = ("as source" if self.directed is None
             else ("directed" if self.directed else "undirected"))
        parts = [f"layer={self.layer}", d, "weighted" if self.weighted else "binary",
                 "neurons only" if self.neurons_only else "all cells",
                 "largest component" if self.largest_component else "all components"]
        if self.min_synapses > 1:
            parts.append(f">= {self.min_synapses:g} synapses")
        if self.keep_isolated and not self.largest_component:
            parts.append("isolated nodes kept")
        return ", ".join(parts)


def apply_view(raw: ig.Graph, view: GraphView, *, label: str = "graph") -> ig.Graph:
    """Turn a raw graph into the view's simple graph.

    Steps, in order: keep the layer's edges; drop non-neurons (``neurons_only``); drop
    self-loops; in a directed view of a directed source each electrical edge becomes two
    arcs (gap junctions conduct both ways); merge parallel edges summing synapse counts
    (so ``both`` adds chemical and electrical counts); drop connections below
    ``min_synapses``; make undirected if asked (counts of ``u->v`` and ``v->u`` summed);
    keep the largest weakly connected component, else drop isolated nodes unless
    ``keep_isolated``. Node attributes (``name``,
    ``cell_class``, ``neurotransmitter``) are kept; edges carry ``synapses``,
    ``electrical_synapses`` (the gap-junction part of ``synapses``) and ``weight``; graph
    attributes ``source`` and ``view`` (JSON) record what was done.
    The result has no self-loops and no multi-edges.
    """
    g = raw.copy()
    if view.directed and not raw.is_directed():
        raise TopocliError(f"{label} is undirected; drop --directed (or use --undirected)")
    types = np.array(g.es["synapse_type"] if g.ecount() else [], dtype=object)
    if view.layer != "both":
        if g.ecount() and not (types == view.layer).any():
            present = sorted(set(types))
            raise TopocliError(f"{label} has no {view.layer} edges (edge types: "
                               f"{', '.join(present)}); use --layer both")
        g.delete_edges(np.flatnonzero(types != view.layer).tolist())
    if view.neurons_only:
        drop = [v.index for v in g.vs if v["cell_class"] not in classes.NEURON_CLASSES]
        g.delete_vertices(drop)
    loops = [e.index for e in g.es if e.source == e.target]
    if loops:
        g.delete_edges(loops)
    g.es["synapses"] = g.es["weight"]
    # Gap-junction synapses per edge, so that collapsing a directed view (where each gap
    # junction is two arcs) counts them once (undirected_view).
    g.es["electrical_synapses"] = [s if t == "electrical" else 0
                                   for s, t in zip(g.es["synapses"], g.es["synapse_type"])]

    if g.is_directed() and view.directed is not False:
        elec = [e.index for e in g.es if e["synapse_type"] == "electrical"]
        if elec:
            pairs = [(g.es[i].target, g.es[i].source) for i in elec]
            counts = [g.es[i]["synapses"] for i in elec]
            attrs = {"synapses": counts, "electrical_synapses": counts,
                     "synapse_type": ["electrical"] * len(elec)}
            g.add_edges(pairs, attributes=attrs)
    g.simplify(multiple=True, loops=True,
               combine_edges={"synapses": "sum", "electrical_synapses": "sum",
                              "synapse_type": _join_types, "weight": "first"})
    if view.min_synapses > 0:
        weak = [e.index for e in g.es if e["synapses"] < view.min_synapses]
        g.delete_edges(weak)
    if view.directed is False and g.is_directed():
        g.to_undirected(mode="collapse",
                        combine_edges={"synapses": "sum", "electrical_synapses": "sum",
                                       "synapse_type": _join_types})
    if view.largest_component and g.vcount():
        g = g.connected_components(mode="weak").giant()
    elif not view.keep_isolated:
        g.delete_vertices([i for i, d in enumerate(g.degree()) if d == 0])
    if g.ecount() == 0:
        raise TopocliError(f"{label} has no edges after the view ({view.describe()}); "
                           "try --layer both or a lower --min-synapses")
    g.es["weight"] = [float(s) for s in g.es["synapses"]] if view.weighted else [1.0] * g.ecount()
    g["view"] = json.dumps(view.to_dict())
    g["source"] = raw["source"] if "source" in raw.attributes() else label
    return g


def undirected_view(graph: ig.Graph) -> ig.Graph:
    """``graph`` with every arc pair ``u->v``, ``v->u`` collapsed into one undirected edge.

    What the ranking DAG methods (``random-order``, ``class-order``) wire from, and what
    an undirected null model (``ws``, ``ba``) can be compared with. Node and graph
    attributes (names, classes, source) are kept; edge ``synapses`` are summed with each
    gap junction counted once (a directed view holds it as two arcs), which gives the
    same counts as loading the graph ``--undirected``; ``synapse_type`` is joined;
    ``weight`` follows ``synapses`` for a weighted view and stays 1 for a binary one; the
    graph attribute ``view`` records ``directed: false``. An undirected graph is returned
    as it is.
    """
    if not graph.is_directed():
        return graph
    g = graph.copy()
    attrs = g.es.attributes()
    try:
        view = json.loads(g["view"]) if "view" in g.attributes() else None
    except (TypeError, ValueError):
        view = None
    view = view if isinstance(view, dict) else None
    weighted = bool(view["weighted"]) if view and "weighted" in view else \
        "weight" in attrs and any(w != 1 for w in g.es["weight"])
    combine: dict = {a: "first" for a in attrs}
    for name in ("synapses", "electrical_synapses", "weight"):
        if name in attrs:
            combine[name] = "sum"
    if "synapse_type" in attrs:
        combine["synapse_type"] = _join_types
    g.to_undirected(mode="collapse", combine_edges=combine)
    if "electrical_synapses" in attrs:
        # Both arcs of a gap junction carried its count: keep it once.
        gap = [e / 2 for e in g.es["electrical_synapses"]]
        g.es["synapses"] = [s - e for s, e in zip(g.es["synapses"], gap)]
        g.es["electrical_synapses"] = gap
    if "weight" in attrs:
        g.es["weight"] = ([float(s) for s in g.es["synapses"]]
                          if weighted and "synapses" in attrs else [1.0] * g.ecount())
    if view is not None:
        view["directed"] = False
        g["view"] = json.dumps(view)
    return g


def _join_types(values: list[str]) -> str:
    return "+".join(sorted({p for v in values if v for p in str(v).split("+")}))
