"""The sweep pipeline: plan, prepare graphs, train runs, store and export.

:func:`run_sweep` is the whole experiment behind ``topocli train-sweep``; the steps are
described in :mod:`topocli.sweep`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import igraph as ig

from topocli import __version__
from topocli.errors import TopocliError
from topocli.fileio import write_bytes_atomic
from topocli.outdir import claim_folder, probe_writable
from topocli.progress import ProgressFn
from topocli.sweep.direction import check_dag_families, dag_method, graph_for_dag
from topocli.sweep.execute import Progress, check_scheduler, execute, format_seconds
from topocli.sweep.export import export_tables
from topocli.sweep.folder import (
    KIND,
    STORE_NAME,
    check_store,
    check_store_file,
    data_identity,
    open_folder,
    reference_names,
    sweep_identity,
)
from topocli.sweep.kinds import RunKind
from topocli.sweep.options import STACK_DEFAULTS, SweepOptions, default_stack
from topocli.sweep.plan import DEFAULT_PRIMARY, RunSpec, SweepPlan, plan_sweep
from topocli.sweep.records import PreparedGraph, RunOutcome, TaskOutcome
from topocli.sweep.store import SweepStore
from topocli.sweep.tasks import dag_edges_kept, prepare_item, stack_key

if TYPE_CHECKING:
    from topocli.graphs import GraphView
    from topocli.training.config import TrainConfig

__all__ = ["DEFAULT_FAMILIES", "STACK_DEFAULTS", "GraphSource", "SweepResult", "default_stack",
           "plan_stacks", "run_sweep"]

log = logging.getLogger("topocli")

DEFAULT_FAMILIES = ("real", "ws", "er", "ba", "degree")
#: A real graph as a sweep takes it: a bundled name, a file, or a loaded graph.
GraphSource = str | Path | ig.Graph


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
    graph: GraphSource | Sequence[GraphSource],
    out: str | Path,
    *,
    families: str | list[str] | tuple[str, ...] = DEFAULT_FAMILIES,
    count: int = 4,
    seeds: int = 2,
    seed: int = 0,
    config: TrainConfig | None = None,
    view: GraphView | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    retries: int = 0,
    threads: int | None = None,
    null_params: dict[str, dict] | None = None,
    grid: Sequence[str] = (),
    stack: int | None = None,
    primary: str | None = None,
    lr_check: dict | None = None,
    train_fn: Callable | None = None,
    prepare_fn: Callable | None = None,
    kind: RunKind | None = None,
    progress: ProgressFn | None = None,
    echo: Callable[[str], None] | None = None,
    command: str | None = None,
) -> SweepResult:
    """Run (or resume) the sweep into folder ``out``.

    Parameters
    ----------
    graph : str, Path or igraph.Graph, or a list of them
        The real connectome(s): sources for :func:`topocli.graphs.load_graph` (with
        ``view``) or already loaded graphs. When ``config.dag`` ignores directions
        (``random-order``, ``class-order``) its undirected view is what the sweep trains
        and draws every null from; with ``feedback-arc`` it stays directed (see
        :mod:`topocli.sweep.direction`). Several graphs each get their own matched nulls
        (see :mod:`topocli.sweep.plan`).
    out : path
        The sweep folder; created if missing, resumed if it holds this same sweep,
        refused (:class:`TopocliError`) if it holds anything else.
    families : names
        ``real`` and/or null models of :mod:`topocli.nullmodels` (``ws``, ``er``, ...).
    count, seeds, seed
        Samples per null family (and per grid point), training seeds per graph, base seed.
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
    null_params : dict
        Keyword arguments per null model (``{"degree": {"swaps_per_edge": 20}}``).
    grid : list of str
        ``MODEL.PARAM=V1,V2,...`` parameter grids (:mod:`topocli.nullmodels.grid`):
        ``count`` graphs per point, each point a family (``ws p=0.01``); a model with a
        grid is drawn at its points only, whether or not ``families`` lists it.
    stack : int
        Runs that share a training seed train together as one stacked model, up to this
        many per task (:mod:`topocli.training.stack`; 1: each run alone). Default:
        :func:`default_stack` for ``config.device`` (1 with a custom ``train_fn`` or
        with ``config.patience``: early stopping refuses stacks). Each
        run keeps its own row, curve and store entry; its numbers do not depend on the
        stack (to float rounding).
    primary : str
        The null family the real graph is compared with in the report's headline,
        declared before the runs and kept in ``config.json`` (``design.primary``).
        Default: ``degree`` (wiring beyond the degree sequence) when the sweep has it.
        A resumed sweep may not change it.
    lr_check : dict
        The learning-rate check that chose ``config.lr``
        (:func:`topocli.sweep.lr_check.declaration`), declared in ``config.json``
        (``design.lr_check``) for the report.
    train_fn : callable
        ``train_fn(graph, config) -> dict`` replacing
        :func:`topocli.training.train_graph` (tests, benchmarks); must be importable by
        the workers.
    prepare_fn : callable
        ``prepare_fn(graph_spec, real, params) -> PreparedGraph`` replacing
        :func:`topocli.sweep.tasks.prepare_graph` (draw + statistics), likewise.
    kind : RunKind
        What each run does (:mod:`topocli.sweep.kinds`); default
        :class:`~topocli.sweep.kinds.RandWireTraining` with ``train_fn`` and
        ``prepare_fn`` (give either a kind or those). ``train-sweep --model reservoir``
        passes :class:`~topocli.sweep.reservoir_task.ReservoirScoring`.
    progress : callable
        ``progress(label, done, total, note)`` as graphs and runs finish
        (:mod:`topocli.progress`); the CLI passes its display. None: silent.
    echo : callable
        Where the plan and summary lines go (default: the ``topocli`` logger at INFO).

    The keywords are checked and resolved into one
    :class:`~topocli.sweep.options.SweepOptions` record, which the phases read.

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
    options = SweepOptions.build(
        families=families, count=count, seeds=seeds, seed=seed, config=config, jobs=jobs,
        scheduler=scheduler, retries=retries, threads=threads, null_params=null_params,
        grid=grid, stack=stack, primary=primary, lr_check=lr_check, train_fn=train_fn,
        prepare_fn=prepare_fn, kind=kind, progress=progress, say=echo or log.info, command=command,
        known_models=_known_models())
    sources = list(graph) if isinstance(graph, (list, tuple)) else [graph]
    if not sources:
        raise TopocliError("give at least one GRAPH")
    result = _sweep(sources, [_load_real(s, view) for s in sources], Path(out), options)
    result.seconds = time.monotonic() - started
    options.say(f"sweep {result.out}: {result.ok} runs ok, {result.failed} failed "
                f"({result.ran} run now, {result.already_done} done before) in "
                f"{format_seconds(result.seconds)}; tables: graphs.csv, runs.csv, curves.csv")
    return result


def _sweep(sources: list[GraphSource], loaded: list[ig.Graph], out: Path,
           options: SweepOptions) -> SweepResult:
    """Plan the sweep of the ``loaded`` real graphs, claim folder ``out`` and run it."""
    dag = dag_method(options.config)
    for source in loaded:  # refused before anything is planned
        check_dag_families([*options.families, *options.grid], dag, source)
    chosen = [graph_for_dag(source, dag) for source in loaded]
    references = reference_names(sources) if len(sources) > 1 else [""]
    reals = {ref: g for ref, (g, _) in zip(references, chosen)}
    directions = {ref: info for ref, (_, info) in zip(references, chosen)}
    plan = plan_sweep(list(options.families), count=options.count, seeds=options.seeds,
                      seed=options.seed, grid=options.points, references=references)
    several = len(references) > 1
    design = {"primary": _primary_family(options.primary, plan),
              **({"lr_check": options.lr_check} if options.lr_check else {})}
    probe_writable(out)
    data = _check_before_writing(options)
    identity = sweep_identity(
        reals if several else reals[""], list(options.families), count=options.count,
        seeds=options.seeds, seed=options.seed, config=options.config,
        null_params=options.null_params, train_fn=options.kind.task_fn,
        prepare_fn=options.kind.prepare_fn, direction=directions if several else directions[""],
        grid=options.grid, data=data)
    result = SweepResult(out=out, plan=plan)
    # the folder's lock first: config.json and the store are checked and written by the
    # one process that holds it
    with claim_folder(out, KIND, resume=True, advice=_BUSY_ADVICE) as existing:
        open_folder(out, identity, command=options.command, existing=existing,
                    notes={"graph_form": directions[references[0]].get("reason", ""),
                           **({"references": references} if several else {})},
                    design=design if any(design.values()) else None)
        check_store_file(out, resuming=existing is not None)
        return _run_in_folder(out, identity, plan, result, options, reals=reals,
                              direction=directions[references[0]],
                              real=reals[references[0]])


_BUSY_ADVICE = ("wait for it to finish (rerun the same command then: it resumes and "
                "trains nothing twice), or choose another --out folder")


def _check_before_writing(options: SweepOptions) -> dict | None:
    """What must work before a sweep writes anything: the scheduler, and for trained
    networks the device and the data (whose identity this returns; None otherwise)."""
    if options.scheduler:
        check_scheduler(options.scheduler)
    if not options.kind.trains_networks:
        return None
    from topocli.training.device import resolve_device

    resolve_device(options.config.device)   # --device cuda without a GPU: one line, now
    return data_identity(options.config)


def _run_in_folder(out: Path, identity: dict, plan: SweepPlan, result: SweepResult,
                   options: SweepOptions, *, reals: dict[str, ig.Graph], direction: dict,
                   real: ig.Graph) -> SweepResult:
    """The sweep's phases in its claimed folder: prepare graphs, train, export.

    ``direction`` and ``real`` are the first real graph's form and graph (for the plan
    line and its pilot)."""
    with SweepStore(out / STORE_NAME, lock=False) as store:   # claim_folder holds the lock
        check_store(store, out, identity)
        try:
            _announce(options, plan, store, direction=direction, graph=real)
            phase = time.monotonic()
            config = options.config
            wired = getattr(options.kind, "wires_dag", True) and not config.no_graph
            _prepare_graphs(store, plan, reals, out, options,
                            dag=dag_method(config) if wired else None)
            result.prepare_s = time.monotonic() - phase
            phase = time.monotonic()
            _train_runs(store, plan, result, options)
            result.train_s = time.monotonic() - phase
        finally:
            result.tables = export_tables(store, plan, out, __version__)
        states = store.run_states()
    result.ok = sum(1 for s, _ in states.values() if s == "ok")
    result.failed = sum(1 for s, _ in states.values() if s == "failed")
    return result


def _primary_family(primary: str | None, plan: SweepPlan) -> str | None:
    """The declared primary null family: ``primary`` if the plan has it, else
    :data:`DEFAULT_PRIMARY` when drawn, else None (a sweep without that family)."""
    nulls = list(dict.fromkeys(g.family for g in plan.graphs if g.family != "real"))
    if primary is None:
        return DEFAULT_PRIMARY if DEFAULT_PRIMARY in nulls else None
    if primary not in nulls:
        raise TopocliError(f"--primary {primary} is not a null family of this sweep; "
                           f"choose one of {', '.join(nulls) or '(none: add --families)'}")
    return primary


# ----------------------------------------------------------------- phases
def _announce(options: SweepOptions, plan: SweepPlan, store: SweepStore, *, direction: dict,
              graph: ig.Graph) -> None:
    scheduler, jobs, grid, stack = options.scheduler, options.jobs, options.points, \
        options.stack
    pending = _pending_runs(plan, store, options.retries)
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
        eta = _pilot_estimate(graph, options.config, options.kind, len(pending),
                              workers) + per_worker
    form = f"graphs {direction['reason']}; "
    if grid:
        gridded = sorted({p.model for p in grid})
        form += (f"{len(grid)} grid point{'s' if len(grid) != 1 else ''} of "
                 f"{', '.join(gridded)} replace the default draws of that model; ")
    stacked = f", up to {stack} runs of a seed stacked per task" if stack > 1 else ""
    threads = options.threads
    options.say(f"sweep plan: {plan.summary()}; {form}{done} already done, {len(pending)} "
                f"to run {where} ({threads} torch thread{'s' if threads != 1 else ''} per "
                f"run{stacked}); {eta}")
    if pending:
        _warn_other_code(options, store)


def _warn_other_code(options: SweepOptions, store: SweepStore) -> None:
    """Say when finished runs of this folder came from other code than the runs about to
    be added (their numbers may differ by float rounding)."""
    from topocli.provenance import code_revision

    here = code_revision()
    other = {code: n for code, n in store.ok_codes().items() if code != here}
    if not other:
        return
    named = ", ".join(f"{n} by {code or 'code that did not record itself'}"
                      for code, n in sorted(other.items(), key=lambda kv: str(kv[0])))
    options.say(f"warning: finished runs here were trained by other code ({named}); this is "
                f"{here}. If a kernel changed between them, the sweep mixes their numerics: "
                "to keep one, resume it with the code that started it")


def _pilot_estimate(graph: ig.Graph, config: TrainConfig, kind: RunKind, runs: int,
                    workers: int) -> str:
    """``estimated ~5m (rough: ...)`` from a pilot of a few steps on the real graph."""
    fallback = "time estimate after the first runs finish"
    if not kind.trains_networks:
        return fallback  # a custom task: training steps would not say what it costs
    from topocli.sweep.estimate import PILOT_STEPS, estimate_seconds, pilot

    try:
        p = pilot(None if config.no_graph else graph, config)
    except Exception as exc:  # noqa: BLE001 - an estimate must never stop a sweep
        log.debug("pilot failed", exc_info=True)
        return f"{fallback} (no pilot: {type(exc).__name__}: {exc})"
    return (f"estimated ~{format_seconds(estimate_seconds(p, runs, workers))} (rough: "
            f"{PILOT_STEPS} pilot steps of the real graph, {p.step_s * 1000:.0f} ms/step x "
            f"{p.steps_per_run} steps per run, + setup and evaluation)")


def _prepare_graphs(store: SweepStore, plan: SweepPlan, reals: dict[str, ig.Graph], out: Path,
                    options: SweepOptions, *, dag: str | None) -> None:
    have = store.graph_ids()
    todo = [g for g in plan.graphs if g.graph_id not in have]
    if not todo:
        return
    bar = Progress(len(todo), label="graphs", report=options.progress)

    def on_result(prepared: PreparedGraph) -> None:
        spec = next(g for g in todo if g.graph_id == prepared.graph_id)
        write_bytes_atomic(out / spec.file, prepared.graphml_gz)
        statistics = dict(prepared.statistics)
        if dag is not None:  # what the network is wired from, next to the graph's own m
            # (not named dag_edges_kept: runs.csv's per-run dag_* columns have that name)
            statistics["m_dag"] = dag_edges_kept(prepared.graph, dag)
        store.add_graph(graph_id=spec.graph_id, family=spec.family, index=spec.index,
                        seed=spec.seed, params=dict(prepared.params), file=spec.file,
                        graph=prepared.graph, statistics=statistics,
                        prepared_s=prepared.prepared_s)
        bar.update()

    # the sweep's per-model parameters, with a grid point's own values on top
    items = [(options.kind.prepare, g, reals[g.reference],
              {**options.null_params.get(g.generator, {}), **dict(g.params)} or None)
             for g in todo]
    execute(prepare_item, items, key=lambda item: item[1].graph_id, on_result=on_result,
            jobs=min(options.jobs, len(items)), scheduler=options.scheduler)


def _pending_runs(plan: SweepPlan, store: SweepStore, retries: int) -> list[RunSpec]:
    states = store.run_states()
    return [r for r in plan.runs
            if r.run_id not in states
            or (states[r.run_id][0] == "failed" and states[r.run_id][1] <= retries)]


def plan_stacks(runs: Sequence[RunSpec], stack: int) -> list[tuple[RunSpec, ...]]:
    """Group ``runs`` into tasks of up to ``stack`` runs that share a training seed.

    Runs of one seed, in plan order, are cut into ``ceil(n / stack)`` groups of nearly
    equal size (9 runs with ``stack=4``: 3, 3, 3, not 4, 4, 1), so tasks take similar
    times and the workers finish together.
    """
    by_seed: dict[int, list[RunSpec]] = {}
    for run in runs:
        by_seed.setdefault(run.seed, []).append(run)
    tasks = []
    for group in by_seed.values():
        parts = -(-len(group) // max(1, stack))
        size, extra = divmod(len(group), parts)
        start = 0
        for i in range(parts):
            end = start + size + (i < extra)
            tasks.append(tuple(group[start:end]))
            start = end
    return tasks


def _train_runs(store: SweepStore, plan: SweepPlan, result: SweepResult,
                options: SweepOptions) -> None:
    retries, jobs, scheduler = options.retries, options.jobs, options.scheduler
    first = _pending_runs(plan, store, retries)
    estimate_pending = store.mean_ok_seconds() is None
    result.already_done = len(plan.runs) - len(first)
    graphs: dict[str, ig.Graph] = {}
    bar = Progress(len(first), report=options.progress)
    specs = {r.run_id: r for r in plan.runs}
    retried: set[str] = set()
    pending = first
    while pending:
        for run in pending:
            if run.graph_id not in graphs:
                graphs[run.graph_id] = store.load_graph(run.graph_id)

        def on_result(task: TaskOutcome) -> None:
            for res in task.runs:
                on_run(res)

        def on_run(res: RunOutcome) -> None:
            spec = specs[res.run_id]
            started = time.perf_counter()
            store.record_run(run_id=spec.run_id, graph_id=spec.graph_id, family=spec.family,
                             seed_index=spec.seed_index, seed=spec.seed, status=res.status,
                             error=res.error, result=dict(res.result),
                             config=dict(res.config), task_s=res.task_s)
            result.store_s += time.perf_counter() - started
            result.ran += 1
            nonlocal estimate_pending
            if estimate_pending and res.status == "ok" and len(first) > 1:
                estimate_pending = False
                left = len(first) - bar.done - 1
                workers = jobs if not scheduler else 1
                options.say(f"first run took {format_seconds(res.task_s)}: estimated "
                            f"~{format_seconds(res.task_s * left / max(1, min(workers, left)))} "
                            f"for the other {left}" + (" on one Dask worker thread, less on "
                                                       "several" if scheduler else ""))
            final = res.status == "ok" or store.run_states()[spec.run_id][1] > retries
            if final:
                bar.update(failed=res.status != "ok")
            elif spec.run_id not in retried:
                retried.add(spec.run_id)
                log.warning("run %s failed (%s); it will be retried", spec.run_id,
                            res.error)

        items = [(group, tuple(graphs[r.graph_id] for r in group), options.config,
                  options.threads) for group in plan_stacks(pending, options.stack)]
        execute(options.kind.run, items, key=lambda item: stack_key(item[0]), on_result=on_result,
                jobs=min(jobs, len(items)), scheduler=scheduler)
        pending = _pending_runs(plan, store, retries)


# ----------------------------------------------------------------- helpers
def _load_real(graph: GraphSource, view: GraphView | None) -> ig.Graph:
    from topocli.graphs import load_graph

    if isinstance(graph, ig.Graph):
        return graph if view is None else load_graph(graph, view)
    return load_graph(graph, view)


def _known_models() -> tuple[str, ...]:
    from topocli.nullmodels import registry

    return registry.names()
