"""What a sweep does with each graph and seed: the :class:`RunKind` protocol.

A kind says how a graph of the plan is prepared (drawn and measured) and how a task of
runs that share a training seed is run; the sweep machinery (plan, nulls, seeds, store,
resume, tables, report) is the same for every kind. Two kinds exist:

- :class:`RandWireTraining` (here, the default): train a RandWire-style network wired by
  the graph (:func:`topocli.training.train_graph`), stacked per seed on a GPU;
- :class:`~topocli.sweep.reservoir_task.ReservoirScoring`: score the graph as a
  reservoir (``train-sweep --model reservoir``).

A new model kind is one module with one such class. A kind is a frozen, picklable record:
its bound ``prepare`` and ``run`` travel to the workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from topocli.sweep.tasks import prepare_graph, run_stack

if TYPE_CHECKING:
    import igraph as ig

    from topocli.sweep.plan import GraphSpec, RunSpec
    from topocli.sweep.records import PreparedGraph, TaskOutcome
    from topocli.training.config import TrainConfig

__all__ = ["RandWireTraining", "RunKind"]


class RunKind(Protocol):
    """A sweep's kind of run.

    ``task_fn`` and ``prepare_fn`` name the kind in the sweep's identity
    (:func:`topocli.sweep.folder.task_name`; None: the default trainer and prepare);
    ``trains_networks`` says whether runs train torch networks on ``config.device`` and
    its data set (checked before a sweep writes anything, timed by the plan's pilot,
    stacked on a GPU); ``wires_dag`` whether the runs are wired by the graph's DAG under
    ``--dag`` (then ``graphs.csv`` records that DAG's edge count, ``m_dag``, as what the
    network is wired with; a reservoir or controller uses every edge, so ``m`` is).
    """

    task_fn: Callable | None
    prepare_fn: Callable | None

    @property
    def trains_networks(self) -> bool: ...

    @property
    def wires_dag(self) -> bool: ...

    def prepare(self, spec: GraphSpec, real: ig.Graph,
                params: dict | None) -> PreparedGraph:
        """Draw graph ``spec`` from ``real`` (with generator ``params``) and measure it."""
        ...

    def run(self, specs: tuple[RunSpec, ...], graphs: tuple[Any, ...], config: TrainConfig,
            threads: int | None) -> TaskOutcome:
        """Run the runs ``specs`` on their ``graphs``; never raises (failures are data)."""
        ...


@dataclass(frozen=True)
class RandWireTraining:
    """Train a network wired by each graph (:func:`topocli.sweep.tasks.run_stack`).

    ``train_fn`` and ``prepare_fn`` replace :func:`topocli.training.train_graph` and
    :func:`topocli.sweep.tasks.prepare_graph` (tests and benchmarks: the stand-ins of
    :mod:`topocli.sweep._stand_ins`); a custom ``train_fn`` trains one graph at a time.
    """

    train_fn: Callable | None = None
    prepare_fn: Callable | None = None

    @property
    def task_fn(self) -> Callable | None:
        return self.train_fn

    @property
    def trains_networks(self) -> bool:
        return self.train_fn is None

    #: RandWire networks are wired by the graph's DAG (stand-ins included)
    wires_dag = True

    def prepare(self, spec: GraphSpec, real: ig.Graph,
                params: dict | None) -> PreparedGraph:
        return (self.prepare_fn or prepare_graph)(spec, real, params)

    def run(self, specs: tuple[RunSpec, ...], graphs: tuple[Any, ...], config: TrainConfig,
            threads: int | None) -> TaskOutcome:
        return run_stack(specs, graphs, config, threads, self.train_fn)
