"""Which form of the connectome a sweep compares: directed or undirected, for every family.

The DAG methods that rank nodes (``random-order``, ``class-order``; see
:mod:`topocli.training.dag`) ignore edge directions: every edge is pointed from the
lower to the higher rank, so the two arcs of a reciprocal pair merge into one DAG edge.
Training a directed connectome that way wires its network from its *undirected* view
(Varshney: 2990 arcs, 2287 edges), while a directed null with few reciprocal pairs keeps
nearly all its arcs. For a fair comparison the sweep therefore takes the undirected view
of the source as the real graph and draws every null family from it, so every family has
the same n, and ``er``, ``degree``, ``config`` and ``lattice`` the same m as what the real
network is wired from. ``feedback-arc`` keeps synapse directions: the real graph stays
directed and the nulls are directed too, which the undirected models (``undirected`` in
:mod:`topocli.nullmodels.registry`: ``ws``, ``ba``, ``landscape``, ``hubcap``,
``heavytail``) cannot be, so that combination is refused before anything is planned.
:func:`topocli.analysis.analyze` follows the same rule: a directed graph is compared with
an undirected model's nulls through its undirected view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from topocli.errors import TopocliError
from topocli.graphs import undirected_view

if TYPE_CHECKING:
    import igraph as ig

    from topocli.training.config import TrainConfig

__all__ = ["DIRECTIONLESS_DAGS", "DagForm", "check_dag_families",
           "dag_method", "graph_for_dag"]

#: DAG methods that orient edges by a node ranking and so ignore the graph's directions.
DIRECTIONLESS_DAGS = ("random-order", "generator-order", "class-order")
_DEFAULT_DAG = "random-order"  # TrainConfig's default


class DagForm(TypedDict):
    """Which form of the source a sweep trains, and why (:func:`graph_for_dag`; in
    config.json, the reason among the notes and the rest in the identity)."""

    directed: bool          # the graph the sweep uses
    dag: str
    source_directed: bool
    source_m: int           # edges (arcs) of the source as loaded
    reason: str             # one sentence, for config.json and the plan line


def dag_method(config: TrainConfig) -> str:
    """The ``--dag`` method of ``config``, default random-order."""
    return str(config.dag) if config.dag else _DEFAULT_DAG


def check_dag_families(families: list[str], dag: str, graph: ig.Graph) -> None:
    """Refuse a sweep whose runs could not all work with ``dag`` (before planning).

    Raises
    ------
    TopocliError
        ``feedback-arc`` with the undirected null families (the registry's undirected
        models), or with a graph loaded undirected.
    """
    from topocli.nullmodels import registry

    if dag in DIRECTIONLESS_DAGS:
        return
    undirected = [f for f in families if f in registry.undirected_models()]
    if undirected:
        names, listed = " and ".join(undirected), ",".join(undirected)
        raise TopocliError(
            f"--dag {dag} keeps synapse directions, but the {names} null model"
            f"{'s are' if len(undirected) > 1 else ' is'} undirected, so every {names} run "
            f"would fail; drop {listed} from --families or use --dag random-order")
    if not graph.is_directed():
        raise TopocliError(f"--dag {dag} keeps synapse directions, but the graph is loaded "
                           "undirected; load it directed (drop --undirected) or use "
                           "--dag random-order")


def graph_for_dag(graph: ig.Graph, dag: str) -> tuple[ig.Graph, DagForm]:
    """The real graph the sweep trains and draws its nulls from, and how it was chosen.

    Returns
    -------
    graph : igraph.Graph
        The undirected view of ``graph`` when ``dag`` ignores directions, else ``graph``.
    info : DagForm
        ``directed`` (of the returned graph), ``dag``, ``source_directed``, ``source_m``
        and ``reason`` (one sentence, for config.json and the plan line).
    """
    source_m, was_directed = graph.ecount(), graph.is_directed()
    if dag in DIRECTIONLESS_DAGS and was_directed:
        graph = undirected_view(graph)
        reason = (f"undirected: --dag {dag} ignores directions, so the directed source's "
                  f"{source_m} arcs are collapsed to {graph.ecount()} edges and every null "
                  "is drawn from that undirected graph")
    elif dag in DIRECTIONLESS_DAGS:
        reason = f"undirected: the source is undirected (--dag {dag})"
    else:
        reason = f"directed: --dag {dag} keeps synapse directions; every null is directed"
    return graph, {"directed": graph.is_directed(), "dag": dag,
                   "source_directed": was_directed, "source_m": source_m, "reason": reason}
