"""Connectome files in the conventions found in the field, read into our layers and classes.

Each file here is small and hand-written in one convention: the neurodata GraphML that
Elegans-AI and DCN used (``synapse_type`` C/E, ``cell_name``, anatomical ``cell_class``,
``role`` S/M/NA), its GML twin written by igraph (no underscores in keys), an edge list
with words for synapse types, and a GraphML with class words.
"""

from __future__ import annotations

import logging

import pytest

from topocli.graphs import GraphView, load_graph, load_raw
from topocli.graphs.cell_names import match_celegans
from topocli.graphs.classes import class_from_label
from topocli.graphs.fields import normalise_synapse_type


def _node(i: int, name: str, cls: str, role: str, nt: str) -> str:
    return (f'<node id="n{i}"><data key="v_name">{i + 1}</data>'
            f'<data key="v_cell_name">{name}</data><data key="v_cell_class">{cls}</data>'
            f'<data key="v_role">{role}</data><data key="v_nt">{nt}</data></node>')


def _edge(a: int, b: int, kind: str, w: float) -> str:
    return (f'<edge source="n{a}" target="n{b}"><data key="e_type">{kind}</data>'
            f'<data key="e_weight">{w}</data></edge>')


NODES = [("ADEL", "ADE", "S", "DA"), ("AVAL", "AVA", "NA", "NA"), ("AVAR", "AVA", "NA", "NA"),
         ("VA01", "VA", "M", "NA"), ("DB01", "DB", "M", "Ach"), ("IL1L", "IL1", "SM", "NA")]
EDGES = [(0, 1, "C", 3), (1, 2, "E", 2), (2, 1, "E", 2), (1, 3, "C", 5), (2, 4, "C", 1),
         (3, 4, "E", 1), (0, 2, "C", 2), (5, 0, "C", 1), (4, 5, "E", 1), (5, 4, "E", 1)]


def neurodata_graphml() -> str:
    keys = "".join(
        f'<key id="{k}" for="{f}" attr.name="{n}" attr.type="{t}"/>'
        for k, f, n, t in (("v_name", "node", "name", "string"),
                           ("v_cell_name", "node", "cell_name", "string"),
                           ("v_cell_class", "node", "cell_class", "string"),
                           ("v_role", "node", "role", "string"),
                           ("v_nt", "node", "neurotransmitters", "string"),
                           ("e_type", "edge", "synapse_type", "string"),
                           ("e_weight", "edge", "weight", "double")))
    body = "".join(_node(i, *n) for i, n in enumerate(NODES))
    body += "".join(_edge(*e) for e in EDGES)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            f'{keys}<graph id="G" edgedefault="directed">{body}</graph></graphml>\n')


def neurodata_gml() -> str:
    nodes = "".join(f'  node [ id {i} name "{i + 1}" cellname "{n}" role "{r}" '
                    f'cellclass "{c}" neurotransmitters "{nt}" ]\n'
                    for i, (n, c, r, nt) in enumerate(NODES))
    edges = "".join(f'  edge [ source {a} target {b} synapsetype "{k}" weight {w} ]\n'
                    for a, b, k, w in EDGES)
    return f'Creator "igraph"\ngraph [\n  directed 1\n{nodes}{edges}]\n'


@pytest.fixture(params=["graphml", "gml"])
def neurodata_file(tmp_path, request):
    path = tmp_path / f"celegans.{request.param}"
    path.write_text(neurodata_graphml() if request.param == "graphml" else neurodata_gml())
    return path


def test_neurodata_file_gets_our_layers_and_classes(neurodata_file, caplog):
    caplog.set_level(logging.WARNING, logger="topocli")
    raw = load_raw(neurodata_file)
    cls = dict(zip(raw.vs["name"], raw.vs["cell_class"]))
    # role S/M read; NA and the combined SM filled from the bundled tables by cell name
    assert cls == {"ADEL": "sensory", "AVAL": "interneuron", "AVAR": "interneuron",
                   "VA01": "motor", "DB01": "motor", "IL1L": "sensory"}
    nts = dict(zip(raw.vs["name"], raw.vs["neurotransmitter"]))
    assert nts["ADEL"] == "DA" and nts["DB01"] == "Ach"  # the file's own values kept
    assert nts["VA01"] == "Acetylcholine"  # "NA" in the file: from the tables
    types = sorted(zip(raw.es["synapse_type"], raw.es["weight"]))
    # 6 chemical; the gap junctions AVAL-AVAR and DB01-IL1L listed both ways count once
    assert [t for t, _ in types].count("chemical") == 5
    assert [t for t, _ in types].count("electrical") == 3
    text = caplog.text
    assert "C -> chemical (5)" in text and "E -> electrical (5)" in text
    assert "S -> sensory (1)" in text and "M -> motor (2)" in text and "SM (1)" in text
    assert "6 of 6 node names are C. elegans cells" in text
    assert "listed in both directions; counted once" in text


def test_graphs_show_layer_chemical_on_a_neurodata_file(neurodata_file, run_cli):
    res = run_cli("graphs", "show", neurodata_file, "--layer", "chemical")
    assert res.exit_code == 0, res.stderr
    lines = dict(line.split(None, 1) for line in res.stdout.splitlines())
    assert lines["edge"] == "types  chemical 5"
    assert "unknown" not in lines["classes"]
    assert sorted(lines["classes"].split(", ")) == ["interneuron 2", "motor 2", "sensory 2"]
    assert "6 of 6 node names are C. elegans cells" in res.stderr
    electrical = load_graph(neurodata_file, GraphView(layer="electrical", largest_component=False))
    assert set(electrical.es["synapse_type"]) == {"electrical"}
    assert electrical.ecount() == 6  # 3 gap junctions, two arcs each in a directed view


def test_edge_list_with_words_and_cell_names_only(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="topocli")
    path = tmp_path / "edges.csv"
    path.write_text("pre,post,synapses,type\nASHL,AVAL,7,chemical synapse\n"
                    "AVAL,AVAR,3,gap junction\nAVAR,VB1,2,Send\nAVAL,DA01,4,NMJ\n"
                    "VB1,MDL05,2,nmj\n")
    raw = load_raw(path)
    cls = dict(zip(raw.vs["name"], raw.vs["cell_class"]))
    assert cls == {"ASHL": "sensory", "AVAL": "interneuron", "AVAR": "interneuron",
                   "VB1": "motor", "DA01": "motor", "MDL05": "muscle"}
    assert sorted(raw.es["synapse_type"]) == ["chemical"] * 4 + ["electrical"]
    assert "6 of 6 node names are C. elegans cells" in caplog.text
    assert "gap junction -> electrical (1)" in caplog.text


def test_graphml_with_class_words_needs_no_name_match(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="topocli")
    path = tmp_path / "words.graphml"
    rows = [("a", "Sensory neuron"), ("b", "Interneuron"), ("c", "motor neuron"),
            ("d", "body wall muscle"), ("e", "glia")]
    nodes = "".join(f'<node id="{n}"><data key="c">{c}</data></node>' for n, c in rows)
    edges = "".join(f'<edge source="{a}" target="{b}"><data key="t">{t}</data></edge>'
                    for a, b, t in (("a", "b", "electrical synapse"), ("b", "c", "chem"),
                                    ("c", "d", "chemical"), ("b", "e", "GJ")))
    path.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    '<key id="c" for="node" attr.name="cell_type" attr.type="string"/>'
                    '<key id="t" for="edge" attr.name="type" attr.type="string"/>'
                    f'<graph edgedefault="undirected">{nodes}{edges}</graph></graphml>')
    raw = load_raw(path)
    assert raw.vs["cell_class"] == ["sensory", "interneuron", "motor", "muscle", "other"]
    assert raw.es["synapse_type"] == ["electrical", "chemical", "chemical", "electrical"]
    assert "node names are C. elegans" not in caplog.text  # a, b, ... are no cells
    assert "Sensory neuron -> sensory (1)" in caplog.text


def test_edge_and_node_vocabularies_stay_apart():
    # an edge "S" is a chemical synapse sent; a node "S" is a sensory neuron
    assert normalise_synapse_type("S") == "chemical"
    assert class_from_label("S") == "sensory"
    # a node role never reads as a synapse type, nor a synapse type as a class
    assert normalise_synapse_type("M") == "unknown" and normalise_synapse_type("I") == "unknown"
    assert class_from_label("E") is None and class_from_label("C") is None
    assert class_from_label("gap junction") is None
    assert class_from_label("NA") is None and class_from_label("SM") is None


def test_cell_name_match_reads_zero_padded_numbers():
    assert match_celegans("VA01")[0] == "motor" and match_celegans("VA1") == match_celegans("VA01")
    assert match_celegans("ADAL")[0] == "interneuron"
    assert match_celegans("n17") is None and match_celegans("AVA") is None


def test_varshney_written_the_neurodata_way_loads_as_the_bundled_graph(tmp_path, run_cli):
    """The bundled Varshney graph rewritten in the neurodata convention (numeric names,
    cell_name, role S/M/NA, synapse_type C/E, gap junctions listed both ways) loads into
    the same layers, classes and counts as the bundled file."""
    from xml.sax.saxutils import escape

    raw = load_raw("celegans-varshney2011")
    role = {"sensory": "S", "motor": "M"}
    nodes = "".join(_node(v.index, escape(v["name"]), escape(v["name"][:3]),
                          role.get(v["cell_class"], "NA"), "NA") for v in raw.vs)
    edges = []
    for e in raw.es:
        kind = "C" if e["synapse_type"] == "chemical" else "E"
        edges.append(_edge(e.source, e.target, kind, e["weight"]))
        if kind == "E":
            edges.append(_edge(e.target, e.source, kind, e["weight"]))
    text = neurodata_graphml()
    head, tail = text.split('edgedefault="directed">')
    path = tmp_path / "varshney-neurodata.graphml"
    path.write_text(head + 'edgedefault="directed">' + nodes + "".join(edges)
                    + "</graph></graphml>\n")
    for layer in ("chemical", "electrical", "both"):
        ours = load_graph(path, GraphView(layer=layer))
        bundled = load_graph("celegans-varshney2011", GraphView(layer=layer))
        assert ours.vs["name"] == bundled.vs["name"]
        assert ours.vs["cell_class"] == bundled.vs["cell_class"]
        assert sorted(ours.get_edgelist()) == sorted(bundled.get_edgelist())
        assert sum(ours.es["synapses"]) == sum(bundled.es["synapses"])
    res = run_cli("graphs", "show", path, "--layer", "chemical")
    expected = run_cli("graphs", "show", "celegans-varshney2011", "--layer", "chemical")
    # a bundled graph also prints its provenance (species, paper, licence) at the end
    provenance = ("species ", "paper ", "licence ")
    assert res.stdout.splitlines()[1:] == [
        line for line in expected.stdout.splitlines()[1:] if not line.startswith(provenance)]
    assert "unknown" not in res.stdout


# ------------------------------------------------------- one edge listed in both directions
def _raw_edges(graph):
    return [(graph.vs[e.source]["name"], graph.vs[e.target]["name"], e["synapse_type"],
             e["weight"]) for e in graph.es]


def test_an_edge_listed_both_ways_counts_once_in_either_kind_of_file(caplog):
    """``a b w`` and ``b a w`` (the same count, nothing else between a and b of that type)
    are one edge written twice: in an undirected file any synapse type, in a directed file
    gap junctions only (chemical synapses have a direction). Anything else is merged as
    duplicates (weights summed), and the edge order stays the file's."""
    import pandas as pd

    from topocli.graphs.raw import build_raw

    caplog.set_level(logging.WARNING, logger="topocli")
    edges = pd.DataFrame(
        [("b", "a", 2, "E"), ("c", "d", 1, "C"), ("a", "b", 2, "E"),   # mirrored gap junction
         ("d", "c", 1, "C"),                       # mirrored in undirected, two arcs directed
         ("e", "f", 1, "E"), ("f", "e", 3, "E"),   # counts differ: merged, summed
         ("g", "h", 1, "E"), ("h", "g", 1, "E"), ("g", "h", 1, "E"),   # three listings
         ("a", "c", 1, "C"), ("c", "a", 1, "E")],  # another synapse type: not a mirror
        columns=["source", "target", "weight", "synapse_type"])
    nodes = pd.DataFrame({"name": list("abcdefgh")})

    undirected = build_raw(nodes, edges, directed=False, label="u")
    assert _raw_edges(undirected) == [
        ("e", "f", "electrical", 4.0), ("g", "h", "electrical", 3.0),
        ("a", "c", "chemical", 1.0), ("a", "c", "electrical", 1.0),
        ("a", "b", "electrical", 2.0), ("c", "d", "chemical", 1.0)]
    assert "u: undirected file lists 2 edges in both directions; counted once" in caplog.text

    directed = build_raw(nodes, edges, directed=True, label="d")
    assert _raw_edges(directed) == [
        ("b", "a", "electrical", 2.0), ("c", "d", "chemical", 1.0),
        ("d", "c", "chemical", 1.0), ("e", "f", "electrical", 1.0),
        ("f", "e", "electrical", 3.0), ("g", "h", "electrical", 2.0),
        ("h", "g", "electrical", 1.0), ("a", "c", "chemical", 1.0),
        ("c", "a", "electrical", 1.0)]
    assert "d: 1 gap junctions are listed in both directions; counted once" in caplog.text
