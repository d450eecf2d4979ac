"""GraphML: read it into the raw form, write any graph as it.

XML is parsed with ``defusedxml``: DTDs and entities are refused, so an entity bomb fails
at once. The reader is our own small parser rather than networkx's, so that each edge is
kept as the file writes it (orientation and duplicates included) for
:func:`~topocli.graphs.raw.build_raw` to repair and report; the writer goes through
networkx.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.fileio import write_bytes_atomic
from topocli.graphs.fields import (
    _EDGE_COLUMNS,
    _NODE_COLUMNS,
    _check_length,
    _edge_row,
    _node_row,
)
from topocli.graphs.raw import _short, build_raw


def read_graphml_text(text: str, label: str) -> ig.Graph:
    """Parse GraphML with defusedxml (no DTD, no entities) straight into the raw form.

    Our own small parser rather than networkx's: it keeps each edge as the file writes
    it (orientation and duplicates included), so repairs can be reported.
    """
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        # A str, not bytes: the text is already decoded (see topocli.graphs.formats._xml_text).
        root = safe_et.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise TopocliError(f"{label}: the XML declares a DTD or entities, which topocli refuses "
                           "to expand (an XML bomb looks like this); remove the <!DOCTYPE> "
                           "block") from None
    except Exception as exc:  # ParseError and friends
        raise TopocliError(f"{label}: malformed XML ({exc}); is it really GraphML?") from None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    if local(root.tag) != "graphml":
        raise TopocliError(f"{label}: XML but not GraphML (root element <{local(root.tag)}>)")
    keys: dict[str, tuple[str, str]] = {}
    for key in root:
        if local(key.tag) == "key":
            keys[key.get("id", "")] = (key.get("attr.name") or key.get("id", ""),
                                       key.get("attr.type", "string"))
    graph_el = next((el for el in root if local(el.tag) == "graph"), None)
    if graph_el is None:
        raise TopocliError(f"{label}: GraphML file without a <graph> element")

    def data_of(el) -> dict:
        out = {}
        for d in el:
            if local(d.tag) == "data":
                name, typ = keys.get(d.get("key", ""), (d.get("key", ""), "string"))
                _check_length(d.text or "", f"{name!r} value", label)
                out[name] = _typed_value(d.text or "", typ, name, label)
        return out

    node_rows, edge_rows = [], []
    for el in graph_el:
        tag = local(el.tag)
        if tag == "node":
            _check_ends(el, tag, len(node_rows) + 1, label)
            d = data_of(el)
            node_rows.append(_node_row(el.get("id"), d))
        elif tag == "edge":
            _check_ends(el, tag, len(edge_rows) + 1, label)
            d = data_of(el)
            edge_rows.append(_edge_row(el.get("source"), el.get("target"), d))
    nodes = pd.DataFrame(node_rows, columns=_NODE_COLUMNS)
    by_id = dict(zip(nodes["id"], nodes["name"].astype(str)))
    edges = pd.DataFrame(edge_rows, columns=_EDGE_COLUMNS)
    edges["source"] = edges["source"].map(lambda x: by_id.get(x, x))
    edges["target"] = edges["target"].map(lambda x: by_id.get(x, x))
    attrs = data_of(graph_el)
    directed = graph_el.get("edgedefault", "directed") == "directed"
    return build_raw(nodes.drop(columns="id"), edges, directed=directed, label=label,
                     attrs={k: v for k, v in attrs.items() if v is not None})


def _typed_value(text: str, typ: str, name: str, label: str) -> object:
    """A ``<data>`` value as its key's ``attr.type`` says; one line if it is not one.

    Empty is ``None`` (no value). Integers must be whole and finite (``3``, ``3.0``);
    doubles may be ``NaN`` or ``INF`` as XML Schema allows (a weight that is not a finite
    count is refused later, by :func:`build_raw`); booleans are ``true``/``false``/``1``/``0``.
    """
    value = text.strip()
    if typ not in ("int", "long", "double", "float", "boolean"):
        return text
    if not value:
        return None
    try:
        if typ == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[value.lower()]
        number = float(value)
        if typ in ("double", "float"):
            return number
        if number.is_integer():   # finite and whole: "3" or "3.0", never NaN or INF
            return int(value) if value.lstrip("+-").isdigit() else int(number)
    except (ValueError, KeyError):
        pass
    raise TopocliError(f"{label}: {name!r} value {_short(value)!r} is not a valid {typ} "
                       f"(its <key> declares attr.type=\"{typ}\"); fix the value or the key")


def _check_ends(el, tag: str, number: int, label: str) -> None:
    """Refuse a GraphML node without ``id``, or an edge without ``source`` or ``target``.

    Left in, they would all be one node named ``None``, and the edges merged into it.
    """
    for end in ("id",) if tag == "node" else ("source", "target"):
        _check_length(el.get(end) or "", f"{tag} {number}'s {end}", label)
        if not (el.get(end) or "").strip():
            attrs = "".join(f" {k}={_short(v)!r}" for k, v in el.attrib.items())
            raise TopocliError(f"{label}: {tag} {number} (<{tag}{attrs}>) has no {end}; "
                               f"every GraphML {tag} needs "
                               f"{'an id' if tag == 'node' else 'source and target'}")


def _plain(value: object) -> object:
    """numpy scalars (``np.str_``, ``np.float64``) as the Python values GraphML takes."""
    return value.item() if isinstance(value, np.generic) else value


def write_graphml(graph: ig.Graph, path: str | Path) -> Path:
    """Write ``graph`` as GraphML (gzipped when ``path`` ends in ``.gz``), atomically.

    Vertex, edge and graph attributes of type str/int/float/bool are kept; graph
    attributes holding dicts or lists are stored as JSON strings.
    """
    import networkx as nx

    path = Path(path)
    nxg = nx.MultiDiGraph() if graph.is_directed() else nx.MultiGraph()
    for key in graph.attributes():
        value = graph[key]
        nxg.graph[key] = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
    v_attrs = graph.vs.attributes()
    for v in graph.vs:
        nxg.add_node(v.index, **{a: _plain(v[a]) for a in v_attrs if v[a] is not None})
    e_attrs = graph.es.attributes()
    for e in graph.es:
        nxg.add_edge(e.source, e.target,
                     **{a: _plain(e[a]) for a in e_attrs if e[a] is not None})
    buffer = io.BytesIO()
    nx.write_graphml(nxg, buffer, named_key_ids=True)
    data = buffer.getvalue()
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return write_bytes_atomic(path, data)
