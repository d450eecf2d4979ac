"""The connectomes shipped inside topocli: which there are, and each as a raw graph.

Each dataset is a gzipped GraphML file in ``topocli/graphs/data``; ``data/index.json``
records, for every file, the source paper and DOI, the converter and its input, the
conversion date and the counts the tests check the file against. The converters that
made them, and rebuild them, are in :mod:`topocli.graphs.converters`.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path

import igraph as ig

from topocli.errors import TopocliError
from topocli.graphs.formats import read_raw_file

DATA_DIR = Path(__file__).parent / "data"
INDEX_FILE = DATA_DIR / "index.json"


@lru_cache(maxsize=1)
def index() -> dict[str, dict]:
    """Provenance and counts of every bundled dataset, by name."""
    return json.loads(INDEX_FILE.read_text())


def names() -> list[str]:
    return list(index())


def suggest(name: str) -> str:
    """The error text for an unknown bundled name, with the closest match."""
    close = difflib.get_close_matches(name, names(), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{name} is not a bundled graph or an existing file{hint} (topocli graphs lists them)"


def bundled_path(name: str) -> Path:
    if name not in index():
        raise TopocliError(suggest(name))
    return DATA_DIR / index()[name]["file"]


def load_bundled(name: str) -> ig.Graph:
    """The raw bundled graph ``name`` (all cells, both synapse types)."""
    graph = read_raw_file(bundled_path(name))
    graph["source"] = name
    return graph
