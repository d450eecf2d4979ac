"""``train-sweep --model controller``: train a policy wired by every graph of a sweep.

The sweep machinery (plan, nulls, seeds, store, resume, tables, report) is unchanged:
this module is the run kind :class:`ControllerTraining`
(:class:`topocli.sweep.kinds.RunKind`) and its two task functions, picklable for the
workers (local processes or the Dask cluster).

- :func:`prepare_control_graph`: ``--circuit`` of the real graph (the C. elegans motor
  circuit, or the whole graph), then the graph drawn from it and measured exactly as
  :func:`topocli.sweep.reservoir_task.prepare_reservoir_graph` does (fast statistics;
  nulls without transmitters (or synapse signs) get the circuit's in a seeded random
  order, so ``--synapse-signs dale`` gives every family the same number of inhibitory
  neurons).
  Nulls are therefore nulls of the circuit: "statistics only" in Schmidgall et al.'s
  terms.
- :func:`train_controller_run`: one run, seeded by the run's seed (the sweep's training
  seed ``k``: every graph of seed ``k`` meets the same evaluation episodes, so runs are
  paired by seed). runs.csv gets ``score_<task>`` (final return, or test accuracy for
  digits-seq) and ``generations_<task>`` (the first generation whose evaluation return
  reached the task's solved return; a run that never did counts as its budget + 1, a
  censored value); curves.csv gets ``task``, ``return`` and the ES fitness per
  generation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from topocli.sweep.records import PreparedGraph, TaskOutcome
from topocli.sweep.reservoir_task import prepare_reservoir_graph
from topocli.sweep.tasks import run_stack

if TYPE_CHECKING:
    import igraph as ig

    from topocli.control import ControlConfig
    from topocli.sweep.plan import GraphSpec, RunSpec
    from topocli.training.config import TrainConfig

__all__ = ["ControllerTraining", "prepare_control_graph", "train_controller_run"]


@dataclass(frozen=True)
class ControllerTraining:
    """The sweep's run kind that trains a controller wired by each graph under
    ``controller`` (its seed is each run's training seed)."""

    controller: ControlConfig

    @property
    def task_fn(self) -> Callable:
        """:func:`train_controller_run` with the controller options bound (its name and
        keywords are the sweep identity's ``task``)."""
        options = {k: v for k, v in self.controller.to_dict().items() if k != "seed"}
        return partial(train_controller_run, **options)

    @property
    def prepare_fn(self) -> Callable:
        return partial(prepare_control_graph, circuit=self.controller.circuit)

    @property
    def trains_networks(self) -> bool:
        return False

    #: every edge of the graph is a weight: no DAG, so graphs.csv has no m_dag
    wires_dag = False

    def prepare(self, spec: GraphSpec, real: ig.Graph,
                params: dict | None) -> PreparedGraph:
        return prepare_control_graph(spec, real, params, circuit=self.controller.circuit)

    def run(self, specs: tuple[RunSpec, ...], graphs: tuple[Any, ...], config: TrainConfig,
            threads: int | None) -> TaskOutcome:
        return run_stack(specs, graphs, config, threads, self.task_fn)


def prepare_control_graph(spec: GraphSpec, real: ig.Graph, params: dict | None = None, *,
                          circuit: str = "whole") -> PreparedGraph:
    """Graph ``spec`` drawn from ``circuit`` of the real graph, with its reservoir row."""
    from topocli.graphs.circuits import subcircuit

    return prepare_reservoir_graph(spec, subcircuit(real, circuit), params)


def train_controller_run(graph: ig.Graph, config: TrainConfig, **controller: object) -> dict:
    """Train a controller wired by ``graph`` with the run's seed (``config.seed``).

    ``controller`` holds :class:`topocli.control.ControlConfig` fields (as from its
    ``to_dict``). Returns the sweep's result shape: ``scores`` (task -> final score),
    ``generations`` (task -> generations to the solved return, censored at budget + 1),
    ``curve`` and the controller's record.
    """
    from topocli.control import ControlConfig, train_controller

    control = ControlConfig.from_dict({**controller, "seed": int(config.seed)})
    result = train_controller(graph, control)
    result["generations"] = {
        task: (reached if reached is not None else control.budget(task) + 1)
        for task, reached in result["generations_to_threshold"].items()}
    result["controller_config"] = result.pop("config")
    return result
