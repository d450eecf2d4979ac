"""Read a graph file and match its C. elegans cell names against the bundled tables.

The readers live in :mod:`~topocli.graphs.formats` and the modules it dispatches to.
"""

from __future__ import annotations

from pathlib import Path

import igraph as ig

from topocli.graphs.cell_names import match_cell_names
from topocli.graphs.formats import read_raw_file


def read_graph_file(path: str | Path, *, match_cells: bool = True) -> ig.Graph:
    """Read a graph file into the raw form, choosing the reader by suffix.

    With ``match_cells``, nodes named like C. elegans cells get the class and
    neurotransmitter the file does not give from the bundled tables
    (:func:`match_cell_names`).
    """
    path = Path(path)
    graph = read_raw_file(path)
    if match_cells:
        match_cell_names(graph, path.name)
    return graph
