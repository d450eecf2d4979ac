"""``train-sweep --model reservoir``: score every graph of a sweep as a reservoir.

The sweep machinery (plan, nulls, seeds, store, resume, tables, report) is unchanged:
this module supplies its two task functions, both picklable for the workers.

- :func:`prepare_reservoir_graph` replaces :func:`topocli.sweep.tasks.prepare_graph`:
  it draws the graph the same way (same seeds) and computes the fast flat statistics
  (:func:`topocli.analysis.graph_statistics`) plus :func:`reservoir_statistics`, but not
  the small-world indices and motif census (about 1.5 s a graph, which would dominate
  a sweep of thousands of reservoirs). Null families that do not keep node attributes
  (``er``, ``ws``, ``ba``) get the real graph's neurotransmitters in a seeded random
  order, as they get its cell classes, so ``--signs transmitter`` gives every family
  the same number of GABAergic (inhibitory) nodes.
- :func:`score_reservoir_run` is the ``train_fn``: the run's seed (the sweep's training
  seed ``k``) seeds the reservoir (signs, input weights, task data), the reservoir
  options travel as keyword arguments (and so are part of the sweep's identity).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from topocli.reservoir.network import reservoir_statistics
from topocli.seeding import derive_seed
from topocli.sweep.plan import REAL, GraphSpec
from topocli.sweep.records import PreparedGraph
from topocli.sweep.tasks import draw_graph

if TYPE_CHECKING:
    import igraph as ig

    from topocli.reservoir import ReservoirConfig
    from topocli.training.config import TrainConfig

__all__ = ["prepare_reservoir_graph", "reservoir_tasks", "score_reservoir_run"]


def reservoir_tasks(reservoir: ReservoirConfig) -> dict:
    """``run_sweep`` keyword arguments that make a sweep score reservoirs under the
    :class:`~topocli.reservoir.ReservoirConfig` ``reservoir`` (its seed is the run's)."""
    from functools import partial

    options = {k: v for k, v in reservoir.to_dict().items() if k not in ("seed", "input_scale")}
    return {"train_fn": partial(score_reservoir_run, **options),
            "prepare_fn": prepare_reservoir_graph}


def prepare_reservoir_graph(spec: GraphSpec, real: ig.Graph,
                            params: dict | None = None) -> PreparedGraph:
    """Draw graph ``spec`` (as the sweep always does) and compute its reservoir row."""
    from topocli.analysis import graph_statistics

    start = time.perf_counter()
    graph = draw_graph(spec, real, params)
    if spec.generator != REAL:
        _carry_transmitters(graph, real, seed=derive_seed(spec.seed, "neurotransmitter"))
    statistics = dict(graph_statistics(graph, seed=spec.statistics_seed))
    statistics.update(reservoir_statistics(graph))
    transmitters = graph.vs["neurotransmitter"] if "neurotransmitter" in graph.vs.attributes() \
        else []
    statistics["gaba_nodes"] = float(sum("gaba" in str(t or "").lower() for t in transmitters))
    return PreparedGraph.drawn(spec, graph, statistics, started=start)


def _carry_transmitters(graph: ig.Graph, real: ig.Graph, *, seed: int) -> None:
    """Give a null without transmitter data the real graph's, in a seeded random order."""
    if "neurotransmitter" in graph.vs.attributes() or \
            "neurotransmitter" not in real.vs.attributes() or graph.vcount() != real.vcount():
        return
    order = np.random.default_rng(seed).permutation(real.vcount())
    source = real.vs["neurotransmitter"]
    graph.vs["neurotransmitter"] = [source[i] for i in order]


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
