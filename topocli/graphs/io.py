"""Read and write graph files: GraphML, GML, edge lists, CSV adjacency matrices.

Every reader produces the same *raw* form (see :func:`build_raw`): an ``igraph.Graph``
whose vertices carry ``name``, ``cell_class`` and ``neurotransmitter`` and whose edges
carry ``synapse_type`` (``chemical``, ``electrical`` or ``unknown``) and ``weight``
(synapse count, 1.0 where the file gives none). Real files are messy, so readers repair
rather than refuse: duplicate edges are merged, self-loops dropped later by the view,
missing weights set to 1, and each repair is logged as a warning (the CLI prints it on
stderr). XML is parsed with ``defusedxml``: DTDs and entities are refused, so an entity
bomb fails at once.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

import igraph as ig

from topocli.bounded_read import read_input_bytes
from topocli.errors import TopocliError
from topocli.graphs import classes
from topocli.graphs.gml import read_gml_text
from topocli.graphs.graphml import read_graphml_text
from topocli.graphs.tables import read_table_text

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


# --------------------------------------------------------------------------- readers
def _text(path: Path, data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise TopocliError(f"{path} is a binary file, not a graph; give GraphML, GML, an "
                           "edge list or a CSV adjacency matrix")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _xml_text(path: Path, data: bytes) -> str:
    """The text of an XML file, decoded once, in the encoding its declaration names.

    The parser is then given a ``str``, for which expat ignores the declaration; so a
    file declared ISO-8859-1 is not decoded a second time.
    """
    declared = _XML_ENCODING.match(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    if declared is None or b"\x00" in data[:65536]:
        return _text(path, data)
    encoding = declared.group(1).decode("ascii")
    try:
        if codecs.lookup(encoding).name == "utf-8":
            return _text(path, data)   # UTF-8 in name only is common: keep the fallback
        return data.decode(encoding).removeprefix("\ufeff")
    except LookupError:
        raise TopocliError(f"{path} declares encoding {encoding!r}, which Python does not "
                           "know; save it as UTF-8") from None
    except UnicodeDecodeError as exc:
        raise TopocliError(f"{path} declares encoding {encoding!r} but byte {exc.start} is "
                           f"not valid {encoding}; save it as UTF-8") from None


def _format_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for suffix, fmt in ((".graphml", "graphml"), (".xml", "graphml"), (".gml", "gml"),
                        (".csv", "csv"), (".tsv", "tsv"), (".txt", "txt"), (".edges", "txt"),
                        (".edgelist", "txt"), (".el", "txt")):
        if name.endswith(suffix):
            return fmt
    raise TopocliError(f"{path}: unknown graph format {path.suffix or '(no suffix)'!r}; use "
                       ".graphml, .gml, .txt/.tsv/.csv edge lists or a .csv adjacency matrix")


def read_graph_file(path: str | Path, *, match_cells: bool = True) -> ig.Graph:
    """Read a graph file into the raw form, choosing the reader by suffix.

    With ``match_cells``, nodes named like C. elegans cells get the class and
    neurotransmitter the file does not give from the bundled tables
    (:func:`match_cell_names`).
    """
    path = Path(path)
    if not path.exists():
        raise TopocliError(f"{path}: no such file; give a bundled name (topocli graphs lists "
                           "them) or the path of a graph file")
    fmt = _format_of(path)
    data = read_input_bytes(path)
    text = _xml_text(path, data) if fmt == "graphml" else _text(path, data)
    if not text.strip():
        raise TopocliError(f"{path} is empty; a graph file needs at least one edge")
    label = path.name
    if fmt == "graphml":
        graph = read_graphml_text(text, label)
    elif fmt == "gml":
        graph = read_gml_text(text, label)
    else:
        graph = read_table_text(text, fmt, label)
    if match_cells:
        match_cell_names(graph, label)
    graph["source"] = str(path)
    return graph
