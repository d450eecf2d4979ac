"""Train real connectomes and their null ensembles: planned, parallel, resumable.

:func:`run_sweep` (:mod:`~topocli.sweep.run`) is the whole experiment behind
``topocli train-sweep``:

1. **plan** (:mod:`~topocli.sweep.plan`): each real graph plus ``count`` samples of each
   null family and of each point of a parameter grid (:mod:`topocli.nullmodels.grid`),
   and ``seeds`` training runs per graph, every seed derived from one base
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

What each run does is the sweep's run kind (:mod:`~topocli.sweep.kinds`: RandWire
training, or reservoir scoring in :mod:`~topocli.sweep.reservoir_task`); the options are
one record (:mod:`~topocli.sweep.options`) and what changes hands between workers, the
store and the tables are typed records (:mod:`~topocli.sweep.records`).

Killed at any point and started again with the same arguments, a sweep redoes only what
had not finished. A folder holding a different sweep is refused
(:mod:`~topocli.sweep.folder`).
"""

from topocli.sweep.folder import sweep_identity
from topocli.sweep.plan import GraphSpec, RunSpec, SweepPlan, plan_sweep
from topocli.sweep.run import DEFAULT_FAMILIES, SweepResult, run_sweep

__all__ = ["DEFAULT_FAMILIES", "GraphSpec", "RunSpec", "SweepPlan", "SweepResult",
           "plan_sweep", "run_sweep", "sweep_identity"]
