"""``train-sweep --model reservoir``: score every graph of a sweep as a reservoir.

The sweep machinery (plan, nulls, seeds, store, resume, tables, report) is unchanged:
this module is the run kind :class:`ReservoirScoring`
(:class:`topocli.sweep.kinds.RunKind`) and its two task functions, both picklable for
the workers.

- :func:`prepare_reservoir_graph` replaces :func:`topocli.sweep.tasks.prepare_graph`:
  it draws the graph the same way (same seeds) and computes the fast flat statistics
  (:func:`topocli.analysis.graph_statistics`) plus :func:`reservoir_statistics`, but not
  the small-world indices and motif census (about 1.5 s a graph, which would dominate
  a sweep of thousands of reservoirs). Null families that do not keep node attributes
  (``er``, ``ws``, ``ba``) get the real graph's neurotransmitters (and synapse signs)
  in a seeded random order, as they get its cell classes, so ``--signs transmitter``
  (``synapse``) gives every family the same number of GABAergic (inhibitory) nodes.
- :func:`score_reservoir_run` scores one run: the run's seed (the sweep's training
  seed ``k``) seeds the reservoir (signs, input weights, task data), the reservoir
  options travel as keyword arguments (and so are part of the sweep's identity).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from topocli.reservoir.network import carry_transmitters, reservoir_statistics
from topocli.seeding import derive_seed
from topocli.sweep.plan import REAL, GraphSpec, RunSpec
from topocli.sweep.records import PreparedGraph, TaskOutcome
from topocli.sweep.tasks import draw_graph, run_stack

if TYPE_CHECKING:
    import igraph as ig

    from topocli.reservoir import ReservoirConfig
    from topocli.training.config import TrainConfig

__all__ = ["ReservoirScoring", "prepare_reservoir_graph", "score_reservoir_run"]


@dataclass(frozen=True)
class ReservoirScoring:
    """The sweep's run kind (:class:`topocli.sweep.kinds.RunKind`) that scores every graph
    as a reservoir under ``reservoir`` (its seed is each run's training seed).

    Each run is scored alone (nothing to stack); the sweep's ``TrainConfig`` still rides
    along: its ``seed`` is the run's seed and its fields are part of the sweep's identity,
    as they were when reservoir sweeps were written first.
    """

    reservoir: ReservoirConfig

    @property
    def task_fn(self) -> Callable:
        """:func:`score_reservoir_run` with the reservoir options bound (its name and
        keywords are the sweep identity's ``task``)."""
        options = {k: v for k, v in self.reservoir.to_dict().items()
                   if k not in ("seed", "input_scale")}
        return partial(score_reservoir_run, **options)

    @property
    def prepare_fn(self) -> Callable:
        return prepare_reservoir_graph

    @property
    def trains_networks(self) -> bool:
        return False

    #: every edge of the graph is a weight: no DAG, so graphs.csv has no m_dag
    wires_dag = False

    def prepare(self, spec: GraphSpec, real: ig.Graph,
                params: dict | None) -> PreparedGraph:
        return prepare_reservoir_graph(spec, real, params)

    def run(self, specs: tuple[RunSpec, ...], graphs: tuple[Any, ...], config: TrainConfig,
            threads: int | None) -> TaskOutcome:
        return run_stack(specs, graphs, config, threads, self.task_fn)


def prepare_reservoir_graph(spec: GraphSpec, real: ig.Graph,
                            params: dict | None = None) -> PreparedGraph:
    """Draw graph ``spec`` (as the sweep always does) and compute its reservoir row."""
    from topocli.analysis import graph_statistics

    start = time.perf_counter()
    graph = draw_graph(spec, real, params)
    if spec.generator != REAL:
        carry_transmitters(graph, real, seed=derive_seed(spec.seed, "neurotransmitter"))
    statistics = dict(graph_statistics(graph, seed=spec.statistics_seed))
    statistics.update(reservoir_statistics(graph))
    transmitters = graph.vs["neurotransmitter"] if "neurotransmitter" in graph.vs.attributes() \
        else []
    statistics["gaba_nodes"] = float(sum("gaba" in str(t or "").lower() for t in transmitters))
    return PreparedGraph.drawn(spec, graph, statistics, started=start)


def score_reservoir_run(graph: ig.Graph, config: TrainConfig, **reservoir: object) -> dict:
    """Score ``graph`` as a reservoir with the run's seed (``config.seed``).

    ``reservoir`` holds :class:`topocli.reservoir.ReservoirConfig` fields (as from its
    ``to_dict``). Returns the sweep's result shape: ``scores`` (task -> score; the tables
    get a ``score_<task>`` column each), ``wall_time_s`` and the reservoir's description.
    """
    from topocli.reservoir import ReservoirConfig, score_reservoir

    reservoir_config = ReservoirConfig.from_dict({**reservoir, "seed": int(config.seed)})
    result = score_reservoir(graph, reservoir_config)
    for task in result["details"].values():
        task.pop("per_delay", None)  # 279 numbers a run: in `topocli reservoir` only
    result["reservoir_config"] = result.pop("config")
    return result
