"""Write the sweep's tables from its store: ``graphs.csv``, ``runs.csv``, ``curves.csv``.

Tidy tables, one row per graph, per run and per (run, epoch), in plan order; each file is
written to a temporary name and renamed, so a reader never sees half a table. The store
stays the source of truth: rerunning the sweep command rewrites these from it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from topocli.fileio import write_text_atomic
from topocli.sweep.plan import SweepPlan
from topocli.sweep.records import CURVE_COLUMNS
from topocli.sweep.store import SweepStore

__all__ = ["CURVE_COLUMNS", "GRAPH_COLUMNS", "RUN_COLUMNS", "export_tables"]

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
    graphs = graphs_frame(store, graph_order, references)
    runs, curves = runs_frames(store, run_order, version)
    if references:  # a sweep of several real graphs: which one each run belongs to
        runs.insert(2, "reference", runs["graph_id"].map(lambda gid: references.get(gid, "")))
    paths = {}
    for name, frame in (("graphs", graphs), ("runs", runs), ("curves", curves)):
        paths[name] = write_text_atomic(out / f"{name}.csv", frame.to_csv(index=False))
    return paths


def graphs_frame(store: SweepStore, order: dict[str, int],
                 references: dict[str, str] | None = None) -> pd.DataFrame:
    """``graphs.csv``: one :meth:`~topocli.sweep.records.StoredGraph.columns` row per
    graph, in plan order."""
    references = references or {}
    rows = sorted(store.graph_rows(), key=lambda r: order.get(r.graph_id, len(order)))
    records = [row.columns(references.get(row.graph_id, "")) for row in rows]
    if not records:
        return pd.DataFrame(columns=GRAPH_COLUMNS)
    return _frame(records)


def runs_frames(store: SweepStore, order: dict[str, int],
                version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``runs.csv`` and ``curves.csv``: :meth:`~topocli.sweep.records.StoredRun.columns` and
    :meth:`~topocli.sweep.records.StoredRun.curve_rows` of every run, in plan order."""
    rows = sorted(store.run_rows(), key=lambda r: order.get(r.run_id, len(order)))
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


