"""What graph files call things: synapse types, and the node and edge fields readers read.

Every reader (:mod:`~topocli.graphs.graphml`, :mod:`~topocli.graphs.gml`,
:mod:`~topocli.graphs.tables`) looks a node's name, class, role and neurotransmitter and
an edge's weight and synapse type up under these names (GraphML and GML also a node's or
an edge's ``sign``), and refuses a name or value
longer than it can afford to parse.
"""

from __future__ import annotations

from topocli.errors import TopocliError

# The *edge* vocabulary (synapse types). Node classes and roles have their own, in
# topocli.graphs.classes: an edge "S" (Varshney's "send") is chemical, a node role "S" is
# sensory, and the two tables never mix.
_SYNONYMS = {
    "chemical": "chemical", "chem": "chemical", "cs": "chemical", "send": "chemical",
    "s": "chemical", "sp": "chemical", "generic_cs": "chemical", "synapse": "chemical",
    "c": "chemical", "chemical_synapse": "chemical", "chemical_synapses": "chemical",
    "nmj": "chemical",  # neuromuscular junctions are chemical synapses
    "electrical": "electrical", "gap": "electrical", "gap_junction": "electrical",
    "gapjunction": "electrical", "gj": "electrical", "ej": "electrical",
    "generic_gj": "electrical", "electrical_synapse": "electrical", "e": "electrical",
    "gap_junctions": "electrical", "electrical_synapses": "electrical",
    "electric": "electrical",
}
_WEIGHT_NAMES = ("weight", "synapses", "count", "nbr", "n", "w", "value", "strength")
# GML keys cannot hold "_": igraph writes synapse_type as "synapsetype".
_TYPE_NAMES = ("synapse_type", "synapsetype", "type", "layer", "kind", "edge_type",
               "edgetype")
# Node keys, most specific first: neurodata files keep a numeric "name" and the cell's
# name in "cell_name" ("cellname" in GML), its anatomical class (ADA, AVA, ...) in
# "cell_class" and sensory / motor in "role".
_NODE_NAMES = ("cell_name", "cellname", "neuron", "neuron_name", "name", "label")
_NODE_CLASSES = ("cell_class", "cellclass", "class", "cell_type", "celltype", "type")
_NODE_ROLES = ("role", "function", "neuron_type", "neurontype")
_NODE_TRANSMITTERS = ("neurotransmitter", "neurotransmitters", "nt", "transmitter")
# A synapse's sign (+1 excitatory, -1 inhibitory; flyvis's alpha, which topocli's fly
# converter writes as "sign"), on the edge or, once read, on its presynaptic node.
_SIGN_NAMES = ("sign",)

# No name, value or table line is longer (a 50 MB attribute cost 2.5 GB to parse and log).
_MAX_VALUE_CHARS = 1 << 20


def normalise_synapse_type(value: object) -> str:
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return _SYNONYMS.get(text, "unknown") if text not in ("", "nan", "none") else "unknown"


_NODE_COLUMNS = ["id", "name", "cell_class", "role", "neurotransmitter", "sign"]
_EDGE_COLUMNS = ["source", "target", "weight", "synapse_type", "sign"]


def _node_row(node_id: str | None, data: dict) -> dict:
    """A node's name, class, role, neurotransmitter and sign, whatever the file calls them."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    name = next((lowered[k] for k in _NODE_NAMES
                 if k in lowered and lowered[k] is not None and str(lowered[k]).strip()),
                node_id)
    return {"id": node_id, "name": str(name), "cell_class": _first(data, _NODE_CLASSES),
            "role": _first(data, _NODE_ROLES),
            "neurotransmitter": _first(data, _NODE_TRANSMITTERS),
            "sign": _first(data, _SIGN_NAMES)}


def _edge_row(source: str | None, target: str | None, data: dict) -> dict:
    """An edge's ends, weight, synapse type and sign, whatever the file calls them."""
    return {"source": source, "target": target, "weight": _first(data, _WEIGHT_NAMES),
            "synapse_type": _first(data, _TYPE_NAMES), "sign": _first(data, _SIGN_NAMES)}


def _first(data: dict, names: tuple[str, ...]):
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _check_length(text: str, what: str, label: str) -> None:
    if len(text) > _MAX_VALUE_CHARS:
        raise TopocliError(f"{label}: {what} is {len(text) / (1 << 20):.1f} M characters "
                           f"long; topocli reads names and values of up to "
                           f"{_MAX_VALUE_CHARS >> 20} M characters")
