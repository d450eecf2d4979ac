"""Which reader a graph file needs, and its bytes as text.

:func:`read_raw_file` reads a file within the input bound (:mod:`topocli.bounded_read`),
picks the reader by suffix (:mod:`~topocli.graphs.graphml`, :mod:`~topocli.graphs.gml`, or
:mod:`~topocli.graphs.tables` for edge lists and adjacency matrices), decodes the bytes
once and hands the text over. It matches no cell names; that is
:func:`topocli.graphs.load.read_graph_file`.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import igraph as ig

from topocli.bounded_read import read_input_bytes
from topocli.errors import TopocliError
from topocli.graphs.gml import read_gml_text
from topocli.graphs.graphml import read_graphml_text
from topocli.graphs.tables import read_table_text


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


def read_raw_file(path: str | Path) -> ig.Graph:
    """Read a graph file into the raw form, choosing the reader by suffix.

    Cell names are not matched (:func:`topocli.graphs.load.read_graph_file` does that);
    the graph attribute ``source`` is the path.
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
    graph["source"] = str(path)
    return graph
