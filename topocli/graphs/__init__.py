"""Load connectomes and graph files into ``igraph.Graph`` objects with node attributes.

The one entry point for every command is :func:`load_graph` (source + view -> graph).

Modules, each importing only those above it:

- :mod:`~topocli.graphs.classes`: the node vocabulary (cell classes, how files name them);
- :mod:`~topocli.graphs.fields`: the edge and field vocabulary (synapse-type words, the
  names files give node and edge fields) and the bound on one value's length;
- :mod:`~topocli.graphs.raw`: the raw form every reader produces (``build_raw``) and
  its repairs;
- :mod:`~topocli.graphs.graphml` (GraphML, read and written), :mod:`~topocli.graphs.gml`
  and :mod:`~topocli.graphs.tables` (edge lists, adjacency matrices): one reader per
  format family;
- :mod:`~topocli.graphs.formats`: which reader a file needs, its bytes as text;
- :mod:`~topocli.graphs.bundled`: the shipped connectomes, looked up by name;
- :mod:`~topocli.graphs.cell_names`: C. elegans cells by name, from the shipped tables;
- :mod:`~topocli.graphs.fly`: the fly connectomes' readers and class maps (the larval
  mushroom body from graspologic, the visual system from flyvis, expanded over columns);
- :mod:`~topocli.graphs.converters`: how the shipped files are made (cect, Bock 2011, the
  fly packages);
- :mod:`~topocli.graphs.views`: a raw graph -> the graph in use (:class:`GraphView`);
- :mod:`~topocli.graphs.load`: every way in (:func:`load_graph`, :func:`load_raw`,
  :func:`read_graph_file`);
- :mod:`~topocli.graphs.circuits`: named subcircuits of a loaded graph (the worm's motor
  circuit) as views.

Input files are read within the bound of :mod:`topocli.bounded_read`.
"""

from __future__ import annotations

from topocli.graphs.bundled import index as bundled_index
from topocli.graphs.graphml import write_graphml
from topocli.graphs.load import load_graph, load_raw, read_graph_file
from topocli.graphs.views import LAYERS, GraphView, apply_view, undirected_view

__all__ = ["GraphView", "LAYERS", "apply_view", "bundled_index", "load_graph", "load_raw",
           "read_graph_file", "undirected_view", "write_graphml"]
