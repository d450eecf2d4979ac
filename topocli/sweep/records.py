"""The typed records that change hands at the sweep's seams.

- :class:`PreparedGraph`: a drawn graph and its statistics, as a worker's prepare task
  returns it (built by :meth:`PreparedGraph.drawn`, the one place that reads a graph's
  ``null_params``: :func:`null_params_of`).
- :class:`RunOutcome`: one finished run (ok or failed), as a worker's run task returns it
  (built by :meth:`RunOutcome.finished`); :class:`TaskOutcome` holds the runs of one task.
- :class:`StoredGraph` and :class:`StoredRun`: a row of the store read back, with the
  ``graphs.csv`` / ``runs.csv`` columns it exports to (:meth:`StoredGraph.columns`,
  :meth:`StoredRun.columns`).

The store keeps JSON text (:mod:`topocli.sweep.store`); these records are what the code
on either side of it handles, so a key is spelled once, here.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from topocli.nullmodels.grid import parameter_columns

if TYPE_CHECKING:
    import igraph as ig

    from topocli.sweep.plan import GraphSpec

__all__ = ["CONTROL_CURVE_COLUMNS", "CURVE_COLUMNS", "PreparedGraph", "RunOutcome",
           "StoredGraph", "StoredRun", "TaskOutcome", "null_params_of", "worker_name"]

CURVE_COLUMNS = ["run_id", "graph_id", "family", "seed", "epoch", "train_loss", "train_acc",
                 "val_loss", "val_acc", "lr"]
#: Extra curves.csv columns of ``--model controller`` runs (absent from other sweeps).
CONTROL_CURVE_COLUMNS = ["task", "return", "fitness_mean", "fitness_max"]
_RESULT_FIELDS = ["test_acc", "val_acc", "test_loss", "val_loss", "params", "macs",
                  "wall_time_s", "images_per_s"]


def null_params_of(graph: ig.Graph) -> dict:
    """The generator parameters a null model recorded on ``graph`` (its ``null_params``
    attribute, JSON text); ``{}`` for a graph without them (the real graph).

    A value that is not a JSON object is kept as ``{"value": ...}``, never dropped.
    """
    value = graph["null_params"] if "null_params" in graph.attributes() else None
    if isinstance(value, dict):
        return dict(value)
    if value is None or value == "":
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {"value": str(value)}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def worker_name() -> str:
    """``host:pid`` of this process, the ``worker`` column of ``runs.csv``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class PreparedGraph:
    """One graph of a sweep, drawn and measured by a worker.

    ``graphml_gz`` is the graph's GraphML file, rendered on the worker
    (:func:`topocli.sweep.tasks.prepare_item`); empty until then.
    """

    graph_id: str
    graph: ig.Graph
    statistics: Mapping[str, Any]
    params: Mapping[str, Any]
    prepared_s: float
    graphml_gz: bytes = b""

    @property
    def key(self) -> str:
        """The executor's name of the task that prepared it."""
        return self.graph_id

    @classmethod
    def drawn(cls, spec: GraphSpec, graph: ig.Graph, statistics: Mapping[str, Any], *,
              started: float, params: Mapping[str, Any] | None = None) -> PreparedGraph:
        """Graph ``spec`` drawn as ``graph``, measured since ``time.perf_counter()`` was
        ``started``; ``params`` defaults to the ones its generator recorded on it."""
        return cls(graph_id=spec.graph_id, graph=graph, statistics=dict(statistics),
                   params=null_params_of(graph) if params is None else dict(params),
                   prepared_s=time.perf_counter() - started)


@dataclass(frozen=True)
class RunOutcome:
    """One finished run as its task returns it: ``status`` ``ok`` with the trainer's
    ``result``, or ``failed`` with ``error`` (and a ``traceback`` in ``result``)."""

    run_id: str
    status: str
    error: str | None
    result: Mapping[str, Any]
    config: Mapping[str, Any]
    task_s: float

    @property
    def key(self) -> str:
        return self.run_id

    @classmethod
    def finished(cls, run_id: str, result: Mapping[str, Any], *, config: Mapping[str, Any],
                 task_s: float, error: str | None = None, worker: str,
                 stack: int | None = None) -> RunOutcome:
        """The outcome of run ``run_id``: failed when ``error`` is given. ``result`` loses
        its own ``config`` (kept once, in ``config``) and gains ``worker``, ``code`` (the
        code that ran it: :func:`topocli.provenance.code_revision`) and, for a trained
        network, ``stack`` (runs trained together; None: a custom task)."""
        from topocli.provenance import code_revision

        result = {k: v for k, v in result.items() if k != "config"}
        result["worker"] = worker
        result["code"] = code_revision()
        if stack is not None:
            result["stack"] = stack
        return cls(run_id=run_id, status="ok" if error is None else "failed", error=error,
                   result=result, config=dict(config), task_s=task_s)


@dataclass(frozen=True)
class TaskOutcome:
    """What one run task returns: the outcomes of its runs (several when stacked)."""

    key: str
    runs: tuple[RunOutcome, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StoredGraph:
    """A ``graphs`` row of the store; ``params`` is the JSON text it holds."""

    graph_id: str
    family: str
    index: int
    seed: int
    params: str
    file: str
    n: int
    m: int
    statistics: Mapping[str, Any]
    prepared_s: float

    def columns(self, reference: str = "") -> dict:
        """Its ``graphs.csv`` row: identity, ``reference`` (a sweep of several real
        graphs), one column per generator parameter, then the statistics."""
        head = {"graph_id": self.graph_id, "family": self.family, "index": self.index,
                "seed": self.seed, "params": self.params, "file": self.file, "n": self.n,
                "m": self.m}
        stats = {k: v for k, v in self.statistics.items() if k not in ("n", "m")}
        # every generator parameter is a column of its own (p of a ws grid, k, ...)
        params = parameter_columns(self.params, reserved=[*head, *stats])
        return {**head, **({"reference": reference} if reference else {}), **params,
                **stats}


@dataclass(frozen=True)
class StoredRun:
    """A ``runs`` row of the store; ``result`` parsed, ``config`` the JSON text it holds."""

    run_id: str
    graph_id: str
    family: str
    seed_index: int
    seed: int
    status: str
    error: str | None
    attempts: int
    result: Mapping[str, Any]
    config: str
    task_s: float

    def columns(self, version: str) -> dict:
        """Its ``runs.csv`` row (``reference`` is inserted by the export)."""
        result = self.result
        record: dict[str, Any] = {"run_id": self.run_id, "graph_id": self.graph_id,
                                  "family": self.family, "seed": self.seed,
                                  "status": self.status, "error": self.error}
        record.update({f: result.get(f) for f in _RESULT_FIELDS})
        # --model reservoir: one column per task score (and LIF synaptic events)
        record.update({f"score_{k}": v for k, v in (result.get("scores") or {}).items()})
        # --model controller: generations to each task's solved return (censored)
        record.update({f"generations_{k}": v for k, v in
                       (result.get("generations") or {}).items()})
        record.update({f"events_{k}": v for k, v in
                       (result.get("synaptic_events_per_sample") or {}).items()})
        record.update({f"synops_{k}": v for k, v in
                       (result.get("synaptic_ops_per_sample") or {}).items()})
        record.update({f"energy_pj_{k}": v for k, v in
                       (result.get("energy_pj_per_sample_estimate") or {}).items()})
        # --measure-cost: every measured figure a column (params and macs are above)
        for k, v in (result.get("cost") or {}).items():
            if k not in record and isinstance(v, (int, float)) and not isinstance(v, bool):
                record[k] = v
        record["attempts"] = self.attempts
        record["config"] = self.config
        record["seed_index"] = self.seed_index
        record["epochs_run"] = result.get("epochs_run")
        # early stopping (--patience): where each run stopped and why
        for key in ("best_epoch", "stopped_early", "hit_cap"):
            if key in result:
                record[key] = result[key]
        for k, v in (result.get("dag") or {}).items():
            if isinstance(v, (int, float, str, bool)) or v is None:
                record[f"dag_{k}"] = v
        record["worker"] = result.get("worker")
        record["code"] = result.get("code")   # None: a run stored before it was recorded
        # where and how a trained run ran: the device, and how many runs were stacked
        # with it (either can change a result by an image now and then)
        for key in ("device", "stack"):
            if key in result:
                record[key] = result[key]
        record["topocli_version"] = version
        return record

    def curve_rows(self) -> list[dict]:
        """Its ``curves.csv`` rows, one per epoch (a controller's: per task and
        generation, with :data:`CONTROL_CURVE_COLUMNS`)."""
        return [{"run_id": self.run_id, "graph_id": self.graph_id, "family": self.family,
                 "seed": self.seed, **{c: point.get(c) for c in CURVE_COLUMNS[4:]},
                 **{c: point[c] for c in CONTROL_CURVE_COLUMNS if c in point}}
                for point in self.result.get("curve") or []]
