"""C. elegans cells by name: the class and neurotransmitter the bundled tables give them.

Files often name C. elegans cells (``AVAL``, ``VD01``) without saying what each is.
:func:`match_cell_names` fills what a file leaves out from Cook et al. (2019), White et
al. (1986) and Varshney et al. (2011) as shipped in :mod:`topocli.graphs.bundled`.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import igraph as ig

from topocli.graphs import classes
from topocli.graphs.bundled import load_bundled

log = logging.getLogger("topocli")


@lru_cache(maxsize=1)
def celegans_cells() -> dict[str, tuple[str, str]]:
    """C. elegans cell name -> (class, neurotransmitter), from the bundled connectomes.

    Cook et al. (2019) first (every neuron and muscle of the hermaphrodite), then White
    et al. (1986) and Varshney et al. (2011) for cells it does not name; a
    neurotransmitter missing from one table is taken from the next.
    """
    table: dict[str, list[str]] = {}
    for source in ("celegans-cook2019-herm", "celegans-white1986", "celegans-varshney2011"):
        graph = load_bundled(source)
        for name, cls, nt in zip(graph.vs["name"], graph.vs["cell_class"],
                                 graph.vs["neurotransmitter"]):
            entry = table.setdefault(name, [cls, nt])
            if not entry[1] and nt:
                entry[1] = nt
    return {name: (cls, nt) for name, (cls, nt) in table.items()}


def match_celegans(name: str) -> tuple[str, str] | None:
    """(class, neurotransmitter) of C. elegans cell ``name``, or None if it is not one.

    Zero-padded numbers (``VD01``, ``DA09``) are read as the tables write them (``VD1``).
    """
    table = celegans_cells()
    text = str(name).strip()
    if text in table:
        return table[text]
    unpadded = re.sub(r"(?<=[A-Za-z])0+(?=\d)", "", text)
    return table.get(unpadded)


def match_cell_names(graph: ig.Graph, label: str) -> None:
    """Fill unknown classes and missing neurotransmitters of C. elegans cells, in place.

    Node names are looked up in the bundled tables (:func:`match_celegans`); a class or
    neurotransmitter the file gives is kept. How many names matched is said on stderr.
    """
    if graph.vcount() == 0:
        return
    cls = list(graph.vs["cell_class"])
    nts = list(graph.vs["neurotransmitter"])
    if all(c != classes.UNKNOWN for c in cls) and all(nts):
        return
    matched = filled_class = filled_nt = 0
    for i, name in enumerate(graph.vs["name"]):
        hit = match_celegans(name)
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
