"""Write the sweep's tables from its store: ``graphs.csv``, ``runs.csv``, ``curves.csv``.

Tidy tables, one row per graph, per run and per (run, epoch), in plan order; each file is
written to a temporary name and renamed, so a reader never sees half a table. The store
stays the source of truth: rerunning the sweep command rewrites these from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from topocli.fileio import write_text_atomic
from topocli.sweep.plan import SweepPlan
from topocli.sweep.records import CURVE_COLUMNS, StoredGraph, StoredRun
from topocli.sweep.store import SweepStore

__all__ = ["CURVE_COLUMNS", "GRAPH_COLUMNS", "RUN_COLUMNS", "export_tables", "store_frames"]

GRAPH_COLUMNS = ["graph_id", "family", "index", "seed", "params", "file", "n", "m"]
RUN_COLUMNS = ["run_id", "graph_id", "family", "seed", "status", "error", "test_acc",
               "val_acc", "test_loss", "val_loss", "params", "macs", "wall_time_s",
               "images_per_s", "attempts", "config"]


def export_tables(store: SweepStore, plan: SweepPlan, out: str | Path,
                  version: str) -> dict[str, Path]:
    """Write the three CSVs into ``out``; return their paths by table name."""
    out = Path(out)
    graph_order = {g.graph_id: i for i, g in enumerate(plan.graphs)}
    run_order = {r.run_id: i for i, r in enumerate(plan.runs)}
    references = {g.graph_id: g.reference for g in plan.graphs if g.reference}
    graph_rows, run_rows = store.graph_rows(), store.run_rows()
    for row in graph_rows:   # rows the plan does not name (none expected) go last
        graph_order.setdefault(row.graph_id, len(graph_order))
    for row in run_rows:
        run_order.setdefault(row.run_id, len(run_order))
    frames = _frames(graph_rows, run_rows, graph_order, run_order, references, version)
    return {name: write_text_atomic(out / f"{name}.csv", frame.to_csv(index=False))
            for name, frame in frames.items()}


def store_frames(store: SweepStore, version: str, *, families: Sequence[str] = (),
                 references: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """The three tables from ``store`` without the plan (a sweep still running, read
    through :func:`~topocli.sweep.store.read_store`, which gives one snapshot), in the
    plan's order: graphs by real graph (``references``, a several-graph sweep's names,
    the prefixes of its graph ids), family (``families``, as the sweep lists them) and
    index; runs by graph, then seed."""
    graph_rows, run_rows = store.graph_rows(), store.run_rows()
    refs = {row.graph_id: next((r for r in references if row.graph_id.startswith(f"{r}.")),
                               "") for row in graph_rows}

    def place(row) -> tuple:
        ref = refs[row.graph_id]
        return (list(references).index(ref) if ref else 0,
                families.index(row.family) if row.family in families else len(families),
                row.index)

    graph_order = {row.graph_id: i for i, row in enumerate(sorted(graph_rows, key=place))}
    run_order = {row.run_id: (graph_order.get(row.graph_id, len(graph_order)),
                              row.seed_index) for row in run_rows}
    return _frames(graph_rows, run_rows, graph_order, run_order,
                   {gid: ref for gid, ref in refs.items() if ref}, version)


def _frames(graph_rows: list[StoredGraph], run_rows: list[StoredRun], graph_order: dict,
            run_order: dict, references: dict[str, str], version: str
            ) -> dict[str, pd.DataFrame]:
    """``graphs``, ``runs`` and ``curves`` in the given orders (every row must be in its
    order); with ``references`` (a sweep of several real graphs) runs say which real
    graph each belongs to."""
    graphs = graphs_frame(graph_rows, graph_order, references)
    runs, curves = runs_frames(run_rows, run_order, version)
    if references:
        runs.insert(2, "reference", runs["graph_id"].map(lambda gid: references.get(gid, "")))
    return {"graphs": graphs, "runs": runs, "curves": curves}


def graphs_frame(rows: list[StoredGraph], order: dict[str, int],
                 references: dict[str, str] | None = None) -> pd.DataFrame:
    """``graphs.csv``: one :meth:`~topocli.sweep.records.StoredGraph.columns` row per
    graph, in ``order``."""
    references = references or {}
    rows = sorted(rows, key=lambda r: order[r.graph_id])
    records = [row.columns(references.get(row.graph_id, "")) for row in rows]
    if not records:
        return pd.DataFrame(columns=GRAPH_COLUMNS)
    return _frame(records)


def runs_frames(rows: list[StoredRun], order: dict,
                version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``runs.csv`` and ``curves.csv``: :meth:`~topocli.sweep.records.StoredRun.columns` and
    :meth:`~topocli.sweep.records.StoredRun.curve_rows` of every run, in ``order``."""
    rows = sorted(rows, key=lambda r: order[r.run_id])
    runs = [row.columns(version) for row in rows]
    curves = [point for row in rows for point in row.curve_rows()]
    run_frame = _frame(runs) if runs else pd.DataFrame(columns=RUN_COLUMNS)
    curve_frame = _frame(curves) if curves else pd.DataFrame(columns=CURVE_COLUMNS)
    return run_frame, curve_frame


def _frame(records: list[dict]) -> pd.DataFrame:
    """A frame whose integer fields stay integers (nullable) when a failed run leaves gaps."""
    frame = pd.DataFrame.from_records(records)
    for column in frame.columns:
        values = [r.get(column) for r in records if r.get(column) is not None]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[column] = frame[column].astype("Int64")
    return frame


