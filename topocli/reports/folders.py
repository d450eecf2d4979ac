"""Read result folders (``topocli analyze --out`` and ``topocli train-sweep --out``), and
put a finished report into its folder.

Tolerant by design: every optional table may be missing or unreadable; the loader keeps
what it can and records a note for the page instead of failing. Only a folder that is
neither kind is an error.

A report is built in a temporary folder next to its ``--out`` (:func:`stage_report`) and
put in place by :func:`place_report`: a new folder is renamed into place whole; in a
folder holding a previous report only the files a report wrote (listed in
:data:`REPORT_FILES`) are replaced or removed, so a user's own files there are kept.
A temporary folder left by a report that was killed is removed by the next one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from topocli.errors import TopocliError
from topocli.fileio import current_umask

log = logging.getLogger("topocli")

ANALYZE_TABLES = ("metrics", "nulls", "motifs", "class_matrix", "rich_club", "fidelity")
#: tables whose absence is worth no note (written by some versions only)
QUIET_TABLES = frozenset({"rich_club", "fidelity"})
SWEEP_TABLES = ("graphs", "runs", "curves")


@dataclass
class ResultFolder:
    """What a report is built from: the folder's kind, tables, config and graph files."""

    path: Path
    kind: str  # "analyze" or "sweep"
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    graph_files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


def detect_kind(path: Path) -> str:
    """``analyze`` or ``sweep`` from ``kind.txt``, else from the files present."""
    path = Path(path)
    if not path.exists():
        raise TopocliError(f"{path} does not exist; pass a folder written by "
                           "'topocli analyze --out' or 'topocli train-sweep --out'")
    if not path.is_dir():
        raise TopocliError(f"{path} is not a folder; pass a folder written by "
                           "'topocli analyze --out' or 'topocli train-sweep --out'")
    kind_file = path / "kind.txt"
    if kind_file.is_file():
        kind = kind_file.read_text(errors="replace").strip().lower()
        if kind in ("analyze", "sweep"):
            return kind
    if (path / "runs.csv").is_file() or (path / "graphs.csv").is_file():
        return "sweep"
    if (path / "metrics.csv").is_file():
        return "analyze"
    raise TopocliError(f"{path} is neither an analyze nor a sweep folder (no kind.txt, "
                       "metrics.csv or runs.csv); pass a folder written by "
                       "'topocli analyze --out' or 'topocli train-sweep --out'")


def _read_csv(path: Path, notes: list[str]) -> pd.DataFrame | None:
    if not path.is_file():
        if path.stem not in QUIET_TABLES:
            notes.append(f"{path.name} is missing: its section is left out.")
        return None
    try:
        table = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        notes.append(f"{path.name} could not be read ({exc.__class__.__name__}): "
                     "its section is left out.")
        return None
    if table.empty:
        notes.append(f"{path.name} has no rows: its section is left out.")
        return None
    return table


def load_folder(path: Path) -> ResultFolder:
    """Read an analyze or sweep folder into a :class:`ResultFolder`."""
    path = Path(path)
    kind = detect_kind(path)
    folder = ResultFolder(path=path, kind=kind)
    config_path = path / "config.json"
    if config_path.is_file():
        try:
            folder.config = json.loads(config_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            folder.notes.append("config.json is not valid JSON: the config is not shown.")
    else:
        folder.notes.append("config.json is missing: the config is not shown.")
    live = _tables_in_progress(path, folder) if kind == "sweep" else None
    if live is not None:
        folder.tables.update({name: t for name, t in live.items() if not t.empty})
    else:
        for name in ANALYZE_TABLES if kind == "analyze" else SWEEP_TABLES:
            table = _read_csv(path / f"{name}.csv", folder.notes)
            if table is not None:
                folder.tables[name] = table
    if kind == "analyze" and "metrics" not in folder.tables:
        json_path = path / "metrics.json"
        table = _metrics_from_json(json_path)
        if table is not None:
            folder.tables["metrics"] = table
            folder.notes.append("metrics read from metrics.json.")
    graphs_dir = path / "graphs"
    if graphs_dir.is_dir():
        for f in sorted(graphs_dir.iterdir()):
            for suffix in (".graphml.gz", ".graphml"):
                if f.name.endswith(suffix):
                    folder.graph_files[f.name[: -len(suffix)]] = f
                    break
    return folder


def _tables_in_progress(path: Path, folder: ResultFolder) -> dict[str, pd.DataFrame] | None:
    """A sweep's tables from its store when the exported CSVs are missing or behind it
    (a sweep still running, or killed before it wrote its tables); None when they are
    current or there is no store. Reads the store only (read-only, no lock, nothing
    written into the sweep's folder); a store that cannot be read is worth a note only
    when there are no CSVs to fall back on."""
    from topocli.sweep.folder import STORE_NAME
    from topocli.sweep.store import read_store

    store = path / STORE_NAME
    runs_csv = path / "runs.csv"
    if not store.is_file():
        return None
    try:
        count, ok, last = read_store(store, lambda s: s.run_summary())
        if runs_csv.is_file() and _exported_rows(runs_csv) == count \
                and (last is None or runs_csv.stat().st_mtime >= last):
            return None
        from topocli import __version__
        from topocli.sweep.export import store_frames

        identity = folder.config.get("identity") or {}
        references = (folder.config.get("notes") or {}).get("references") or ()
        frames = read_store(store, lambda s: store_frames(
            s, __version__, families=identity.get("families") or (), references=references))
    except TopocliError as exc:
        if not runs_csv.is_file():
            folder.notes.append(f"{STORE_NAME} could not be read beside the sweep ({exc})")
        return None
    planned = _planned_runs(folder.config)
    stored = len(frames["runs"])
    folder.notes.append(
        f"Tables read from {STORE_NAME}: {stored}{f' of {planned}' if planned else ''} "
        f"runs stored so far ({ok} ok, {stored - ok} failed; "
        + ("no runs.csv yet" if not runs_csv.is_file() else "runs.csv is not up to date")
        + "): the sweep is running or was interrupted. Rerunning its command resumes it "
          "and writes the tables.")
    return frames


def _exported_rows(runs_csv: Path) -> int:
    """Rows of an exported runs.csv (-1 when it cannot be read)."""
    try:
        return len(pd.read_csv(runs_csv, usecols=["run_id"]))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, ValueError):
        return -1


def _planned_runs(config: dict) -> int | None:
    """Graphs x seeds of the sweep's identity (None for a grid or an identity that does
    not say)."""
    identity = config.get("identity") or {}
    try:
        if identity.get("grid"):
            return None
        families = identity["families"]
        graphs = ("real" in families) + (len(families) - ("real" in families)) * identity["count"]
        reals = len((config.get("notes") or {}).get("references") or ()) or 1
        return reals * graphs * identity["seeds"]
    except (KeyError, TypeError):
        return None


def _metrics_from_json(path: Path) -> pd.DataFrame | None:
    """metrics.json as a table, for folders whose metrics.csv is missing."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("graphs"), list):
        # {"graphs": [{"graph": name, "metrics": [rows...]}, ...]}
        data = [{"graph": g.get("graph"), **row} for g in data["graphs"]
                if isinstance(g, dict) for row in g.get("metrics") or []
                if isinstance(row, dict)]
    elif isinstance(data, dict):
        data = data.get("metrics", data.get("rows"))
    if not isinstance(data, list) or not data:
        return None
    try:
        table = pd.DataFrame(data)
    except (TypeError, ValueError):
        return None
    return table if {"statistic", "value"} <= set(table.columns) else None


# ------------------------------------------------------------------ writing a report
#: The list of files a report wrote, kept in its folder (one name a line).
REPORT_FILES = ".topocli-report-files"
_STAGE_LOCK = ".topocli-report.lock"
#: Names a report writes (flat: index.html, figures, tables); nothing else is ever removed.
_REPORT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:html|png|csv|svg|json)")


def check_report_out(out: Path) -> None:
    """Refuse to write a report into a folder that is not a previous report."""
    if not out.exists():
        return
    if not out.is_dir():
        raise TopocliError(f"{out} exists and is not a folder; choose another --out")
    if not any(out.iterdir()) or _is_report(out):
        return
    raise TopocliError(f"{out} exists and was not written by 'topocli report'; "
                       "choose another --out or remove it")


def _is_report(out: Path) -> bool:
    index = out / "index.html"
    if not index.is_file():
        return False
    from topocli.reports.html import GENERATOR

    head = index.read_text(errors="replace")[:2000]
    return f'name="generator" content="{GENERATOR}"' in head


class ReportStage:
    """The temporary folder a report is built in, next to its ``out``.

    Entering removes stale stages a killed report left behind and makes a fresh one,
    held with a lock inside it while the report is built; :meth:`place` moves the
    finished report to ``out`` (:func:`place_report`); leaving removes what is left.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.path: Path | None = None
        self._fd: int | None = None

    def __enter__(self) -> ReportStage:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_stages(self.out)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-",
                                          dir=self.out.parent))
        self._fd = _lock(self.path / _STAGE_LOCK, blocking=True)
        return self

    def place(self) -> None:
        assert self.path is not None
        (self.path / _STAGE_LOCK).unlink()   # the lock holds on the descriptor till exit
        place_report(self.path, self.out)

    def __exit__(self, *exc: object) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock(path: Path, *, blocking: bool) -> int | None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        raise
    return fd


def _remove_stale_stages(out: Path) -> None:
    """Remove ``.<out>.tmp-*`` folders no running report holds (its lock is free)."""
    for stage in out.parent.glob(f".{out.name}.tmp-*"):
        lock = stage / _STAGE_LOCK
        if stage.is_symlink() or not stage.is_dir() or lock.is_symlink() \
                or not lock.is_file():
            continue   # not a folder a report made: left alone
        try:
            fd = _lock(lock, blocking=False)
        except OSError:
            continue   # a report is building it right now
        try:
            shutil.rmtree(stage, ignore_errors=True)
            log.info("removed %s, left by a report that did not finish", stage)
        finally:
            if fd is not None:
                os.close(fd)


def place_report(tmp: Path, out: Path) -> None:
    """Move the finished report in ``tmp`` to ``out``; remove ``tmp``.

    A missing (or empty) ``out`` is replaced by ``tmp`` in one rename. Into a previous
    report, each file is renamed over its old copy, and the files the previous report
    listed in :data:`REPORT_FILES` that this one does not write are removed; any other
    file in ``out`` (a user's) is kept.
    """
    names = sorted(p.name for p in tmp.iterdir() if p.is_file())
    (tmp / REPORT_FILES).write_text("".join(f"{n}\n" for n in names))
    os.chmod(tmp, 0o777 & ~current_umask())   # mkdtemp's folder is 0700
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
        return
    old = _listed(out / REPORT_FILES)
    for name in [*names, REPORT_FILES]:
        os.replace(tmp / name, out / name)
    for name in sorted(old - set(names)):
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()
    shutil.rmtree(tmp, ignore_errors=True)


def _listed(path: Path) -> set[str]:
    """File names a previous report listed (only names a report writes, directly in its
    folder: a crafted list cannot name anything else)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return set()
    return {name for name in lines if _REPORT_NAME.fullmatch(name)}
