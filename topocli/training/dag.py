"""Turn a graph into the DAG a RandWire-style stage computes.

Four ways to orient a connectome (``--dag``):

- ``random-order``: a random node order from the seed; every edge points from the node
  that comes first to the one that comes later (Roberts et al. 2019; Xie et al. 2019 for
  ER graphs).
- ``generator-order``: the nodes' order in the graph as given (its file, or the generator
  that made it); Xie et al. 2019, appendix: WS nodes numbered clockwise around the ring,
  BA nodes in order of arrival. No randomness.
- ``class-order``: sensory neurons, then interneurons, then motor neurons
  (:data:`topocli.graphs.classes.FLOW_ORDER`; Elegans-AI's sensors -> latent -> motors),
  random order within a class; edges against that flow are reversed.
- ``feedback-arc``: keep the synapse directions and drop an approximately minimal
  feedback arc set (Eades, Lin and Smyth 1993, via igraph) to break every cycle. Only
  meaningful for a directed graph: an undirected graph raises :class:`TopocliError`
  (load it with ``--directed`` or pick another method).

As in RandWire, nodes with no inputs read the stage input and nodes with no outputs are
averaged into the stage output. Nodes are renumbered so that every edge goes from a lower
to a higher index, and grouped into topological levels (level of a node = length of the
longest path reaching it), which is what the level-batched network executes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.graphs.classes import FLOW_ORDER
from topocli.seeding import as_rng
from topocli.training.config import DAG_METHODS

__all__ = ["DAG_METHODS", "Dag", "build_dag", "dag_from_edges", "dag_from_json", "dag_to_json"]



@dataclass(frozen=True)
class Dag:
    """A DAG in topological numbering: every edge ``(u, v)`` has ``u < v``.

    Attributes
    ----------
    n : int
        Number of nodes.
    edges : numpy.ndarray
        ``(m, 2)`` int array of ``(source, target)`` pairs, sorted, no duplicates.
    level : numpy.ndarray
        Topological level of each node (0 for nodes without inputs), nondecreasing.
    names : tuple of str
        Original vertex name of each node (``names[i]`` is node ``i``).
    stats : dict
        ``depth`` (number of levels), ``max_width`` (nodes in the widest level),
        ``n_nodes``, ``n_inputs``, ``n_outputs``, ``edges_kept``, ``edges_original``,
        ``edges_dropped``, ``edges_reversed``, ``method``.
    """

    n: int
    edges: np.ndarray
    level: np.ndarray
    names: tuple = ()
    stats: dict = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return int(self.level.max()) + 1 if self.n else 0

    def levels(self) -> list[np.ndarray]:
        """Node indices of each level, in order (contiguous ranges by construction)."""
        return [np.flatnonzero(self.level == k) for k in range(self.depth)]

    def predecessors(self) -> list[np.ndarray]:
        preds: list[list[int]] = [[] for _ in range(self.n)]
        for u, v in self.edges:
            preds[v].append(int(u))
        return [np.array(p, dtype=np.int64) for p in preds]

    def input_nodes(self) -> np.ndarray:
        return np.setdiff1d(np.arange(self.n), self.edges[:, 1])

    def output_nodes(self) -> np.ndarray:
        return np.setdiff1d(np.arange(self.n), self.edges[:, 0])


def dag_from_edges(n: int, edges, *, names=None, method: str = "given",
                   edges_original: int | None = None, edges_reversed: int = 0) -> Dag:
    """Build a :class:`Dag` from acyclic ``edges`` over nodes ``0..n-1``.

    Nodes are renumbered by (level, old index) so that levels are contiguous and every
    edge increases the index. Raises :class:`TopocliError` if no edge is left.
    """
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    e = np.unique(e, axis=0)
    if len(e) == 0:
        raise TopocliError("the DAG has no edges, so the network would have no wiring; "
                           "use a graph with edges or another --dag method")
    g = ig.Graph(n=n, edges=e.tolist(), directed=True)
    if not g.is_dag():
        raise ValueError("edges contain a cycle")
    level = np.zeros(n, dtype=np.int64)
    for v in g.topological_sorting():
        preds = g.predecessors(v)
        if preds:
            level[v] = level[preds].max() + 1
    new_order = np.lexsort((np.arange(n), level))   # old index of new node i
    new_index = np.empty(n, dtype=np.int64)
    new_index[new_order] = np.arange(n)
    e = np.unique(new_index[e], axis=0)
    level = level[new_order]
    names = tuple(names[i] for i in new_order) if names is not None else tuple(
        str(i) for i in new_order)
    counts = np.bincount(level)
    stats = {
        "method": method,
        "n_nodes": int(n),
        "depth": len(counts),
        "max_width": int(counts.max()),
        "n_inputs": int(n - len(np.unique(e[:, 1]))),
        "n_outputs": int(n - len(np.unique(e[:, 0]))),
        "edges_kept": len(e),
        "edges_original": int(edges_original if edges_original is not None else len(e)),
        "edges_reversed": int(edges_reversed),
    }
    stats["edges_dropped"] = stats["edges_original"] - stats["edges_kept"]
    return Dag(n=n, edges=e, level=level, names=names, stats=stats)


def _orient_by_rank(graph: ig.Graph, rank: np.ndarray, method: str) -> Dag:
    """Point every edge from the lower to the higher ``rank`` (reciprocal pairs merge)."""
    e = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    forward = rank[e[:, 0]] < rank[e[:, 1]]
    oriented = np.where(forward[:, None], e, e[:, ::-1])
    reversed_ = int((~forward).sum()) if graph.is_directed() else 0
    return dag_from_edges(graph.vcount(), oriented, names=graph.vs["name"]
                          if "name" in graph.vs.attributes() else None, method=method,
                          edges_original=graph.ecount(), edges_reversed=reversed_)


def build_dag(graph: ig.Graph, method: str = "random-order", *, seed=None) -> Dag:
    """Orient ``graph`` into a :class:`Dag` with ``method`` (see the module docstring).

    Parameters
    ----------
    graph : igraph.Graph
        From :func:`topocli.graphs.load_graph`; ``class-order`` uses the vertex attribute
        ``cell_class`` (missing classes count as interneuron-level), ``feedback-arc`` needs
        a directed graph.
    method : {"random-order", "generator-order", "class-order", "feedback-arc"}
    seed : int, numpy Generator or None
        Fixes the random node order (``generator-order`` and ``feedback-arc`` are
        deterministic).

    Returns
    -------
    Dag
        With ``stats``: depth, max_width, n_inputs, n_outputs, edges_kept,
        edges_dropped (reciprocal pairs merged or feedback arcs removed), edges_reversed.
    """
    if method not in DAG_METHODS:
        raise TopocliError(f"unknown DAG method {method!r}; choose one of "
                           f"{', '.join(DAG_METHODS)}")
    if graph.vcount() < 2 or graph.ecount() == 0:
        raise TopocliError("the graph has no edges, so its DAG would have none; "
                           "use a graph with at least one edge")
    rng = as_rng(seed)
    n = graph.vcount()
    if method == "random-order":
        rank = np.empty(n, dtype=np.int64)
        rank[rng.permutation(n)] = np.arange(n)
        return _orient_by_rank(graph, rank, method)
    if method == "generator-order":
        return _orient_by_rank(graph, np.arange(n), method)
    if method == "class-order":
        classes = graph.vs["cell_class"] if "cell_class" in graph.vs.attributes() else [None] * n
        flow = np.array([FLOW_ORDER.get(c, 1) for c in classes], dtype=np.int64)
        order = np.lexsort((rng.permutation(n), flow))   # by class, random within
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        return _orient_by_rank(graph, rank, method)
    if not graph.is_directed():
        raise TopocliError("--dag feedback-arc keeps synapse directions, but this graph is "
                           "undirected; load it with --directed or use --dag random-order "
                           "or class-order")
    drop = set(graph.feedback_arc_set(method="eades"))
    keep = [e.tuple for e in graph.es if e.index not in drop]
    return dag_from_edges(n, keep, names=graph.vs["name"] if "name" in graph.vs.attributes()
                          else None, method=method, edges_original=graph.ecount())


def dag_to_json(dag: Dag) -> dict:
    """What :func:`dag_from_json` needs to rebuild ``dag`` (``dag.json`` of a run)."""
    return {"n": int(dag.n), "edges": dag.edges.tolist(), "level": dag.level.tolist(),
            "names": [str(v) for v in dag.names], "stats": dag.stats}


def dag_from_json(data: dict) -> Dag:
    return Dag(n=int(data["n"]), edges=np.asarray(data["edges"], dtype=np.int64).reshape(-1, 2),
               level=np.asarray(data["level"], dtype=np.int64), names=tuple(data["names"]),
               stats=dict(data.get("stats") or {}))
