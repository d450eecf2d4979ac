"""Every way in: a source (bundled name, ``cect:`` reader, graph file) -> the graph in use.

:func:`load_graph` is the one entry point for every command (source + view -> graph);
:func:`load_raw` gives the raw form before a view, :func:`read_graph_file` a file's raw
form with its C. elegans cell names matched.
"""

from __future__ import annotations

from pathlib import Path

import igraph as ig

from topocli.errors import TopocliError
from topocli.graphs.bundled import index as bundled_index
from topocli.graphs.bundled import load_bundled, suggest
from topocli.graphs.cell_names import match_cell_names
from topocli.graphs.converters import raw_from_cect
from topocli.graphs.formats import read_raw_file
from topocli.graphs.views import GraphView, apply_view


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


def load_raw(source: str | Path) -> ig.Graph:
    """The raw graph for ``source``: a bundled name, ``cect:<Reader>`` or a file path."""
    text = str(source)
    if text.startswith("cect:"):
        graph = raw_from_cect(text[5:])
        graph["source"] = text
        return graph
    if text in bundled_index():
        return load_bundled(text)
    path = Path(text)
    if path.exists() or any(c in text for c in "/\\.") :
        return read_graph_file(path)
    raise TopocliError(suggest(text))


def load_graph(source: str | Path | ig.Graph, view: GraphView | None = None) -> ig.Graph:
    """Load ``source`` and apply ``view``: the graph metrics, null models and training use.

    Parameters
    ----------
    source : str, Path or igraph.Graph
        A bundled name (``topocli graphs`` lists them), ``cect:<ReaderName>`` (needs the
        ``cect`` extra), a graph file (GraphML, GML, edge list, CSV adjacency matrix;
        optionally gzipped), or an already loaded raw graph.
    view : GraphView, optional
        Defaults to ``GraphView()``: both synapse types, the source's directedness,
        binary, neurons only, largest weakly connected component, every synapse kept.

    Returns
    -------
    igraph.Graph
        A simple graph (no self-loops, no multi-edges) with vertex attributes ``name``,
        ``cell_class``, ``neurotransmitter``; edge attributes ``synapses`` (count),
        ``weight`` (count if ``view.weighted`` else 1) and ``synapse_type``; graph
        attributes ``source`` and ``view`` (JSON of the view).
    """
    view = view or GraphView()
    if isinstance(source, ig.Graph):
        raw, label = source, str(source["source"]) if "source" in source.attributes() else "graph"
    else:
        raw, label = load_raw(source), str(source)
    if raw.vcount() == 0:
        raise TopocliError(f"{label} has no nodes")
    if raw.ecount() == 0:
        raise TopocliError(f"{label} has no edges; a graph needs at least one edge")
    return apply_view(raw, view, label=label)
