"""The sweep's store: one SQLite file in the sweep folder, safe against kill -9.

- WAL journal with ``synchronous=FULL``: a committed run survives a crash or power loss,
  and an interrupted transaction leaves nothing behind.
- One transaction per finished run (its row and its curve together), written only by the
  coordinating process; workers return results and never touch the file.
- Idempotent by key: a graph row is keyed by ``graph_id``, a run row by ``run_id``. A run
  that finished ``ok`` is never overwritten; a failed one is replaced by its retry, with
  ``attempts`` counting every try.
- ``meta`` holds the sweep's config fingerprint so a folder is never reused by a
  different sweep.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Any

from typing_extensions import Self

__all__ = ["SweepStore"]


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars and arrays (``np.int64`` is not an ``int``)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _dumps(value: Any, **kwargs: Any) -> str:
    return json.dumps(value, default=_plain, **kwargs)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graphs (
    graph_id TEXT PRIMARY KEY, family TEXT NOT NULL, idx INTEGER NOT NULL,
    seed INTEGER NOT NULL, params TEXT NOT NULL, file TEXT NOT NULL,
    n INTEGER NOT NULL, m INTEGER NOT NULL, statistics TEXT NOT NULL,
    graph BLOB NOT NULL, prepared_s REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, graph_id TEXT NOT NULL, family TEXT NOT NULL,
    seed_index INTEGER NOT NULL, seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,
    attempts INTEGER NOT NULL, result TEXT NOT NULL, config TEXT NOT NULL,
    task_s REAL NOT NULL, finished_at REAL NOT NULL);
"""


class SweepStore:
    """Open (creating if needed) ``path``; use as a context manager or call ``close``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one per finished item.
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction():
            self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (key, value))

    # ---------------------------------------------------------------- graphs
    def add_graph(self, *, graph_id: str, family: str, index: int, seed: int, params: dict,
                  file: str, graph: Any, statistics: dict, prepared_s: float) -> None:
        """Insert a prepared graph (idempotent: a second insert of the same id is ignored)."""
        with self._transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO graphs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (graph_id, family, index, seed, _dumps(params, sort_keys=True), file,
                 graph.vcount(), graph.ecount(), _dumps(statistics),
                 pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL), prepared_s))

    def graph_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT graph_id FROM graphs")}

    def load_graph(self, graph_id: str) -> Any:
        row = self.db.execute("SELECT graph FROM graphs WHERE graph_id = ?",
                              (graph_id,)).fetchone()
        if row is None:
            raise KeyError(graph_id)
        return pickle.loads(row[0])

    def graph_rows(self) -> list[dict]:
        cur = self.db.execute("SELECT graph_id, family, idx, seed, params, file, n, m, "
                              "statistics, prepared_s FROM graphs ORDER BY rowid")
        rows = []
        for gid, family, idx, seed, params, file, n, m, stats, prepared_s in cur:
            rows.append({"graph_id": gid, "family": family, "index": idx, "seed": seed,
                         "params": params, "file": file, "n": n, "m": m,
                         "prepared_s": prepared_s, "statistics": json.loads(stats)})
        return rows

    # ------------------------------------------------------------------ runs
    def record_run(self, *, run_id: str, graph_id: str, family: str, seed_index: int,
                   seed: int, status: str, error: str | None, result: dict, config: dict,
                   task_s: float) -> bool:
        """Store one finished run in one transaction; return False if it was already ok.

        A run already stored ``ok`` is left as it is (a duplicate delivery, e.g. a Dask
        task re-run after its worker died just after finishing). A failed row is replaced
        and its ``attempts`` incremented.
        """
        with self._transaction():
            row = self.db.execute("SELECT status, attempts FROM runs WHERE run_id = ?",
                                  (run_id,)).fetchone()
            if row is not None and row[0] == "ok":
                return False
            attempts = 1 if row is None else row[1] + 1
            self.db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, graph_id, family, seed_index, seed, status, error, attempts,
                 _dumps(result), _dumps(config, sort_keys=True), task_s, time.time()))
        return True

    def run_states(self) -> dict[str, tuple[str, int]]:
        """``run_id -> (status, attempts)`` for every stored run."""
        return {r[0]: (r[1], r[2]) for r in
                self.db.execute("SELECT run_id, status, attempts FROM runs")}

    def run_rows(self) -> list[dict]:
        cur = self.db.execute("SELECT run_id, graph_id, family, seed_index, seed, status, "
                              "error, attempts, result, config, task_s FROM runs "
                              "ORDER BY rowid")
        cols = [c[0] for c in cur.description]
        rows = []
        for values in cur:
            row = dict(zip(cols, values))
            row["result"] = json.loads(row["result"])
            rows.append(row)
        return rows

    def mean_ok_seconds(self) -> float | None:
        row = self.db.execute("SELECT avg(task_s) FROM runs WHERE status = 'ok'").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    # -------------------------------------------------------------- helpers
    def _transaction(self):
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
