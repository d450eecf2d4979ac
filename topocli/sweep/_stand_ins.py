"""Stand-ins for the sweep's tasks, for tests and benchmarks only (not public API).

:func:`stand_in_train` is a deterministic, fast fake of
:func:`topocli.training.train_graph` with the same return shape, and
:func:`stand_in_prepare` a fake of :func:`topocli.sweep.tasks.prepare_graph`; tests and
benchmarks inject them (optionally slowed down or made to fail) to exercise planning,
storing, resuming and parallel execution. They live in the package, not in ``tests/``,
because Dask and loky workers must be able to import them by name.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from topocli.seeding import derive_seed
from topocli.sweep import tasks
from topocli.sweep.plan import REAL, GraphSpec
from topocli.sweep.records import PreparedGraph
from topocli.sweep.tasks import config_dict, graph_fingerprint

if TYPE_CHECKING:
    import igraph as ig

    from topocli.training.config import TrainConfig

__all__: list[str] = []  # private: import the names explicitly


def stand_in_prepare(spec: GraphSpec, real: ig.Graph,
                     params: dict | None = None) -> PreparedGraph:
    """A fast stand-in for :func:`prepare_graph`: a random relabelling of the real graph and
    three cheap statistics (for tests of the machinery, not for science)."""
    import numpy as np

    start = time.perf_counter()
    graph = real.copy()
    if spec.family != REAL:
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
    return PreparedGraph.drawn(spec, graph, statistics, started=start, params=params or {})



#: What ``stand_in_train(hold_mb=...)`` keeps for the life of its process.
_HELD: list = []


def stand_in_train(graph: ig.Graph, config: TrainConfig, *, sleep: float = 0.0, epochs: int = 2,
                   fail_runs: tuple[str, ...] = (), fail_once_dir: str | None = None,
                   log_dir: str | None = None, hold_mb: int = 0) -> dict:
    """A deterministic fake of ``train_graph``: numbers from the graph and the seed only.

    ``sleep`` seconds of pretend work; ``hold_mb``: the process's first run allocates that
    much memory and keeps it (a training worker's steady state: torch, kernels, caches);
    runs named in ``fail_runs`` always raise; with
    ``fail_once_dir`` every run raises on its first try only (a marker file remembers);
    ``log_dir`` gets one file per execution named ``<run_id>.<pid>.<ns>`` (tests count
    executions and find worker pids there).
    """
    seed = config.seed
    run_id = tasks.CURRENT_RUN or "unknown"
    if log_dir:
        Path(log_dir, f"{run_id}.{os.getpid()}.{time.time_ns()}").touch()
    if hold_mb and not _HELD:
        _HELD.append(np.ones(hold_mb << 20, np.uint8))   # touched: resident
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
