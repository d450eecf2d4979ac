"""The pure per-item task functions the executor ships to workers.

Each takes plain, picklable arguments (a spec, an ``igraph.Graph``, a config) and returns
a frozen record of :mod:`topocli.sweep.records`; none touches the sweep folder or the
store, so the same function runs in this process, in a local worker process or on a Dask
worker on another machine. A run that raises is *returned* as ``status="failed"`` with its
error text, so one bad run never stops the others.

Deterministic, fast stand-ins for these tasks, which tests and benchmarks inject to
exercise the machinery, live in the private :mod:`topocli.sweep._stand_ins`.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from topocli.provenance import graph_fingerprint
from topocli.seeding import derive_seed
from topocli.sweep.plan import REAL, GraphSpec, RunSpec
from topocli.sweep.records import PreparedGraph, RunOutcome, TaskOutcome, worker_name

if TYPE_CHECKING:  # torch is imported only when a sweep trains
    import igraph as ig

    from topocli.training.config import TrainConfig

__all__ = ["SMALL_WORLD", "config_dict", "config_for_run", "dag_edges_kept", "draw_graph",
           "graph_fingerprint", "graph_motifs", "prepare_graph", "prepare_item", "run_stack",
           "run_training", "small_world_statistics", "stack_key"]

#: run_id of the run this process is executing (read by the test stand-in, for its logs).
CURRENT_RUN: str | None = None
# igraph draws from one process-wide generator, which the null models and the metrics
# re-seed per call: graphs are prepared one at a time per process (a Dask worker may run
# several tasks in threads) so that no two calls interleave their draws.
_IGRAPH_RNG_LOCK = threading.Lock()


def config_for_run(config: TrainConfig, seed: int, threads: int | None) -> TrainConfig:
    """The run's own config: ``config`` with its seed (and torch threads) filled in.

    Every other field travels unchanged (``dataclasses.replace``), so a field added to
    :class:`~topocli.training.TrainConfig` reaches every run without a change here.
    """
    if threads is None:
        return dataclasses.replace(config, seed=seed)
    return dataclasses.replace(config, seed=seed, threads=threads)


def config_dict(config: TrainConfig) -> dict:
    """A JSON-ready dict of ``config``."""
    return dict(config.to_dict())


#: How the per-graph small-world indices are computed: a fixed, recorded setting (it is
#: part of a sweep's identity). 10 random and 3 lattice references keep a Varshney-sized
#: graph around a second (the lattice references' C_l varies by ~0.001 between draws, so
#: more buy little); swap budgets and ``connected`` are ``topocli analyze``'s defaults.
SMALL_WORLD = {"nrand": 10, "nlattice": 3, "swaps_per_edge": 10,
               "lattice_swaps_per_edge": 10, "connected": False}
_SMALL_WORLD_KEYS = ("sigma", "omega", "propensity", "C_r_transitivity", "C_r_avg_zero",
                     "L_r", "C_l", "L_l")


def draw_graph(spec: GraphSpec, real: ig.Graph, params: dict | None = None) -> ig.Graph:
    """Graph ``spec`` of a sweep: the real graph itself, or a draw of its generator (a null
    family or a grid point's model) with the spec's seed and ``params``."""
    if spec.generator == REAL:
        return real
    from topocli.nullmodels import generate

    return generate(real, spec.generator, seed=spec.seed, **(params or {}))


def prepare_graph(spec: GraphSpec, real: ig.Graph,
                  params: dict | None = None) -> PreparedGraph:
    """Draw graph ``spec`` from the real graph and compute its statistics.

    Statistics: :func:`topocli.analysis.graph_statistics`, the small-world indices
    ``sigma``, ``omega``, ``propensity`` with their reference values
    (:func:`topocli.metrics.small_world` with the settings :data:`SMALL_WORLD`, references
    seeded from ``derive_seed(spec.statistics_seed, "small_world")``) and the motif
    census (:func:`graph_motifs`).
    """
    from topocli.analysis import graph_statistics

    start = time.perf_counter()
    graph = draw_graph(spec, real, params)
    statistics = dict(graph_statistics(graph, seed=spec.statistics_seed))
    statistics.update(small_world_statistics(graph, seed=spec.statistics_seed))
    statistics.update(graph_motifs(graph))
    return PreparedGraph.drawn(spec, graph, statistics, started=start)


def small_world_statistics(graph: ig.Graph, *, seed: int) -> dict[str, float]:
    """sigma, omega, propensity and their references (NaN where they are undefined).

    Computed on the undirected version against :data:`SMALL_WORLD` degree-preserving and
    lattice references drawn from ``derive_seed(seed, "small_world")``.
    """
    from topocli.errors import TopocliError
    from topocli.metrics import small_world

    try:
        values = small_world(graph, seed=derive_seed(seed, "small_world"), **SMALL_WORLD)
    except TopocliError:  # too small or too dense to rewire: undefined, not an error
        values = {}
    return {k: float(values.get(k, float("nan"))) for k in _SMALL_WORLD_KEYS}


def graph_motifs(graph: ig.Graph) -> dict[str, float]:
    """The motif census as ``motif3:<class>`` and ``motif4:<class>`` counts.

    3-node: the 13 connected directed classes (MAN codes) of a directed graph, open triads
    and triangles of an undirected one; 4-node: the 6 connected undirected classes of the
    undirected version. A census above :class:`topocli.analysis.Limits`' budget is left out.
    """
    from topocli.analysis import Limits
    from topocli.metrics import motifs3_directed, motifs3_undirected, motifs4_undirected
    from topocli.metrics.motifs import motif4_work

    limits, out = Limits(), {}
    work = motif4_work(graph) if graph.ecount() else 0.0
    if work <= limits.motif3_max_work:
        counts = motifs3_directed(graph) if graph.is_directed() else motifs3_undirected(graph)
        out.update({f"motif3:{k}": float(v) for k, v in counts.items()})
    if work <= limits.motif4_max_work:
        out.update({f"motif4:{k}": float(v) for k, v in motifs4_undirected(graph).items()})
    return out


def dag_edges_kept(graph: ig.Graph, method: str) -> int | None:
    """Edges the DAG of ``graph`` keeps under ``--dag method`` (None if it has no DAG).

    The count does not depend on the training seed: ``random-order`` and ``class-order``
    keep one edge per connected pair, ``feedback-arc`` drops a deterministic arc set.
    """
    from topocli.errors import TopocliError
    from topocli.training.dag import build_dag

    try:
        return int(build_dag(graph, method, seed=0).stats["edges_kept"])
    except TopocliError:
        return None


def prepare_item(prepare_fn: Callable | None, spec: GraphSpec, real: ig.Graph,
                 params: dict | None) -> PreparedGraph:
    """Run ``prepare_fn`` (default :func:`prepare_graph`) and serialise its graph.

    The GraphML file is rendered here, on the worker, and travels back as bytes: it is
    the slowest part of preparing a graph and the sweep folder may be on another machine.
    """
    import tempfile

    from topocli.graphs import write_graphml
    from topocli.sweep.execute import watch_parent

    watch_parent()
    with _IGRAPH_RNG_LOCK:
        prepared = (prepare_fn or prepare_graph)(spec, real, params)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="topocli-sweep-") as tmp:
        graphml_gz = write_graphml(prepared.graph, Path(tmp, "graph.graphml.gz")).read_bytes()
    # Which convention every statistic of the row follows (all rows of a sweep agree).
    return dataclasses.replace(
        prepared, graphml_gz=graphml_gz,
        statistics={"directed": bool(prepared.graph.is_directed()), **prepared.statistics},
        prepared_s=prepared.prepared_s + time.perf_counter() - start)


def run_training(spec: RunSpec, graph: ig.Graph, config: TrainConfig, threads: int | None,
                 train_fn: Callable | None = None) -> RunOutcome:
    """Train ``graph`` with the run's seed; never raises (failures are returned)."""
    global CURRENT_RUN
    start = time.perf_counter()
    run_config = config_for_run(config, spec.seed, threads)
    custom = train_fn is not None
    if train_fn is None:
        from topocli.training import train_graph as train_fn

        run_config = _on_worker_device(run_config)
    CURRENT_RUN = spec.run_id
    try:
        if threads is not None:
            _set_torch_threads(threads)
        result, error = dict(train_fn(graph, run_config)), None
    except Exception as exc:  # noqa: BLE001 - a failed run is data, not a crash
        result = {"traceback": traceback.format_exc(limit=8)}
        error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        CURRENT_RUN = None
    # trained alone: stack 1 (a stack can change a result by an image now and then)
    return RunOutcome.finished(spec.run_id, result, config=config_dict(run_config),
                               task_s=time.perf_counter() - start, error=error,
                               worker=worker_name(), stack=None if custom else 1)


def run_stack(specs: tuple[RunSpec, ...], graphs: tuple[Any, ...], config: TrainConfig,
              threads: int | None, train_fn: Callable | None = None) -> TaskOutcome:
    """Train runs that share a training seed as one stacked model; never raises.

    Returns a :class:`~topocli.sweep.records.TaskOutcome` with one
    :class:`~topocli.sweep.records.RunOutcome` per run, in the order given. One run is
    :func:`run_training` itself (``--stack 1``). With several,
    :func:`topocli.training.stack.train_stack` trains them together; if the stack fails,
    each run is trained alone right away, so a run's row never depends on what it was
    stacked with, failures included. A custom ``train_fn`` (tests, benchmarks) trains one
    graph at a time and is called run by run.
    """
    from topocli.sweep.execute import keep_worker, watch_parent

    keep_worker()
    watch_parent()
    key = stack_key(specs)
    if len(specs) == 1 or train_fn is not None:
        return TaskOutcome(key, tuple(run_training(spec, graph, config, threads, train_fn)
                                      for spec, graph in zip(specs, graphs)))
    if len({spec.seed for spec in specs}) != 1:
        raise ValueError("a stack's runs must share the training seed")
    global CURRENT_RUN
    start = time.perf_counter()
    run_config = _on_worker_device(config_for_run(config, specs[0].seed, threads))
    CURRENT_RUN = key
    try:
        if threads is not None:
            _set_torch_threads(threads)
        from topocli.training.stack import train_stack

        results = [dict(r) for r in train_stack(list(graphs), run_config)]
    except Exception:  # noqa: BLE001 - the stack failed: each run alone decides its row
        import logging

        logging.getLogger("topocli").warning(
            "stacked runs %s failed (%s); training each alone", key,
            traceback.format_exc(limit=2).strip().splitlines()[-1])
        return TaskOutcome(key, tuple(run_training(spec, graph, config, threads)
                                      for spec, graph in zip(specs, graphs)))
    finally:
        CURRENT_RUN = None
    share = (time.perf_counter() - start) / len(specs)   # each run's share of the task
    worker = worker_name()
    return TaskOutcome(key, tuple(   # stack: runs trained together in this task
        RunOutcome.finished(spec.run_id, result, config=config_dict(run_config),
                            task_s=share, worker=worker, stack=len(specs))
        for spec, result in zip(specs, results)))


def stack_key(specs: tuple[RunSpec, ...]) -> str:
    """The executor's name of a stacked task: its run ids joined with ``+``."""
    return "+".join(spec.run_id for spec in specs)


def _on_worker_device(config: TrainConfig) -> TrainConfig:
    """``config`` with this worker's own GPU (:func:`topocli.training.device.worker_device`)
    when it asks for ``cuda`` or ``auto`` on a machine with GPUs; unchanged otherwise."""
    if config.device not in ("cuda", "auto"):
        return config
    from topocli.training.device import worker_device, worker_slot

    if not _cuda_available():
        return config
    return dataclasses.replace(config, device=worker_device(config.device, worker_slot()))


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _set_torch_threads(threads: int) -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)

