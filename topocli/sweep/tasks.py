"""The pure per-item task functions the executor ships to workers.

Each takes plain, picklable arguments (a spec, an ``igraph.Graph``, a config) and returns
a plain dict; none touches the sweep folder or the store, so the same function runs in
this process, in a local worker process or on a Dask worker on another machine. A run
that raises is *returned* as ``status="failed"`` with its error text, so one bad run
never stops the others.

:func:`stand_in_train` is a deterministic, fast stand-in for
:func:`topocli.training.train_graph` with the same return shape; tests and benchmarks
inject it (optionally slowed down or made to fail) to exercise the machinery.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from topocli.seeding import derive_seed
from topocli.sweep.plan import REAL, GraphSpec, RunSpec

if TYPE_CHECKING:  # torch is imported only when a sweep trains
    from topocli.training.config import TrainConfig

__all__ = ["SMALL_WORLD", "config_dict", "config_for_run", "dag_edges_kept",
           "graph_fingerprint", "graph_motifs", "prepare_graph", "prepare_item", "run_training",
           "small_world_statistics", "stand_in_prepare", "stand_in_train"]

#: run_id of the run this process is executing (read by the stand-in, for test logs).
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


def graph_fingerprint(graph: Any) -> str:
    """A short hash of a graph's node names and edges (identifies a graph's content)."""
    h = hashlib.sha256()
    names = graph.vs["name"] if "name" in graph.vs.attributes() else range(graph.vcount())
    h.update(repr((graph.is_directed(), list(names))).encode())
    h.update(repr(graph.get_edgelist()).encode())
    return h.hexdigest()[:16]


#: How the per-graph small-world indices are computed: a fixed, recorded setting (it is
#: part of a sweep's identity). 10 random and 3 lattice references keep a Varshney-sized
#: graph around a second (the lattice references' C_l varies by ~0.001 between draws, so
#: more buy little); swap budgets and ``connected`` are ``topocli analyze``'s defaults.
SMALL_WORLD = {"nrand": 10, "nlattice": 3, "swaps_per_edge": 10,
               "lattice_swaps_per_edge": 10, "connected": False}
_SMALL_WORLD_KEYS = ("sigma", "omega", "propensity", "C_r_transitivity", "C_r_avg_zero",
                     "L_r", "C_l", "L_l")


def prepare_graph(spec: GraphSpec, real: Any, params: dict | None = None) -> dict:
    """Draw graph ``spec`` from the real graph and compute its statistics.

    Statistics: :func:`topocli.metrics.graph_statistics`, the small-world indices
    ``sigma``, ``omega``, ``propensity`` with their reference values
    (:func:`topocli.metrics.small_world` with the settings :data:`SMALL_WORLD`, references
    seeded from ``derive_seed(spec.statistics_seed, "small_world")``) and the motif
    census (:func:`graph_motifs`).
    """
    from topocli.metrics import graph_statistics

    start = time.perf_counter()
    if spec.generator == REAL:
        graph = real
    else:
        from topocli.nullmodels import generate

        graph = generate(real, spec.generator, seed=spec.seed, **(params or {}))
    statistics = dict(graph_statistics(graph, seed=spec.statistics_seed))
    statistics.update(small_world_statistics(graph, seed=spec.statistics_seed))
    statistics.update(graph_motifs(graph))
    null_params = graph["null_params"] if "null_params" in graph.attributes() else "{}"
    return {"key": spec.graph_id, "graph_id": spec.graph_id, "graph": graph,
            "statistics": statistics, "params": _json_obj(null_params),
            "prepared_s": time.perf_counter() - start}


def small_world_statistics(graph: Any, *, seed: int) -> dict[str, float]:
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


def graph_motifs(graph: Any) -> dict[str, float]:
    """The motif census as ``motif3:<class>`` and ``motif4:<class>`` counts.

    3-node: the 13 connected directed classes (MAN codes) of a directed graph, open triads
    and triangles of an undirected one; 4-node: the 6 connected undirected classes of the
    undirected version. A census above :class:`topocli.metrics.Limits`' budget is left out.
    """
    from topocli.metrics import Limits, motifs3_directed, motifs3_undirected, motifs4_undirected
    from topocli.metrics.motifs import motif4_work

    limits, out = Limits(), {}
    work = motif4_work(graph) if graph.ecount() else 0.0
    if work <= limits.motif3_max_work:
        counts = motifs3_directed(graph) if graph.is_directed() else motifs3_undirected(graph)
        out.update({f"motif3:{k}": float(v) for k, v in counts.items()})
    if work <= limits.motif4_max_work:
        out.update({f"motif4:{k}": float(v) for k, v in motifs4_undirected(graph).items()})
    return out


def dag_edges_kept(graph: Any, method: str) -> int | None:
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


def prepare_item(prepare_fn: Callable | None, spec: GraphSpec, real: Any,
                 params: dict | None) -> dict:
    """Run ``prepare_fn`` (default :func:`prepare_graph`) and serialise its graph.

    The GraphML file is rendered here, on the worker, and travels back as bytes: it is
    the slowest part of preparing a graph and the sweep folder may be on another machine.
    """
    import tempfile

    from topocli.graphs import write_graphml

    with _IGRAPH_RNG_LOCK:
        result = (prepare_fn or prepare_graph)(spec, real, params)
    # Which convention every statistic of the row follows (all rows of a sweep agree).
    result["statistics"] = {"directed": bool(result["graph"].is_directed()),
                            **result["statistics"]}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="topocli-sweep-") as tmp:
        path = write_graphml(result["graph"], Path(tmp, "graph.graphml.gz"))
        result["graphml_gz"] = path.read_bytes()
    result["prepared_s"] += time.perf_counter() - start
    return result


def run_training(spec: RunSpec, graph: Any, config: TrainConfig, threads: int | None,
                 train_fn: Callable | None = None) -> dict:
    """Train ``graph`` with the run's seed; never raises (failures are returned)."""
    global CURRENT_RUN
    start = time.perf_counter()
    run_config = config_for_run(config, spec.seed, threads)
    if train_fn is None:
        from topocli.training import train_graph as train_fn
    CURRENT_RUN = spec.run_id
    try:
        if threads is not None:
            _set_torch_threads(threads)
        result = dict(train_fn(graph, run_config))
        status, error = "ok", None
    except Exception as exc:  # noqa: BLE001 - a failed run is data, not a crash
        result = {"traceback": traceback.format_exc(limit=8)}
        status, error = "failed", f"{type(exc).__name__}: {exc}".strip()
    finally:
        CURRENT_RUN = None
    result.pop("config", None)
    result["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return {"key": spec.run_id, "run_id": spec.run_id, "status": status, "error": error,
            "result": result, "config": config_dict(run_config),
            "task_s": time.perf_counter() - start}


def _set_torch_threads(threads: int) -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _json_obj(value: Any) -> dict:
    import json

    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {"value": str(value)}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


# ------------------------------------------------------------------ stand-ins
def stand_in_prepare(spec: GraphSpec, real: Any, params: dict | None = None) -> dict:
    """A fast stand-in for :func:`prepare_graph`: a random relabelling of the real graph and
    three cheap statistics (for tests of the machinery, not for science)."""
    import numpy as np

    start = time.perf_counter()
    graph = real.copy()
    if spec.generator != REAL:
        # Relabel the nodes at random: same shape, different wiring between named cells.
        # (numpy's own generator: igraph's shares Python's global `random` with threads.)
        order = np.random.default_rng(spec.seed).permutation(graph.vcount())
        graph = graph.permute_vertices(order.tolist())
        graph.vs["name"] = real.vs["name"]
        graph["null_model"] = spec.family
        graph["null_params"] = "{}"
        graph["seed"] = spec.seed
    statistics = {"n": graph.vcount(), "m": graph.ecount(), "density": graph.density(),
                  "transitivity": graph.transitivity_undirected()}
    return {"key": spec.graph_id, "graph_id": spec.graph_id, "graph": graph,
            "statistics": statistics, "params": dict(params or {}),
            "prepared_s": time.perf_counter() - start}



def stand_in_train(graph: Any, config: TrainConfig, *, sleep: float = 0.0, epochs: int = 2,
                   fail_runs: tuple[str, ...] = (), fail_once_dir: str | None = None,
                   log_dir: str | None = None) -> dict:
    """A deterministic fake of ``train_graph``: numbers from the graph and the seed only.

    ``sleep`` seconds of pretend work; runs named in ``fail_runs`` always raise; with
    ``fail_once_dir`` every run raises on its first try only (a marker file remembers);
    ``log_dir`` gets one file per execution named ``<run_id>.<pid>.<ns>`` (tests count
    executions and find worker pids there).
    """
    seed = config.seed
    run_id = CURRENT_RUN or "unknown"
    if log_dir:
        Path(log_dir, f"{run_id}.{os.getpid()}.{time.time_ns()}").touch()
    if sleep:
        time.sleep(sleep)
    if run_id in fail_runs:
        raise RuntimeError(f"stand-in failure for {run_id}")
    if fail_once_dir:
        marker = Path(fail_once_dir, run_id)
        if not marker.exists():
            marker.touch()
            raise RuntimeError(f"stand-in first-try failure for {run_id}")
    u = derive_seed(seed, graph_fingerprint(graph)) / 2**63
    m = graph.ecount()
    curve = [{"epoch": e + 1, "train_loss": 2.0 / (e + 1 + u), "train_acc": 0.5 + 0.4 * u,
              "val_loss": 2.1 / (e + 1 + u), "val_acc": 0.45 + 0.4 * u, "lr": 0.1}
             for e in range(epochs)]
    return {"test_acc": 0.4 + 0.5 * u, "val_acc": curve[-1]["val_acc"],
            "test_loss": 1.0 - 0.5 * u, "val_loss": curve[-1]["val_loss"],
            "params": 1000 + 10 * m, "macs": 50_000 + 100 * m, "wall_time_s": sleep,
            "images_per_s": 0.0, "epochs_run": epochs,
            "dag": {"depth": 3, "max_width": 4, "n_inputs": 1, "n_outputs": 1,
                    "edges_kept": m},
            "curve": curve, "config": config_dict(config)}
