"""Read a graph file and match its C. elegans cell names against the bundled tables.

The readers live in :mod:`~topocli.graphs.formats` and the modules it dispatches to.
"""

from __future__ import annotations

import logging
from pathlib import Path

import igraph as ig

from topocli.graphs import classes
from topocli.graphs.formats import read_raw_file

log = logging.getLogger("topocli")


def match_cell_names(graph: ig.Graph, label: str) -> None:
    """Fill unknown classes and missing neurotransmitters of C. elegans cells, in place.

    Node names are looked up in the bundled tables
    (:func:`topocli.graphs.classes.match_celegans`); a class or neurotransmitter the file
    gives is kept. How many names matched is said on stderr.
    """
    if graph.vcount() == 0:
        return
    cls = list(graph.vs["cell_class"])
    nts = list(graph.vs["neurotransmitter"])
    if all(c != classes.UNKNOWN for c in cls) and all(nts):
        return
    matched = filled_class = filled_nt = 0
    for i, name in enumerate(graph.vs["name"]):
        hit = classes.match_celegans(name)
        if hit is None:
            continue
        matched += 1
        if cls[i] == classes.UNKNOWN and hit[0] != classes.UNKNOWN:
            cls[i], filled_class = hit[0], filled_class + 1
        if not nts[i] and hit[1]:
            nts[i], filled_nt = hit[1], filled_nt + 1
    if not filled_class and not filled_nt:   # nothing learned from the names: say nothing
        return
    graph.vs["cell_class"] = cls
    graph.vs["neurotransmitter"] = nts
    log.warning("%s: %d of %d node names are C. elegans cells; from the bundled tables "
                "(Cook 2019, White 1986, Varshney 2011): classes for %d, neurotransmitters "
                "for %d", label, matched, graph.vcount(), filled_class, filled_nt)


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
