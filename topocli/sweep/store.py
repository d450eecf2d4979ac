"""The sweep's store: one SQLite file in the sweep folder, safe against kill -9.

- WAL journal with ``synchronous=FULL``: a committed run survives a crash or power loss,
  and an interrupted transaction leaves nothing behind.
- One transaction per finished run (its row and its curve together), written only by the
  coordinating process; workers (local or Dask) return results and never touch the file.
- One coordinating process per folder: opening the store takes an exclusive lock on
  ``sweep.lock`` next to it (released by the kernel when the process ends, even by
  kill -9). A second ``train-sweep`` on the same folder is refused with one line, so no
  run is ever trained twice; every run is claimed by the one process that holds the lock,
  and Dask workers only receive the runs that process hands them.
- Idempotent by key: a graph row is keyed by ``graph_id``, a run row by ``run_id``. A run
  that finished ``ok`` is never overwritten; a failed one is replaced by its retry, with
  ``attempts`` counting every try.
- Data only: graphs are stored as gzipped JSON edge arrays with their attributes (never
  pickles, so opening a store received from someone else cannot run code). Stores from
  before schema 2 held pickles and are refused, unread.
- A damaged file (truncated, not SQLite, a schema this version does not know, a row that
  is not the JSON or the graph topocli writes) is one
  :class:`~topocli.errors.TopocliError` naming the file and what to do. A full disk or an
  I/O error is "disk full or I/O error", never "damaged" (the advice for a damaged store,
  moving it aside, would throw away every finished run).
- ``meta`` holds the sweep's config fingerprint so a folder is never reused by a
  different sweep.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from topocli.errors import TopocliError
from topocli.outdir import FolderLock
from topocli.sweep.records import StoredGraph, StoredRun

if TYPE_CHECKING:
    import igraph as ig

__all__ = ["SCHEMA_VERSION", "SweepStore", "graph_from_data", "graph_to_data", "read_store"]

#: ``PRAGMA user_version`` of the stores this version writes. 0 (SQLite's default) with a
#: ``graphs`` table is the pickle format of earlier versions.
SCHEMA_VERSION = 2


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
    graph_json_gz BLOB NOT NULL, prepared_s REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, graph_id TEXT NOT NULL, family TEXT NOT NULL,
    seed_index INTEGER NOT NULL, seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,
    attempts INTEGER NOT NULL, result TEXT NOT NULL, config TEXT NOT NULL,
    task_s REAL NOT NULL, finished_at REAL NOT NULL);
"""


# ------------------------------------------------------------------ graphs as data
def graph_to_data(graph: ig.Graph) -> bytes:
    """``graph`` as gzipped JSON: directedness, the edge array and every attribute.

    Exact for the attribute types topocli uses (str, int, float, bool, None): the graph
    read back by :func:`graph_from_data` has the same vertices, edges in the same order
    and equal attributes, so training it gives the same result.
    """
    doc = {"directed": bool(graph.is_directed()), "n": graph.vcount(),
           "edges": [list(e) for e in graph.get_edgelist()],
           "graph": {k: graph[k] for k in graph.attributes()},
           "vertex": {k: graph.vs[k] for k in graph.vs.attributes()},
           "edge": {k: graph.es[k] for k in graph.es.attributes()}}
    return gzip.compress(_dumps(doc, separators=(",", ":")).encode(), mtime=0)


#: Most nodes a stored graph may have: far above any connectome, far below what would
#: exhaust memory when a planted row claims a huge graph.
MAX_STORED_NODES = 10_000_000


def _gunzip_bounded(data: bytes) -> bytes:
    """``data`` gunzipped, refusing (ValueError) more than the input cap of
    :func:`topocli.bounded_read.max_input_bytes` once expanded."""
    from topocli.bounded_read import gunzip_at_most, max_input_bytes

    cap = max_input_bytes()
    out = gunzip_at_most(data, cap)
    if out is None:
        raise ValueError(f"the stored graph expands to more than {cap >> 20} MiB "
                         "(TOPOCLI_MAX_INPUT_MB raises the cap)")
    return out


def graph_from_data(data: bytes) -> ig.Graph:
    """The ``igraph.Graph`` stored by :func:`graph_to_data` (parsed, never executed)."""
    import igraph as ig

    doc = json.loads(_gunzip_bounded(data))
    n, edges = doc["n"], doc["edges"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n = {n!r} is not a node count")
    if n > MAX_STORED_NODES:
        raise ValueError(f"n = {n} is more nodes than any sweep graph ({MAX_STORED_NODES:,})")
    if not isinstance(edges, list) or not all(
            isinstance(e, list) and len(e) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < n for v in e)
            for e in edges):
        raise ValueError(f"an edge is not a pair of nodes 0..{n - 1}")
    graph = ig.Graph(n=n, edges=[tuple(e) for e in edges], directed=bool(doc["directed"]))
    for key, value in doc["graph"].items():
        graph[key] = value
    for key, values in doc["vertex"].items():
        graph.vs[key] = values
    for key, values in doc["edge"].items():
        graph.es[key] = values
    return graph


#: SQLite's primary result codes that say the file system failed, not the file:
#: SQLITE_FULL (13), SQLITE_IOERR (10), SQLITE_CANTOPEN (14), SQLITE_READONLY (8),
#: SQLITE_PERM (3), SQLITE_NOLFS (22), SQLITE_BUSY (5), SQLITE_LOCKED (6).
_NOT_DAMAGE = {13: "the disk is full", 10: "disk I/O error", 14: "it cannot be opened",
               8: "it is read-only", 3: "permission denied", 22: "the file is too large",
               5: "it is busy", 6: "it is locked"}


def _sqlite_error(path: Path, exc: sqlite3.DatabaseError) -> TopocliError:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary is None:   # Python < 3.11: the message says it
        primary = 13 if "full" in text else 10 if "i/o" in text else None
    if primary in (13, 10, 22):
        return TopocliError(f"disk full or I/O error on {path} ({exc}); free space or fix "
                            "the disk, then rerun the same command: every finished run is "
                            "kept in the store")
    if primary in _NOT_DAMAGE:
        return TopocliError(f"cannot use {path}: {_NOT_DAMAGE[primary]} ({exc}); check the "
                            "folder's permissions and free space, then rerun the same command")
    return _damaged(path, str(exc))


def ig_error() -> type[BaseException]:
    """igraph's own error type (an attribute that does not fit its graph, ...)."""
    import igraph as ig

    return getattr(ig, "InternalError", ValueError)


# ------------------------------------------------------------------ the store
def _damaged(path: Path, why: str) -> TopocliError:
    return TopocliError(
        f"{path} is damaged or not a sweep store ({why}); move it aside and rerun the same "
        "command to redo the sweep in this folder, or choose another --out folder")


_T = TypeVar("_T")


class SweepStore:
    """Open (creating if needed) ``path``; use as a context manager or call ``close``.

    With ``lock`` (the default) the store is this process's alone until it is closed: a
    second process opening it gets a :class:`TopocliError` naming the holder.
    :func:`read_store` reads an existing store without the lock, beside the sweep that
    writes it, from one consistent snapshot.
    """

    def __init__(self, path: str | Path, *, lock: bool = True, _uri_mode: str | None = None):
        self.path = Path(path)
        self._lock: FolderLock | None = self._take_lock() if lock and not _uri_mode \
            else None
        try:
            with self._guard():
                if _uri_mode:   # read-only (read_store): no lock, nothing written
                    self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{_uri_mode}",
                                              uri=True, isolation_level=None, timeout=30)
                    self._check_format()
                    return
                # isolation_level=None: we issue BEGIN/COMMIT ourselves, one per finished item.
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                self._check_format()
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.executescript(SCHEMA)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            if getattr(self, "db", None) is not None:
                self.db.close()
            self._release_lock()
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read inside it sees the same committed runs."""
        with self._guard():
            self.db.execute("BEGIN")
        try:
            yield
        finally:
            with self._guard():
                self.db.execute("COMMIT")

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._release_lock()

    # ------------------------------------------------------------ checks, lock
    def _check_format(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and "graphs" in tables:
            raise TopocliError(
                f"{self.path} was written by an older topocli that stored graphs as Python "
                "pickles, which topocli no longer opens (unpickling a file can run code); "
                "its results are in runs.csv next to it; rerun the sweep into a new --out "
                "folder to continue")
        if version not in (0, SCHEMA_VERSION):
            raise TopocliError(
                f"{self.path} has store schema {version}, which this topocli (schema "
                f"{SCHEMA_VERSION}) does not know; open it with the topocli version that "
                "wrote it, or choose another --out folder")
        if tables - {"meta", "graphs", "runs"}:
            raise _damaged(self.path, "it holds tables a sweep store does not have")
        check = self.db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise _damaged(self.path, f"integrity check: {check[0][0]}")

    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".lock")

    def _take_lock(self) -> FolderLock:
        # opened without following links, a plain file only (topocli.outdir.FolderLock)
        return FolderLock(self._lock_path(), busy="another train-sweep", advice=(
            "wait for it to finish (rerun the same command then: it resumes and trains "
            "nothing twice), or choose another --out folder")).acquire()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's errors into one line naming the file: a full disk or an I/O
        error is said as such (moving the store aside would throw away every finished
        run); only what points at the file itself is a damaged store."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        with self._guard():
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction():
            self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (key, value))

    # ---------------------------------------------------------------- graphs
    def add_graph(self, *, graph_id: str, family: str, index: int, seed: int, params: dict,
                  file: str, graph: ig.Graph, statistics: dict, prepared_s: float) -> None:
        """Insert a prepared graph (idempotent: a second insert of the same id is ignored)."""
        with self._transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO graphs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (graph_id, family, index, seed, _dumps(params, sort_keys=True), file,
                 graph.vcount(), graph.ecount(), _dumps(statistics),
                 graph_to_data(graph), prepared_s))

    def graph_ids(self) -> set[str]:
        with self._guard():
            return {r[0] for r in self.db.execute("SELECT graph_id FROM graphs")}

    def load_graph(self, graph_id: str) -> ig.Graph:
        with self._guard():
            row = self.db.execute("SELECT graph_json_gz FROM graphs WHERE graph_id = ?",
                                  (graph_id,)).fetchone()
        if row is None:
            raise KeyError(graph_id)
        try:
            return graph_from_data(row[0])
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError,
                ig_error()) as exc:
            raise _damaged(self.path, f"graph {graph_id} cannot be read: {exc}") from None

    def graph_rows(self) -> list[StoredGraph]:
        with self._guard():
            cur = self.db.execute("SELECT graph_id, family, idx, seed, params, file, n, m, "
                                  "statistics, prepared_s FROM graphs ORDER BY rowid")
            rows = []
            for gid, family, idx, seed, params, file, n, m, stats, prepared_s in cur:
                rows.append(StoredGraph(
                    graph_id=gid, family=family, index=idx, seed=seed, params=params,
                    file=file, n=n, m=m, prepared_s=prepared_s,
                    statistics=self._json(stats, f"graph {gid}'s statistics")))
        return rows

    def _json(self, text: object, what: str) -> dict:
        """A stored JSON object; a row that is not one is a damaged store, in one line."""
        try:
            value = json.loads(text)   # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise _damaged(self.path, f"{what} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise _damaged(self.path, f"{what} is not a JSON object")
        return value

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
        with self._guard():
            return {r[0]: (r[1], r[2]) for r in
                    self.db.execute("SELECT run_id, status, attempts FROM runs")}

    def run_rows(self) -> list[StoredRun]:
        with self._guard():
            cur = self.db.execute("SELECT run_id, graph_id, family, seed_index, seed, "
                                  "status, error, attempts, result, config, task_s FROM runs "
                                  "ORDER BY rowid")
            cols = [c[0] for c in cur.description]
            rows = []
            for values in cur:
                row = dict(zip(cols, values))
                row["result"] = self._json(row["result"], f"run {row['run_id']}'s result")
                rows.append(StoredRun(**row))
        return rows

    def run_summary(self) -> tuple[int, int, float | None]:
        """Stored runs, how many of them ok, and when the last one was stored (epoch
        seconds; None without runs)."""
        with self._guard():
            count, ok, last = self.db.execute(
                "SELECT count(*), sum(status = 'ok'), max(finished_at) FROM runs").fetchone()
        return int(count), int(ok or 0), last

    def ok_codes(self) -> dict[str | None, int]:
        """How many successful runs each code revision trained (None: not recorded)."""
        with self._guard():
            rows = self.db.execute("SELECT result FROM runs WHERE status = 'ok'").fetchall()
        counts: dict[str | None, int] = {}
        for (text,) in rows:
            try:
                code = json.loads(text).get("code")
            except (ValueError, AttributeError):
                code = None
            counts[code] = counts.get(code, 0) + 1
        return counts

    def mean_ok_seconds(self) -> float | None:
        with self._guard():
            row = self.db.execute(
                "SELECT avg(task_s) FROM runs WHERE status = 'ok'").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    # -------------------------------------------------------------- helpers
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._guard():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            try:
                self.db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # SQLite may have rolled back already (SQLITE_FULL, an I/O error): a second
        # ROLLBACK would fail and hide the error that matters
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass


def _stamp(path: Path) -> tuple:
    """What changes when a writer touches the store: its size and mtime, and whether a
    WAL file is beside it."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, path.with_name(path.name + "-wal").exists()


def read_store(path: str | Path, read: Callable[[SweepStore], _T]) -> _T:
    """``read(store)`` on the existing store at ``path``, read-only and without its lock,
    beside a sweep that may be writing it, from one consistent snapshot.

    With no WAL file beside it (no writer between checkpoints) the file is opened as
    immutable, which creates no ``-wal``/``-shm`` files in the sweep folder; if the file
    changed or a WAL appeared meanwhile (a sweep resumed and wrote), that read is thrown
    away and repeated as an ordinary reader through the WAL, in one read transaction.
    Raises :class:`TopocliError` for a missing file and for one that cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise TopocliError(f"{path} does not exist; pass a folder written by "
                           "'topocli train-sweep --out'")
    before = _stamp(path)
    if not before[2]:
        try:
            with SweepStore(path, _uri_mode="immutable=1") as store:
                result = read(store)
            if _stamp(path) == before:
                return result
        except TopocliError:
            if _stamp(path) == before:
                raise
    with SweepStore(path, _uri_mode="mode=ro") as store, store.snapshot():
        return read(store)
