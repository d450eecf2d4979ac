"""GML: read it into the raw form, through networkx's parser."""

from __future__ import annotations

import igraph as ig
import pandas as pd

from topocli.errors import TopocliError
from topocli.graphs.fields import _EDGE_COLUMNS, _NODE_COLUMNS, _edge_row, _node_row
from topocli.graphs.raw import build_raw


def read_gml_text(text: str, label: str) -> ig.Graph:
    """Parse GML with networkx into the raw form, repeated edges included."""
    import networkx as nx

    # networkx refuses GML with repeated edges unless the file says "multigraph 1" (many
    # published connectome GML files do not); declare it so that duplicates reach
    # build_raw, which merges and reports them.
    patched = text
    head = text.lstrip()
    if "multigraph" not in text[: text.find("edge") if "edge" in text else len(text)]:
        open_at = text.find("[", text.find("graph"))
        if open_at >= 0:
            patched = text[: open_at + 1] + "\n  multigraph 1" + text[open_at + 1:]
    if not head.lower().startswith(("graph", "creator", "version", "#", "comment")):
        raise TopocliError(f"{label}: not GML (a GML file starts with 'graph [')")
    try:
        nxg = nx.parse_gml(patched, label=None)
    except Exception as exc:
        raise TopocliError(f"{label}: malformed GML ({exc})") from None
    return _from_networkx(nxg, label, {k: v for k, v in nxg.graph.items()
                                       if isinstance(v, (str, int, float))})


def _from_networkx(nxg, label: str, attrs: dict | None = None) -> ig.Graph:
    rows = [_node_row(str(node), data) for node, data in nxg.nodes(data=True)]
    nodes = pd.DataFrame(rows, columns=_NODE_COLUMNS)
    by_id = dict(zip(nodes["id"], nodes["name"]))
    edge_rows = [_edge_row(by_id[str(u)], by_id[str(v)], d) for u, v, d in nxg.edges(data=True)]
    edges = pd.DataFrame(edge_rows, columns=_EDGE_COLUMNS)
    return build_raw(nodes.drop(columns="id"), edges, directed=nxg.is_directed(), label=label,
                     attrs=attrs)
