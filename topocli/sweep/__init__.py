"""Train the real connectome and its null ensembles: planned, parallel, resumable.

:func:`run_sweep` is the whole experiment behind ``topocli train-sweep``:

1. **plan** (:mod:`~topocli.sweep.plan`): the real graph plus ``count`` samples of each
   null family, and ``seeds`` training runs per graph, every seed derived from one base
   seed. The real graph is the source's undirected view when ``--dag`` ignores
   directions (``random-order``, ``class-order``), else the directed source
   (:mod:`~topocli.sweep.direction`), so every family is compared in one convention;
   the plan line gives a rough time from a pilot of a few training steps
   (:mod:`~topocli.sweep.estimate`);
2. **prepare** each graph not yet in the store: draw it (:mod:`topocli.nullmodels`),
   compute its statistics (:mod:`topocli.metrics`: the flat summary, small-world indices,
   motif census) and its DAG's kept-edge count (``m_dag``), save it as GraphML;
3. **train** each unfinished run (:mod:`topocli.training`) through one joblib code path,
   on local processes or a Dask cluster (:mod:`~topocli.sweep.execute`);
4. **store** each finished item in one SQLite transaction (:mod:`~topocli.sweep.store`)
   and **export** ``graphs.csv``, ``runs.csv``, ``curves.csv``
   (:mod:`~topocli.sweep.export`).

Killed at any point and started again with the same arguments, a sweep redoes only what
had not finished. A folder holding a different sweep is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topocli import __version__
from topocli.errors import TopocliError
from topocli.fileio import write_bytes_atomic, write_json_atomic, write_text_atomic
from topocli.provenance import versions
from topocli.sweep.direction import check_dag_families, dag_method, graph_for_dag
from topocli.sweep.execute import Progress, cpu_count, execute, format_seconds, threads_per_run
from topocli.sweep.export import export_tables
from topocli.sweep.plan import GraphSpec, RunSpec, SweepPlan, parse_families, plan_sweep
from topocli.sweep.store import SweepStore
from topocli.sweep.tasks import (
    SMALL_WORLD,
    config_dict,
    config_for_run,
    dag_edges_kept,
    graph_fingerprint,
    prepare_item,
    run_training,
    stand_in_prepare,
    stand_in_train,
)

__all__ = ["DEFAULT_FAMILIES", "GraphSpec", "RunSpec", "SweepPlan", "SweepResult",
           "plan_sweep", "run_sweep", "stand_in_prepare", "stand_in_train", "sweep_identity"]

log = logging.getLogger("topocli")

DEFAULT_FAMILIES = ("real", "ws", "er", "ba", "degree")
KIND = "sweep"
STORE_NAME = "sweep.sqlite"
# Execution details that may change between a sweep and its resumption (torch threads
# do change results in the last digits, so they are part of the identity).
_NOT_IDENTITY = ("seed", "data_dir", "checkpoint", "device")


@dataclass
class SweepResult:
    """What a call to :func:`run_sweep` did; ``out`` holds the tables."""

    out: Path
    plan: SweepPlan
    ok: int = 0
    failed: int = 0
    ran: int = 0
    already_done: int = 0
    seconds: float = 0.0
    prepare_s: float = 0.0  # wall time drawing graphs and computing statistics
    train_s: float = 0.0  # wall time of the training phase
    store_s: float = 0.0  # time spent committing finished runs
    tables: dict[str, Path] = field(default_factory=dict)


def run_sweep(
    graph: Any,
    out: str | Path,
    *,
    families: str | list[str] | tuple[str, ...] = DEFAULT_FAMILIES,
    count: int = 4,
    seeds: int = 2,
    seed: int = 0,
    config: Any = None,
    view: Any = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    retries: int = 0,
    threads: int | None = None,
    null_params: dict[str, dict] | None = None,
    train_fn: Callable | None = None,
    prepare_fn: Callable | None = None,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
    command: str | None = None,
) -> SweepResult:
    """Run (or resume) the sweep into folder ``out``.

    Parameters
    ----------
    graph : str, Path or igraph.Graph
        The real connectome: a source for :func:`topocli.graphs.load_graph` (with
        ``view``) or an already loaded graph. When ``config.dag`` ignores directions
        (``random-order``, ``class-order``; also without a ``dag`` in ``config``) its
        undirected view is what the sweep trains and draws every null from; with
        ``feedback-arc`` it stays directed (see :mod:`topocli.sweep.direction`).
    out : path
        The sweep folder; created if missing, resumed if it holds this same sweep,
        refused (:class:`TopocliError`) if it holds anything else.
    families : names
        ``real`` and/or null models of :mod:`topocli.nullmodels` (``ws``, ``er``, ...).
    count, seeds, seed
        Samples per null family, training seeds per graph, base seed.
    config : TrainConfig
        The training budget shared by every run (its ``seed`` is set per run). Before a
        fresh sweep a few steps of it are timed on the real graph for the plan's time
        estimate (not with ``train_fn``).
    jobs : int
        Local worker processes (default: one per core). Ignored with ``scheduler``.
    scheduler : str
        Address of a running Dask scheduler (``tcp://host:port``).
    retries : int
        Re-run a failed run until it has been tried ``retries + 1`` times in all.
    threads : int
        Torch threads per run (default: ``config.threads`` or 1). Part of the sweep's
        identity: torch's results depend on it in the last digits.
    train_fn : callable
        ``train_fn(graph, config) -> dict`` replacing
        :func:`topocli.training.train_graph` (tests, benchmarks); must be importable by
        the workers.
    prepare_fn : callable
        ``prepare_fn(graph_spec, real, params) -> dict`` replacing
        :func:`topocli.sweep.tasks.prepare_graph` (draw + statistics), likewise.
    echo : callable
        Where the plan and summary lines go (default: the ``topocli`` logger at INFO).

    Returns
    -------
    SweepResult

    Raises
    ------
    TopocliError
        Bad options, ``--dag feedback-arc`` with the undirected ``ws``/``ba`` families or
        an undirected graph, or a folder holding something else.
    """
    started = time.monotonic()
    say = echo or log.info
    out = Path(out)
    jobs = cpu_count() if not jobs or jobs < 1 else int(jobs)
    if retries < 0:
        raise TopocliError(f"--retries must be 0 or more (got {retries})")
    source = _load_real(graph, view)
    if config is None and train_fn is None:
        from topocli.training import TrainConfig

        config = TrainConfig()
    run_threads = threads_per_run(jobs, scheduler, threads or getattr(config, "threads", None))
    config = config_for_run(config, 0, run_threads)  # the per-run seed is set per run
    if hasattr(config, "validate"):
        config = config.validate()
    family_list = parse_families(families, _known_models())
    dag = dag_method(config)
    check_dag_families(family_list, dag, source)  # refused before anything is planned
    real, direction = graph_for_dag(source, dag)
    plan = plan_sweep(family_list, count=count, seeds=seeds, seed=seed)
    identity = sweep_identity(real, family_list, count=count, seeds=seeds, seed=seed,
                              config=config, null_params=null_params, train_fn=train_fn,
                              prepare_fn=prepare_fn, direction=direction)
    _open_folder(out, identity, command=command,
                 notes={"graph_form": direction.get("reason", "")})
    result = SweepResult(out=out, plan=plan)
    with SweepStore(out / STORE_NAME) as store:
        _check_store(store, out, identity)
        try:
            _announce(say, plan, store, retries, jobs, scheduler, run_threads,
                      direction=direction, graph=real, config=config, train_fn=train_fn)
            phase = time.monotonic()
            _prepare_graphs(store, plan, real, out, null_params or {}, jobs=jobs,
                            scheduler=scheduler, progress=progress,
                            prepare_fn=prepare_fn, dag=None if _no_graph(config) else dag)
            result.prepare_s = time.monotonic() - phase
            phase = time.monotonic()
            _train_runs(store, plan, config, result, retries=retries, jobs=jobs,
                        scheduler=scheduler, threads=run_threads, train_fn=train_fn,
                        progress=progress, say=say)
            result.train_s = time.monotonic() - phase
        finally:
            result.tables = export_tables(store, plan, out, __version__)
        states = store.run_states()
    result.ok = sum(1 for s, _ in states.values() if s == "ok")
    result.failed = sum(1 for s, _ in states.values() if s == "failed")
    result.seconds = time.monotonic() - started
    say(f"sweep {out}: {result.ok} runs ok, {result.failed} failed "
        f"({result.ran} run now, {result.already_done} done before) in "
        f"{format_seconds(result.seconds)}; tables: graphs.csv, runs.csv, curves.csv")
    return result


# ----------------------------------------------------------------- identity
def sweep_identity(real: Any, families: list[str], *, count: int, seeds: int, seed: int,
                   config: Any, null_params: dict | None, train_fn: Callable | None,
                   prepare_fn: Callable | None = None, direction: dict | None = None) -> dict:
    """Everything that decides the sweep's results (not how or where it executes).

    ``real`` is the graph as the sweep uses it (after :func:`graph_for_dag`); ``direction``
    (its ``info``) records whether it is the source's undirected view and why. The
    small-world settings of the per-graph statistics are recorded under ``statistics``.
    """
    train = {k: v for k, v in config_dict(config).items() if k not in _NOT_IDENTITY}
    source = str(real["source"]) if "source" in real.attributes() else "graph"
    view = real["view"] if "view" in real.attributes() else None
    direction = direction or {"directed": real.is_directed()}
    return {
        "graph": {"source": source, "view": _maybe_json(view), "n": real.vcount(),
                  "m": real.ecount(), "fingerprint": graph_fingerprint(real),
                  # the reason is prose for people: in config.json's notes, not the identity
                  **{k: v for k, v in direction.items() if k not in ("dag", "reason")}},
        "families": list(families), "count": count, "seeds": seeds, "seed": seed,
        "null_params": null_params or {}, "train": _jsonable(train),
        "task": _task_name(train_fn, "topocli.training.train_graph"),
        "prepare": _task_name(prepare_fn, "topocli.sweep.tasks.prepare_graph"),
        "statistics": {"small_world": dict(SMALL_WORLD)},
    }


def _fingerprint(identity: dict) -> str:
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _open_folder(out: Path, identity: dict, *, command: str | None,
                 notes: dict | None = None) -> None:
    """Create ``out`` for this sweep, or check it already holds this very sweep."""
    config_path = out / "config.json"
    fingerprint = _fingerprint(identity)
    if config_path.exists():
        try:
            existing = json.loads(config_path.read_text())
        except ValueError:
            existing = {}
        if existing.get("kind") != KIND:
            raise TopocliError(f"{out} holds a {existing.get('kind', 'non-sweep')} result, not "
                               "a sweep; choose another --out folder")
        if existing.get("fingerprint") != fingerprint:
            diff = _differences(existing.get("identity", {}), identity)
            raise TopocliError(f"{out} holds a different sweep ({diff}); rerun with the same "
                               "options to resume it, or choose another --out folder")
        _complete_folder(out)
        return
    if out.exists() and any(out.iterdir()):
        raise TopocliError(f"{out} is not empty and holds no sweep config.json; choose a new "
                           "or empty --out folder")
    out.mkdir(parents=True, exist_ok=True)
    # config.json first: once it exists the folder is this sweep's, whatever else is missing.
    write_json_atomic(config_path, {
        "kind": KIND, "fingerprint": fingerprint, "identity": identity,
        "notes": notes or {}, "command": command, "topocli_version": __version__,
        "python": sys.version.split()[0], "versions": versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    _complete_folder(out)


def _complete_folder(out: Path) -> None:
    (out / "graphs").mkdir(exist_ok=True)
    if not (out / "kind.txt").exists():
        write_text_atomic(out / "kind.txt", KIND + "\n")


def _check_store(store: SweepStore, out: Path, identity: dict) -> None:
    fingerprint = _fingerprint(identity)
    stored = store.get_meta("fingerprint")
    if stored is None:
        store.set_meta("fingerprint", fingerprint)
    elif stored != fingerprint:
        raise TopocliError(f"{out / STORE_NAME} belongs to a different sweep than its "
                           "config.json; choose another --out folder")


def _differences(old: dict, new: dict, prefix: str = "") -> str:
    diffs = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            inner = _differences(a, b, f"{prefix}{key}.")
            if inner:
                diffs.append(inner)
        elif a != b:
            diffs.append(f"{prefix}{key}: {_short(a)} there, {_short(b)} now")
    return "; ".join(diffs[:3]) + ("; ..." if len(diffs) > 3 else "")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


# ----------------------------------------------------------------- phases
def _announce(say, plan: SweepPlan, store: SweepStore, retries: int, jobs: int,
              scheduler: str | None, threads: int, *, direction: dict | None = None,
              graph: Any = None, config: Any = None, train_fn: Callable | None = None
              ) -> None:
    pending = _pending_runs(plan, store, retries)
    done = len(plan.runs) - len(pending)
    where = (f"on the Dask cluster at {scheduler}" if scheduler else
             f"on {jobs} local worker{'s' if jobs != 1 else ''}")
    workers = 1 if scheduler else min(jobs, len(pending))
    per_worker = " on one Dask worker thread, less on several" if scheduler else ""
    mean = store.mean_ok_seconds()
    if not pending:
        eta = "nothing left to run"
    elif mean is not None:
        eta = f"estimated ~{format_seconds(mean * len(pending) / workers)} " \
              f"(from the runs already done{per_worker})"
    else:
        eta = _pilot_estimate(graph, config, train_fn, len(pending), workers) + per_worker
    form = f"graphs {direction['reason']}; " if direction else ""
    say(f"sweep plan: {plan.summary()}; {form}{done} already done, {len(pending)} to run "
        f"{where} ({threads} torch thread{'s' if threads != 1 else ''} per run); {eta}")


def _pilot_estimate(graph: Any, config: Any, train_fn: Callable | None, runs: int,
                    workers: int) -> str:
    """``estimated ~5m (rough: ...)`` from a pilot of a few steps on the real graph."""
    fallback = "time estimate after the first runs finish"
    if train_fn is not None or graph is None or not hasattr(config, "epochs"):
        return fallback  # a custom task: training steps would not say what it costs
    from topocli.sweep.estimate import PILOT_STEPS, estimate_seconds, pilot

    try:
        p = pilot(None if _no_graph(config) else graph, config)
    except Exception as exc:  # noqa: BLE001 - an estimate must never stop a sweep
        log.debug("pilot failed", exc_info=True)
        return f"{fallback} (no pilot: {type(exc).__name__}: {exc})"
    return (f"estimated ~{format_seconds(estimate_seconds(p, runs, workers))} (rough: "
            f"{PILOT_STEPS} pilot steps of the real graph, {p.step_s * 1000:.0f} ms/step x "
            f"{p.steps_per_run} steps per run, + setup and evaluation)")


def _prepare_graphs(store: SweepStore, plan: SweepPlan, real: Any, out: Path,
                    null_params: dict, *, jobs: int, scheduler: str | None,
                    progress: bool, prepare_fn: Callable | None, dag: str | None) -> None:
    have = store.graph_ids()
    todo = [g for g in plan.graphs if g.graph_id not in have]
    if not todo:
        return
    bar = Progress(len(todo), label="graphs", enabled=progress)

    def on_result(res: dict) -> None:
        spec = next(g for g in todo if g.graph_id == res["graph_id"])
        write_bytes_atomic(out / spec.file, res["graphml_gz"])
        statistics = dict(res["statistics"])
        if dag is not None:  # what the network is wired from, next to the graph's own m
            # (not named dag_edges_kept: runs.csv's per-run dag_* columns have that name)
            statistics["m_dag"] = dag_edges_kept(res["graph"], dag)
        store.add_graph(graph_id=spec.graph_id, family=spec.family, index=spec.index,
                        seed=spec.seed, params=res["params"], file=spec.file,
                        graph=res["graph"], statistics=statistics,
                        prepared_s=res["prepared_s"])
        bar.update()

    items = [(prepare_fn, g, real, null_params.get(g.family)) for g in todo]
    execute(prepare_item, items, key=lambda item: item[1].graph_id, on_result=on_result,
            jobs=min(jobs, len(items)), scheduler=scheduler)


def _pending_runs(plan: SweepPlan, store: SweepStore, retries: int) -> list[RunSpec]:
    states = store.run_states()
    return [r for r in plan.runs
            if r.run_id not in states
            or (states[r.run_id][0] == "failed" and states[r.run_id][1] <= retries)]


def _train_runs(store: SweepStore, plan: SweepPlan, config: Any, result: SweepResult, *,
                retries: int, jobs: int, scheduler: str | None, threads: int,
                train_fn: Callable | None, progress: bool, say: Callable) -> None:
    first = _pending_runs(plan, store, retries)
    estimate_pending = store.mean_ok_seconds() is None
    result.already_done = len(plan.runs) - len(first)
    graphs: dict[str, Any] = {}
    bar = Progress(len(first), enabled=progress)
    specs = {r.run_id: r for r in plan.runs}
    retried: set[str] = set()
    pending = first
    while pending:
        for run in pending:
            if run.graph_id not in graphs:
                graphs[run.graph_id] = store.load_graph(run.graph_id)

        def on_result(res: dict) -> None:
            spec = specs[res["run_id"]]
            started = time.perf_counter()
            store.record_run(run_id=spec.run_id, graph_id=spec.graph_id, family=spec.family,
                             seed_index=spec.seed_index, seed=spec.seed, status=res["status"],
                             error=res["error"], result=res["result"], config=res["config"],
                             task_s=res["task_s"])
            result.store_s += time.perf_counter() - started
            result.ran += 1
            nonlocal estimate_pending
            if estimate_pending and res["status"] == "ok" and len(first) > 1:
                estimate_pending = False
                left = len(first) - bar.done - 1
                workers = jobs if not scheduler else 1
                say(f"first run took {format_seconds(res['task_s'])}: estimated "
                    f"~{format_seconds(res['task_s'] * left / max(1, min(workers, left)))} "
                    f"for the other {left}" + (" on one Dask worker thread, less on several"
                                               if scheduler else ""))
            final = res["status"] == "ok" or store.run_states()[spec.run_id][1] > retries
            if final:
                bar.update(failed=res["status"] != "ok")
            elif spec.run_id not in retried:
                retried.add(spec.run_id)
                log.warning("run %s failed (%s); it will be retried", spec.run_id,
                            res["error"])

        items = [(r, graphs[r.graph_id], config, threads, train_fn) for r in pending]
        execute(run_training, items, key=lambda item: item[0].run_id, on_result=on_result,
                jobs=min(jobs, len(items)), scheduler=scheduler)
        pending = _pending_runs(plan, store, retries)


# ----------------------------------------------------------------- helpers
def _load_real(graph: Any, view: Any) -> Any:
    import igraph as ig

    from topocli.graphs import load_graph

    if isinstance(graph, ig.Graph):
        return graph if view is None else load_graph(graph, view)
    return load_graph(graph, view)


def _no_graph(config: Any) -> bool:
    """Whether ``config`` trains the no-graph baseline (no DAG is built)."""
    if isinstance(config, dict):
        return bool(config.get("no_graph"))
    return bool(getattr(config, "no_graph", False))


def _known_models() -> tuple[str, ...]:
    try:
        from topocli.nullmodels import MODELS
    except ImportError:  # the contract's list, if nullmodels cannot be imported
        return ("er", "ws", "ba", "degree", "config", "lattice", "sbm")
    return tuple(MODELS)


def _task_name(fn: Callable | None, default: str) -> str:
    if fn is None:
        return default
    func = getattr(fn, "func", fn)
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
    keywords = getattr(fn, "keywords", None)
    return f"{name}({json.dumps(keywords, sort_keys=True, default=str)})" if keywords else name


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))

