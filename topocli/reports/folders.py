"""Read result folders (``topocli analyze --out`` and ``topocli train-sweep --out``).

Tolerant by design: every optional table may be missing or unreadable; the loader keeps
what it can and records a note for the page instead of failing. Only a folder that is
neither kind is an error.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from topocli.errors import TopocliError

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
    for name in ANALYZE_TABLES if kind == "analyze" else SWEEP_TABLES:
        table = _read_csv(path / f"{name}.csv", folder.notes)
        if table is not None:
            folder.tables[name] = table
    config_path = path / "config.json"
    if config_path.is_file():
        try:
            folder.config = json.loads(config_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            folder.notes.append("config.json is not valid JSON: the config is not shown.")
    else:
        folder.notes.append("config.json is missing: the config is not shown.")
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
