"""One execution path for every task: joblib, on local processes or a Dask cluster.

:func:`execute` runs ``fn(*args)`` for each item and hands every result, as soon as it
arrives and in completion order, to ``on_result`` in *this* process (which stores it).

- ``scheduler=None``: ``jobs`` local worker processes (joblib's loky backend; ``jobs=1``
  runs in this process). If a worker process dies (killed, out of memory), joblib stops
  the batch; the items whose results had not arrived are submitted again, up to
  ``max_lost`` times.
- ``scheduler="tcp://host:port"``: the same ``Parallel`` call under
  ``joblib.parallel_backend("dask")`` with a ``distributed.Client`` on that scheduler.
  Dask itself re-runs a task whose worker died on another worker.

Each item is one task (``batch_size=1``), so a lost worker costs at most the runs it was
doing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from topocli.errors import TopocliError
from topocli.progress import ProgressFn, format_seconds, report
from topocli.system import cpu_count

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["COORDINATOR_ENV", "WORKER_GROWTH", "Progress", "check_scheduler", "cpu_count",
           "dask_client", "execute", "format_seconds", "keep_worker", "release_local_workers",
           "threads_per_run", "watch_parent"]

log = logging.getLogger("topocli")


def threads_per_run(jobs: int, scheduler: str | None, requested: int | None) -> int:
    """Torch threads per run: ``requested``, else 1.

    One thread per run and one worker per core keeps the cores busy without
    oversubscribing them, and keeps results independent of ``--jobs``/``--scheduler``:
    torch's CPU reductions are split by thread, so the same run trained with 1 and with 2
    threads differs in the last digits. The thread count is therefore part of a sweep's
    identity. More threads than cores per worker only logs a warning.
    """
    threads = int(requested) if requested else 1
    if not scheduler and jobs * threads > cpu_count():
        log.warning("%d workers x %d torch threads oversubscribe the %d cores; use "
                    "--jobs %d or --threads %d", jobs, threads, cpu_count(),
                    max(1, cpu_count() // threads), max(1, cpu_count() // jobs))
    return threads


#: Resident-memory growth past which loky restarts a local worker (its default: 300 MB).
WORKER_GROWTH = 2 << 30


def keep_worker() -> None:
    """Tell this process's loky worker loop (if it is one) that memory grown by up to
    :data:`WORKER_GROWTH` since its first task is not a leak.

    loky takes a worker's resident memory after its first task as the reference and
    restarts the worker once it grows 300 MB past it. A sweep worker's first task
    prepares a graph (no torch); its first training run then loads torch, the compiled
    kernels and the allocator's caches, which is where it stays, not a leak. The restart
    cost each worker ~3 s of respawning and imports plus ~2 s of warm-up in its next run
    (demo-sized sweep: one restart per worker, ~1.7 % of the training phase). Called by
    the training tasks; harmless elsewhere (Dask workers, this process)."""
    try:
        from joblib.externals.loky import process_executor
    except ImportError:  # pragma: no cover - joblib without loky
        return
    if getattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", WORKER_GROWTH) < WORKER_GROWTH:
        process_executor._MAX_MEMORY_LEAK_SIZE = WORKER_GROWTH


#: The environment variable that tells a local worker which process coordinates it.
COORDINATOR_ENV = "TOPOCLI_COORDINATOR_PID"
_WATCHING: list[int] = []


def watch_parent(interval: float = 1.0) -> None:
    """In a local worker process: exit as soon as the coordinating sweep is gone.

    Called by the worker-side tasks. A worker whose parent is the coordinator named in
    :data:`COORDINATOR_ENV` (set by :func:`execute` before it starts workers) starts a
    daemon thread that checks its parent every ``interval`` seconds and ends the process
    when the coordinator has died (kill -9, out of memory): otherwise it would train on
    for minutes, holding memory and the caller's pipes. Nothing happens in the
    coordinator itself (``--jobs 1``) or on Dask workers, which Dask looks after.
    """
    try:
        coordinator = int(os.environ.get(COORDINATOR_ENV, "0"))
    except ValueError:
        return
    if _WATCHING or coordinator in (0, os.getpid()) or os.getppid() != coordinator:
        return
    _WATCHING.append(coordinator)

    def watch() -> None:
        while os.getppid() == coordinator:
            time.sleep(interval)
        os._exit(1)   # the coordinator is gone; nothing here can be delivered any more

    threading.Thread(target=watch, name="topocli-parent-watch", daemon=True).start()


def release_local_workers() -> None:
    """Stop this process's idle local worker processes now instead of at its exit.

    For a command about to end (``topocli train-sweep``): at interpreter exit loky lets
    each worker shut down cleanly and waits, and a worker that trained takes ~1.2 s to
    tear down torch and the rest; stopping idle workers takes none. Nothing is lost: every
    result has been delivered and stored when a sweep returns. A later :func:`execute`
    starts fresh workers."""
    try:
        from joblib.externals.loky import reusable_executor
    except ImportError:  # pragma: no cover - joblib without loky
        return
    executor = getattr(reusable_executor, "_executor", None)
    try:
        if executor is not None:
            executor.shutdown(wait=True, kill_workers=True)
    except Exception:  # noqa: BLE001 - only time is at stake: never mask the sweep's outcome
        log.debug("could not stop the local workers early", exc_info=True)


@contextmanager
def dask_client(address: str) -> Iterator[Client]:
    """A ``distributed.Client`` on ``address``; a one-line error if it cannot connect."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise TopocliError("--scheduler needs dask.distributed; pip install "
                           "'dask[distributed]'") from exc
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise TopocliError(f"cannot reach the Dask scheduler at {address} ({exc}); start "
                           "one with `dask scheduler` and workers with `dask worker "
                           f"{address}`, or check the address") from exc
    try:
        yield client
    finally:
        client.close()


def check_scheduler(address: str) -> None:
    """Refuse, before a sweep writes anything, a ``--scheduler`` that is not a Dask
    address with a port or that cannot be reached (one line)."""
    try:
        from distributed.comm import parse_address, parse_host_port
    except ImportError:  # pragma: no cover - dask is a dependency
        raise TopocliError("--scheduler needs dask.distributed; pip install "
                           "'dask[distributed]'") from None
    try:
        parse_host_port(parse_address(address)[1])
    except (ValueError, TypeError) as exc:
        raise TopocliError(f"--scheduler {address!r} is not a Dask scheduler address "
                           f"({exc}); give tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786") from None
    with dask_client(address):
        pass


def execute(fn: Callable[..., Any], items: Sequence[tuple], *, key: Callable[[tuple], str],
            on_result: Callable[[Any], None], jobs: int = 1, scheduler: str | None = None,
            max_lost: int = 3) -> None:
    """Run ``fn(*item)`` for every item; call ``on_result(result)`` as each finishes.

    ``key(item)`` names an item and must equal its result's ``key`` attribute (the
    records of :mod:`topocli.sweep.records` have one): an item counts as done once its
    result was delivered.
    """
    import warnings

    from joblib import Parallel, delayed

    # loky restarts a worker whose memory grew past its bound (see keep_worker); harmless.
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given")

    os.environ[COORDINATOR_ENV] = str(os.getpid())   # inherited by local workers
    pending = {key(item): item for item in items}
    lost = 0
    while pending:
        try:
            with _backend(jobs, scheduler) as n_jobs:
                parallel = Parallel(n_jobs=n_jobs, batch_size=1, pre_dispatch="2*n_jobs",
                                    return_as="generator_unordered")
                for result in parallel(delayed(fn)(*item) for item in list(pending.values())):
                    pending.pop(result.key, None)
                    on_result(result)
        except Exception as exc:
            if not _worker_lost(exc):
                raise
            lost += 1
            if lost > max_lost:
                raise TopocliError(
                    f"worker processes died {lost} times ({type(exc).__name__}); a run may be "
                    "using too much memory: try fewer --jobs or a smaller budget, then rerun "
                    "the same command to resume") from exc
            log.warning("a worker process died (%s); resubmitting %d unfinished item(s)",
                        type(exc).__name__, len(pending))


@contextmanager
def _backend(jobs: int, scheduler: str | None) -> Iterator[int]:
    import joblib

    if scheduler:
        with dask_client(scheduler) as client, \
                joblib.parallel_backend("dask", client=client, wait_for_workers_timeout=60):
            yield -1
    else:
        yield max(1, int(jobs))


def _worker_lost(exc: BaseException) -> bool:
    names = {"TerminatedWorkerError", "BrokenProcessPool", "KilledWorker"}
    return type(exc).__name__ in names


class Progress:
    """Counts finished items and failures; reports ``runs 5/18 done, 1 failed`` through
    the ``report`` callback (the CLI's :class:`topocli.cli.progress.ProgressLine`)."""

    def __init__(self, total: int, *, label: str = "runs", report: ProgressFn | None = None):
        self.total, self.label, self.report = total, label, report
        self.done = self.failed = 0

    def update(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        report(self.report, self.label, self.done, self.total, f"{self.failed} failed")
