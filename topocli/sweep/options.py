"""What a sweep was asked to do, checked once: the :class:`SweepOptions` record.

:func:`topocli.sweep.run_sweep` keeps its keyword arguments (the public API) and turns
them into one :class:`SweepOptions` with :meth:`SweepOptions.build`, which refuses bad
values before anything is loaded or written and fills in every default (workers, torch
threads, the stack size, the training config). The sweep's phases read the record
instead of a score of parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from topocli.errors import TopocliError
from topocli.nullmodels.grid import GridPoint, grid_points, parse_grid
from topocli.progress import ProgressFn
from topocli.sweep.execute import cpu_count, threads_per_run
from topocli.sweep.kinds import RandWireTraining, RunKind
from topocli.sweep.plan import parse_families
from topocli.sweep.tasks import config_for_run
from topocli.system import cap_jobs

if TYPE_CHECKING:
    from topocli.training.config import TrainConfig

__all__ = ["STACK_DEFAULTS", "SweepOptions", "default_stack"]

#: ``--stack`` when not given, by the device kind the runs train on. CPU: one run per
#: task, since stacking shares only the per-call overhead of each level, which the CPU
#: step hardly has (figures: benchmarks/RESULTS-sweep.md, "Stacked training"). CUDA and
#: MPS: a GPU runs one small network far below its capacity (launch-bound per level), so
#: several share it (not measured yet: ``benchmarks/bench_gpu.py`` has the row).
STACK_DEFAULTS = {"cpu": 1, "cuda": 8, "mps": 4}


def default_stack(device: str) -> int:
    """``--stack`` when not given: :data:`STACK_DEFAULTS` for the kind of ``device``
    (``auto`` is the kind this machine resolves it to)."""
    kind = device.split(":")[0]
    if kind == "auto":
        from topocli.training.device import resolve_device

        kind = resolve_device("auto").type
    return STACK_DEFAULTS.get(kind, 1)


@dataclass(frozen=True)
class SweepOptions:
    """A sweep's options, checked and with their defaults filled in.

    The fields are :func:`~topocli.sweep.run_sweep`'s keyword arguments (see there) in
    their resolved form: ``jobs`` is a worker count, ``threads`` the torch threads every
    run gets, ``config`` the shared training config with those threads (its seed is set
    per run), ``stack`` a whole number, ``families`` the parsed family list and ``grid``
    the parsed ``{model: {param: values}}`` with its ``points``; ``kind`` what each run
    does (:mod:`topocli.sweep.kinds`); ``say`` is where the plan and summary lines go.
    """

    families: tuple[str, ...]
    count: int
    seeds: int
    seed: int
    config: TrainConfig
    jobs: int
    scheduler: str | None
    retries: int
    threads: int
    null_params: Mapping[str, dict]
    grid: Mapping[str, dict[str, tuple[object, ...]]]
    points: tuple[GridPoint, ...]
    stack: int
    primary: str | None
    lr_check: Mapping | None
    kind: RunKind
    progress: ProgressFn | None
    say: Callable[[str], None]
    command: str | None

    @classmethod
    def build(cls, *, families: str | Sequence[str], count: int, seeds: int, seed: int,
              config: TrainConfig | None, jobs: int | None, scheduler: str | None,
              retries: int, threads: int | None, null_params: Mapping[str, dict] | None,
              grid: Sequence[str], stack: int | None, primary: str | None,
              lr_check: Mapping | None, train_fn: Callable | None, prepare_fn: Callable | None,
              kind: RunKind | None, progress: ProgressFn | None, say: Callable[[str], None],
              command: str | None, known_models: Sequence[str]) -> SweepOptions:
        """Check :func:`~topocli.sweep.run_sweep`'s keyword arguments and resolve their
        defaults; a bad value is one :class:`TopocliError`. ``train_fn`` and
        ``prepare_fn`` (the test hooks) make a :class:`RandWireTraining` kind."""
        if kind is not None and (train_fn is not None or prepare_fn is not None):
            raise TopocliError("give a run kind or train_fn/prepare_fn, not both")
        kind = kind or RandWireTraining(train_fn, prepare_fn)
        jobs = cpu_count() if not jobs or jobs < 1 else cap_jobs(jobs)
        if retries < 0:
            raise TopocliError(f"--retries must be 0 or more (got {retries})")
        if stack is not None and (isinstance(stack, bool) or not isinstance(stack, int)
                                  or stack < 1):
            raise TopocliError(f"--stack must be a whole number of at least 1 (got {stack}); "
                               "1 trains each run alone")
        if config is None:
            from topocli.training import TrainConfig

            config = TrainConfig()
        run_threads = threads_per_run(jobs, scheduler, threads or config.threads)
        config = config_for_run(config, 0, run_threads).validate()  # seeds are set per run
        if config.patience > 0 and stack is not None and stack > 1:
            raise TopocliError(f"--patience stops each run at its own epoch, so a run's "
                               f"result would depend on its stack; drop --stack {stack} "
                               "(or give 1)")
        if stack is None:   # a custom task trains one graph at a time: nothing to stack
            stack = 1 if not kind.trains_networks or config.patience > 0 else \
                default_stack(config.device)
        family_list = parse_families(families, tuple(known_models))
        grids = parse_grid(grid)
        return cls(families=tuple(family_list),
                   count=count, seeds=seeds, seed=seed, config=config, jobs=jobs,
                   scheduler=scheduler, retries=retries, threads=run_threads,
                   null_params=dict(null_params or {}), grid=grids,
                   points=tuple(grid_points(grids)), stack=stack, primary=primary,
                   lr_check=dict(lr_check) if lr_check else None,
                   kind=kind, progress=progress, say=say,
                   command=command)
