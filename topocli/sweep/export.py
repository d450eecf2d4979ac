"""Write the sweep's tables from its store: ``graphs.csv``, ``runs.csv``, ``curves.csv``.

Tidy tables, one row per graph, per run and per (run, epoch), in plan order; each file is
written to a temporary name and renamed, so a reader never sees half a table. The store
stays the source of truth: rerunning the sweep command rewrites these from it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from topocli.fileio import write_text_atomic
from topocli.nullmodels.grid import parameter_columns
from topocli.sweep.plan import SweepPlan
from topocli.sweep.store import SweepStore

__all__ = ["CURVE_COLUMNS", "GRAPH_COLUMNS", "RUN_COLUMNS", "export_tables"]

GRAPH_COLUMNS = ["graph_id", "family", "index", "seed", "params", "file", "n", "m"]
RUN_COLUMNS = ["run_id", "graph_id", "family", "seed", "status", "error", "test_acc",
               "val_acc", "test_loss", "val_loss", "params", "macs", "wall_time_s",
               "images_per_s", "attempts", "config"]
CURVE_COLUMNS = ["run_id", "graph_id", "family", "seed", "epoch", "train_loss", "train_acc",
                 "val_loss", "val_acc", "lr"]
_RESULT_FIELDS = ["test_acc", "val_acc", "test_loss", "val_loss", "params", "macs",
                  "wall_time_s", "images_per_s"]


def export_tables(store: SweepStore, plan: SweepPlan, out: str | Path,
                  version: str) -> dict[str, Path]:
    """Write the three CSVs into ``out``; return their paths by table name."""
    out = Path(out)
    graph_order = {g.graph_id: i for i, g in enumerate(plan.graphs)}
    run_order = {r.run_id: i for i, r in enumerate(plan.runs)}
    references = {g.graph_id: {"reference": g.reference} for g in plan.graphs if g.reference}
    graphs = graphs_frame(store, graph_order, references)
    runs, curves = runs_frames(store, run_order, version)
    if references:  # a sweep of several real graphs: which one each run belongs to
        runs.insert(2, "reference", runs["graph_id"].map(
            lambda gid: references.get(gid, {}).get("reference", "")))
    paths = {}
    for name, frame in (("graphs", graphs), ("runs", runs), ("curves", curves)):
        paths[name] = write_text_atomic(out / f"{name}.csv", frame.to_csv(index=False))
    return paths


def graphs_frame(store: SweepStore, order: dict[str, int],
                 reference: dict[str, dict] | None = None) -> pd.DataFrame:
    reference = reference or {}
    rows = sorted(store.graph_rows(), key=lambda r: order.get(r["graph_id"], len(order)))
    records = []
    for row in rows:
        stats = {k: v for k, v in row.pop("statistics").items() if k not in ("n", "m")}
        row.pop("prepared_s")
        # every generator parameter is a column of its own (p of a ws grid, k, ...)
        params = parameter_columns(row["params"], reserved=[*row, *stats])
        records.append({**row, **reference.get(row["graph_id"], {}), **params, **stats})
    if not records:
        return pd.DataFrame(columns=GRAPH_COLUMNS)
    return _frame(records)


def runs_frames(store: SweepStore, order: dict[str, int],
                version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = sorted(store.run_rows(), key=lambda r: order.get(r["run_id"], len(order)))
    runs, curves = [], []
    for row in rows:
        result = row["result"]
        record = {c: row.get(c) for c in ("run_id", "graph_id", "family", "seed", "status",
                                          "error")}
        record.update({f: result.get(f) for f in _RESULT_FIELDS})
        # --model reservoir: one column per task score (and LIF synaptic events)
        record.update({f"score_{k}": v for k, v in (result.get("scores") or {}).items()})
        record.update({f"events_{k}": v for k, v in
                       (result.get("synaptic_events_per_sample") or {}).items()})
        record["attempts"] = row["attempts"]
        record["config"] = row["config"]
        record["seed_index"] = row["seed_index"]
        record["epochs_run"] = result.get("epochs_run")
        # early stopping (--patience): where each run stopped and why
        for key in ("best_epoch", "stopped_early", "hit_cap"):
            if key in result:
                record[key] = result[key]
        for k, v in (result.get("dag") or {}).items():
            if isinstance(v, (int, float, str, bool)) or v is None:
                record[f"dag_{k}"] = v
        record["worker"] = result.get("worker")
        # where and how a trained run ran: the device, and how many runs were stacked
        # with it (either can change a result by an image now and then)
        for key in ("device", "stack"):
            if key in result:
                record[key] = result[key]
        record["topocli_version"] = version
        runs.append(record)
        for point in result.get("curve") or []:
            curves.append({"run_id": row["run_id"], "graph_id": row["graph_id"],
                           "family": row["family"], "seed": row["seed"],
                           **{c: point.get(c) for c in CURVE_COLUMNS[4:]}})
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


