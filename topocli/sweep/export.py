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
    graphs = graphs_frame(store, graph_order, references)
    runs, curves = runs_frames(store, run_order, version)
    _add_references(runs, references)
    paths = {}
    for name, frame in (("graphs", graphs), ("runs", runs), ("curves", curves)):
        paths[name] = write_text_atomic(out / f"{name}.csv", frame.to_csv(index=False))
    return paths


def store_frames(path: str | Path, version: str, references: list[str] | tuple[str, ...] = ()
                 ) -> dict[str, pd.DataFrame]:
    """The three tables read straight from the store at ``path`` (read-only, beside a
    sweep that may still be writing it), without the plan: graphs in the order they
    were stored, runs by graph then seed. ``references`` are a several-graph sweep's
    real graph names (``config.json``'s ``notes.references``), the prefixes of its
    graph ids."""
    with SweepStore.read_only(path) as store:
        graph_rows = store.graph_rows()
        order = {row.graph_id: i for i, row in enumerate(graph_rows)}
        refs = {row.graph_id: next((r for r in references
                                    if row.graph_id.startswith(f"{r}.")), "")
                for row in graph_rows}
        refs = {gid: ref for gid, ref in refs.items() if ref}
        run_order = {row.run_id: (order.get(row.graph_id, len(order)), row.seed_index)
                     for row in store.run_rows()}
        graphs = graphs_frame(store, order, refs)
        runs, curves = runs_frames(store, run_order, version)
    _add_references(runs, refs)
    return {"graphs": graphs, "runs": runs, "curves": curves}


def _add_references(runs: pd.DataFrame, references: dict[str, str]) -> None:
    """A sweep of several real graphs: which one each run belongs to (a column)."""
    if references:
        runs.insert(2, "reference", runs["graph_id"].map(lambda gid: references.get(gid, "")))


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


def runs_frames(store: SweepStore, order: dict[str, object],
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


