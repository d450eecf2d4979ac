"""Loading bundled connectomes, graph files and views (issue 2)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from topocli.errors import TopocliError
from topocli.graphs import GraphView, bundled, load_graph, load_raw, read_graph_file, write_graphml
from topocli.graphs.converters import counts, raw_from_cect, regenerate, regenerate_bock2011

# Counts the source papers publish, reproduced by the bundled files and default views.
PUBLISHED = {
    # Varshney et al. 2011: 279 somatic neurons, 2194 directed chemical connections,
    # 6393 chemical synapses, 890 gap junctions (abstract and Table 1).
    "celegans-varshney2011": {"neurons_giant": 279, "chemical_connections": 2194,
                              "electrical_synapses": 890},
}


CECT_NAMES = [name for name, info in bundled.index().items() if "cect_reader" in info]


def test_every_bundled_file_matches_its_recorded_counts():
    for name, info in bundled.index().items():
        raw = load_raw(name)
        assert counts(raw) == info["counts"], name
        converter = ("cect_version", "cect_reader") if name in CECT_NAMES else \
            ("converter", "converted_from")
        for key in ("paper", "doi", "converted", *converter):
            assert info[key], (name, key)
            assert raw[key] == info[key]


@pytest.mark.parametrize("name", CECT_NAMES)
def test_bundled_files_equal_cect_data(name):
    info = bundled.index()[name]
    ours, theirs = load_raw(name), raw_from_cect(info["cect_reader"])
    assert ours.vs["name"] == theirs.vs["name"]
    assert ours.vs["cell_class"] == theirs.vs["cell_class"]
    key = lambda g: sorted(zip((g.vs[e.source]["name"] for e in g.es),
                               (g.vs[e.target]["name"] for e in g.es),
                               g.es["synapse_type"], g.es["weight"]))
    assert key(ours) == key(theirs)


def test_varshney_reproduces_published_counts():
    pub = PUBLISHED["celegans-varshney2011"]
    chem = load_graph("celegans-varshney2011", GraphView(layer="chemical"))
    assert chem.vcount() == pub["neurons_giant"]
    assert chem.ecount() == pub["chemical_connections"]
    raw = load_raw("celegans-varshney2011")
    assert counts(raw)["electrical_synapses"] == pub["electrical_synapses"]


def test_white_strong_chemical_graph_matches_milo_style_threshold():
    view = GraphView(layer="chemical", neurons_only=False, largest_component=False,
                     min_synapses=5)
    g = load_graph("celegans-white1986", view)
    assert (g.vcount(), g.ecount()) == (249, 471)


def test_views_are_simple_and_say_what_they_did(varshney):
    assert varshney.is_directed() and varshney.is_simple()
    assert json.loads(varshney["view"]) == GraphView().to_dict()
    assert set(varshney.vs["cell_class"]) <= {"sensory", "interneuron", "motor"}
    und = load_graph("celegans-varshney2011", GraphView(directed=False))
    assert not und.is_directed() and und.is_simple()
    # Undirected collapse: every unordered pair joined in the directed view, once.
    pairs = {tuple(sorted(e)) for e in varshney.get_edgelist()}
    assert und.ecount() == len(pairs)
    w = load_graph("celegans-varshney2011", GraphView(weighted=True))
    assert w.es["weight"] == w.es["synapses"] and max(w.es["weight"]) > 1
    assert set(varshney.es["weight"]) == {1.0}


def test_electrical_synapses_conduct_both_ways():
    g = load_graph("celegans-varshney2011", GraphView(layer="electrical"))
    arcs = set(g.get_edgelist())
    assert all((t, s) in arcs for s, t in arcs)


def test_all_cells_keeps_muscles():
    g = load_graph("celegans-cook2019-herm", GraphView(neurons_only=False))
    assert "muscle" in set(g.vs["cell_class"])


@pytest.mark.parametrize("suffix", [".graphml", ".graphml.gz"])
def test_export_then_load_gives_the_same_graph(tmp_path, suffix):
    raw = load_raw("celegans-witvliet2021-8")
    path = write_graphml(raw, tmp_path / f"w8{suffix}")
    for view in (GraphView(), GraphView(layer="chemical", weighted=True)):
        a = load_graph("celegans-witvliet2021-8", view)
        b = load_graph(path, view)
        assert a.vs["name"] == b.vs["name"] and a.vs["cell_class"] == b.vs["cell_class"]
        assert sorted(a.get_edgelist()) == sorted(b.get_edgelist())
        assert sorted(a.es["weight"]) == sorted(b.es["weight"])


def test_exported_view_loads_back_identically(tmp_path, varshney):
    path = write_graphml(varshney, tmp_path / "v.graphml.gz")
    again = load_graph(path)
    assert again.vs["name"] == varshney.vs["name"]
    assert sorted(again.get_edgelist()) == sorted(varshney.get_edgelist())


def _edges(g):
    return sorted((g.vs[e.source]["name"], g.vs[e.target]["name"], e["weight"]) for e in g.es)


def test_edge_list_with_duplicates_loops_and_missing_weights(tmp_path, caplog):
    f = tmp_path / "messy.txt"
    f.write_text("# a comment\nA B 2\nA B 3\nB C\nC C 4\nC A 1\n")
    raw = read_graph_file(f)
    assert "merged 1 duplicate" in caplog.text
    g = load_graph(f, GraphView(weighted=True))
    assert _edges(g) == [("A", "B", 5.0), ("B", "C", 1.0), ("C", "A", 1.0)]
    assert raw.is_directed()


def test_csv_edge_list_with_header_and_string_or_numeric_ids(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("source,target,weight,type\n1,2,3,chemical\n2,3,1,gap_junction\n3,1,2,chemical\n")
    g = load_graph(f, GraphView(weighted=True, layer="chemical"))
    assert _edges(g) == [("1", "2", 3.0), ("3", "1", 2.0)]
    t = tmp_path / "e.tsv"
    t.write_text("a\tb\nb\tc\n")
    assert load_graph(t).ecount() == 2


def test_adjacency_matrix_csv(tmp_path):
    f = tmp_path / "adj.csv"
    f.write_text(",A,B,C\nA,0,2,0\nB,0,0,1\nC,1,0,0\n")
    g = load_graph(f, GraphView(weighted=True))
    assert g.is_directed()
    assert _edges(g) == [("A", "B", 2.0), ("B", "C", 1.0), ("C", "A", 1.0)]
    s = tmp_path / "sym.csv"
    s.write_text("A,B,C\n0,1,1\n1,0,0\n1,0,0\n")
    u = load_graph(s)
    assert not u.is_directed() and u.ecount() == 2


NA_NAMES = ["NA", "null", "None", "n/a", "nan", "NULL"]


def test_nodes_named_like_missing_values_keep_their_names(tmp_path):
    """Issue 28: pandas' NA parsing made these nodes vanish with their edges."""
    ring = list(zip(NA_NAMES, NA_NAMES[1:] + NA_NAMES[:1]))
    edges = tmp_path / "na.txt"
    edges.write_text("".join(f"{u} {v} 2\n" for u, v in ring))
    g = read_graph_file(edges)
    assert sorted(g.vs["name"]) == sorted(NA_NAMES) and _edges(g) == sorted(
        (u, v, 2.0) for u, v in ring)
    matrix = tmp_path / "na.csv"
    matrix.write_text("," + ",".join(NA_NAMES) + "\n" + "".join(
        u + "," + ",".join("1" if (u, v) in ring else "0" for v in NA_NAMES) + "\n"
        for u in NA_NAMES))
    assert _edges(read_graph_file(matrix)) == sorted((u, v, 1.0) for u, v in ring)
    named = tmp_path / "na.graphml"
    named.write_text(_graphml("", '<key id="n" for="node" attr.name="name" '
                              'attr.type="string"/>').replace(
        '<node id="a"/>', '<node id="a"><data key="n">None</data></node>'))
    assert read_graph_file(named).vs["name"] == ["None", "b"]


def test_missing_weights_and_ends_load_with_a_note(tmp_path, caplog):
    f = tmp_path / "holes.csv"
    f.write_text("a,b,nan\nb,c,\nc,NA,NA\nd\nd,,4\ne,a,2\n")
    g = read_graph_file(f)
    assert _edges(g) == [("a", "b", 1.0), ("b", "c", 1.0), ("c", "NA", 1.0), ("e", "a", 2.0)]
    assert "3 edges have no weight; set to 1" in caplog.text
    assert "1 lines with a single field" in caplog.text
    assert "1 edges with an empty source or target" in caplog.text
    unweighted_first = tmp_path / "late-weights.txt"
    unweighted_first.write_text("a b\nb c 3\n")
    assert _edges(read_graph_file(unweighted_first)) == [("a", "b", 1.0), ("b", "c", 3.0)]


def test_matrix_rows_are_matched_by_name_and_numeric_names_read(tmp_path, caplog):
    f = tmp_path / "shuffled.csv"
    f.write_text(",A,B,C\nC,1,0,0\nA,0,2,0\nB,0,0,1\n")
    assert _edges(read_graph_file(f)) == [("A", "B", 2.0), ("B", "C", 1.0), ("C", "A", 1.0)]
    edge_list = tmp_path / "ids.csv"       # three edges under a header: not a 3x3 matrix
    edge_list.write_text("from_id,to_id,count\n1,2,3\n2,3,1\n3,1,2\n")
    assert _edges(read_graph_file(edge_list)) == [("1", "2", 3.0), ("2", "3", 1.0),
                                                  ("3", "1", 2.0)]
    numbered = tmp_path / "numbered.csv"
    numbered.write_text(",1,2,3\n1,0,1,0\n2,0,0,1\n3,1,0,0\n")
    assert _edges(read_graph_file(numbered)) == [("1", "2", 1.0), ("2", "3", 1.0),
                                                 ("3", "1", 1.0)]


def test_xml_declared_latin1_is_decoded_once(tmp_path):
    text = ('<?xml version="1.0" encoding="ISO-8859-1"?>'
            + _graphml('<edge source="a" target="caf\xe9"/>').split("?>", 1)[1])
    f = tmp_path / "latin.graphml"
    f.write_bytes(text.encode("latin-1"))
    assert read_graph_file(f).vs["name"] == ["a", "b", "caf\xe9"]


def test_undirected_graphml_listing_both_directions_counts_once(tmp_path, caplog):
    edges = [("a", "b", 2), ("b", "a", 2), ("b", "c", 1), ("b", "c", 1), ("c", "c", 1)]
    body = "".join(f'<edge source="{u}" target="{v}"><data key="w">{w}</data></edge>'
                   for u, v, w in edges)
    path = tmp_path / "u.graphml"
    path.write_text('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
                    '<graph edgedefault="undirected"><node id="a"/><node id="b"/><node id="c"/>'
                    f"{body}</graph></graphml>")
    g = load_graph(path, GraphView(weighted=True))
    assert not g.is_directed()
    assert _edges(g) == [("a", "b", 2.0), ("b", "c", 2.0)]
    assert "both directions" in caplog.text and "merged" in caplog.text


def test_gml_with_duplicate_edges_that_networkx_refuses(tmp_path):
    text = """graph [
  directed 1
  node [ id 0 label "AVAL" ]
  node [ id 1 label "AVAR" ]
  node [ id 2 label "PVCL" ]
  edge [ source 0 target 1 weight 3 ]
  edge [ source 0 target 1 weight 2 ]
  edge [ source 1 target 2 ]
]
"""
    path = tmp_path / "c.gml"
    path.write_text(text)
    with pytest.raises(nx.NetworkXError):
        nx.read_gml(path)
    g = load_graph(path, GraphView(weighted=True))
    assert _edges(g) == [("AVAL", "AVAR", 5.0), ("AVAR", "PVCL", 1.0)]


def test_gzipped_edge_list(tmp_path):
    path = tmp_path / "e.txt.gz"
    path.write_bytes(gzip.compress(b"x y\ny z\n"))
    assert load_graph(path).ecount() == 2


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">
<node id="&lol9;"/><node id="b"/><edge source="a" target="b"/></graph></graphml>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY ext SYSTEM "file:///etc/passwd"> ]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">
<node id="&ext;"/></graph></graphml>
"""



def _graphml(body: str, keys: str = "") -> str:
    return ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            f'{keys}<graph edgedefault="directed"><node id="a"/><node id="b"/>{body}'
            "</graph></graphml>")


def _typed_weight(typ: str, value: str) -> str:
    return _graphml(f'<edge source="a" target="b"><data key="w">{value}</data></edge>',
                    f'<key id="w" for="edge" attr.name="weight" attr.type="{typ}"/>')


BAD_INPUTS = {
    "missing.graphml": (None, "no such file"),
    "bomb.graphml": (BOMB, "XML bomb"),
    "external.graphml": (EXTERNAL, "DTD or entities"),
    "notxml.graphml": ("this is not xml <<<", "malformed XML"),
    "empty.txt": ("", "is empty"),
    "comments.txt": ("# nothing\n", "only comments"),
    "onecol.txt": ("a\nb\n", "two columns"),
    "badweight.txt": ("a b x y\nb c u v\n", "not numeric"),
    "graph.xyz": ("a b\n", "unknown graph format"),
    "binary.txt": ("\x00\x01\x02garbage", "binary file"),
    "notgml.gml": ("hello world", "not GML"),
    "negative.txt": ("a b -3\n", "negative"),
    # issue 28: a matrix-shaped CSV is read as a matrix or refused, never as an edge list
    "m-empty.csv": (",a,b,c\na,0,1,\nb,1,0,1\nc,1,1,0\n", "cell (row a, column c) is empty"),
    "m-nan.csv": (",a,b,c\na,0,1,0\nb,NaN,0,1\nc,1,1,0\n", "(row b, column a) is 'NaN'"),
    "m-inf.csv": (",a,b,c\na,0,1,0\nb,1,0,1\nc,1,inf,0\n", "(row c, column b) is 'inf'"),
    "m-text.csv": (",a,b,c\na,0,x,0\nb,1,0,1\nc,1,1,0\n", "'x' (not a number)"),
    "m-missing-row.csv": (",a,b,c\na,0,1,0\nb,1,0,1\n", "2 rows follow (no row for c)"),
    "m-ragged-row.csv": (",a,b,c\na,0,1,0\nb,1,0\nc,1,1,0\n", "row b has 2 cells"),
    "m-named-corner.csv": ("node,a,b,c\na,0,1,0\nb,1,,1\nc,1,1,0\n", "(row b, column b)"),
    "m-header-only.csv": ("a,b,c\n0,1,1\n1,0,\n1,0,0\n", "(row 2, column c) is empty"),
    "m-other-rows.csv": ("id,a,b\nx,0,1\ny,1,0\n", "name different nodes (row 'x')"),
    # issue 28: GraphML data that is not its key's attr.type, edges without ends
    "abc-double.graphml": (_typed_weight("double", "abc"), "'abc' is not a valid double"),
    "nan-int.graphml": (_typed_weight("int", "nan"), "'nan' is not a valid int"),
    "inf-int.graphml": (_typed_weight("long", "inf"), "'inf' is not a valid long"),
    "big-int.graphml": (_typed_weight("int", "1e400"), "'1e400' is not a valid int"),
    "maybe-bool.graphml": (_typed_weight("boolean", "maybe"), "not a valid boolean"),
    "no-source.graphml": (_graphml('<edge target="b"/><edge target="a"/>'), "has no source"),
    "no-target.graphml": (_graphml('<edge source="b"/>'), "edge 1 (<edge source='b'>) has no"),
    "no-id.graphml": (_graphml('<node/><edge source="a" target="b"/>'), "node 3 (<node>)"),
    "inf-first.txt": ("a b inf\nb c 1\n", "negative or infinite"),
    "latin1-name.graphml": ('<?xml version="1.0" encoding="latin-9000"?><graphml/>',
                            "which Python does not know"),
}


@pytest.mark.parametrize("fname", sorted(BAD_INPUTS))
def test_bad_files_give_one_line_errors(tmp_path, run_cli, fname):
    content, expected = BAD_INPUTS[fname]
    path = tmp_path / fname
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    with pytest.raises(TopocliError, match=re.escape(expected)):
        load_graph(path)
    res = run_cli("graphs", "show", path)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("topocli: error:") and expected in lines[0]
    assert "Traceback" not in res.output


def test_graph_without_edges_after_view(tmp_path, run_cli):
    f = tmp_path / "weak.txt"
    f.write_text("a b 1\nb c 2\n")
    res = run_cli("graphs", "show", f, "--min-synapses", "5")
    assert res.exit_code == 2 and "no edges after the view" in res.stderr
    res = run_cli("graphs", "show", f, "--layer", "chemical")
    assert res.exit_code == 2 and "no chemical edges" in res.stderr


def test_unknown_bundled_name_suggests_closest(run_cli):
    res = run_cli("graphs", "show", "celegans-varshny2011")
    assert res.exit_code == 2
    assert "did you mean celegans-varshney2011?" in res.stderr


def test_undirected_file_cannot_be_forced_directed(tmp_path):
    s = tmp_path / "sym.csv"
    s.write_text("A,B,C\n0,1,1\n1,0,0\n1,0,0\n")
    with pytest.raises(TopocliError, match="undirected"):
        load_graph(s, GraphView(directed=True))


def test_view_rejects_bad_values():
    with pytest.raises(TopocliError, match="layer"):
        GraphView(layer="gap")
    with pytest.raises(TopocliError, match="min-synapses"):
        GraphView(min_synapses=-1)


def test_cect_prefix_reads_the_toolbox():
    g = load_graph("cect:VarshneyDataReader", GraphView(layer="chemical"))
    assert (g.vcount(), g.ecount()) == (279, 2194)
    with pytest.raises(TopocliError, match="no reader"):
        load_raw("cect:NoSuchReader")


def test_regenerate_rebuilds_identical_files(tmp_path):
    index = regenerate(tmp_path, only=["celegans-varshney2011"])
    name = "celegans-varshney2011"
    assert index[name]["counts"] == bundled.index()[name]["counts"]
    a = read_graph_file(tmp_path / "celegans-varshney2011.graphml.gz")
    b = load_raw("celegans-varshney2011")
    assert a.vs["name"] == b.vs["name"] and sorted(a.get_edgelist()) == sorted(b.get_edgelist())
    assert np.isclose(sum(a.es["weight"]), sum(b.es["weight"]))


MOUSE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mouse-v1-bock2011"


def test_mouse_bock2011_reproduces_dcn_table1():
    """DCN Table 1's mouse visual cortex: 195 / 214, 3 components, APL 4.271, diameter 8,
    clustering 0.124 (igraph's mean over degree >= 2 nodes)."""
    view = GraphView(directed=False, largest_component=False, keep_isolated=True)
    g = load_graph("mouse-v1-bock2011", view)
    assert (g.vcount(), g.ecount()) == (195, 214)
    assert len(g.connected_components()) == 3
    giant = g.connected_components().giant()
    assert round(giant.average_path_length(), 3) == 4.271 and giant.diameter() == 8
    assert round(g.transitivity_avglocal_undirected(mode="nan"), 3) == 0.124
    raw = load_raw("mouse-v1-bock2011")
    assert raw.is_directed() and sum(raw.es["weight"]) == 247
    assert raw.vs["name"][:3] == ["1", "2", "3"]          # cells in the figure's order
    default = load_graph("mouse-v1-bock2011", GraphView())
    assert default.vcount() == 193                         # largest component


def _tiny_bock(folder, rows):
    folder.mkdir()
    (folder / "edges.csv").write_text("source,target,synapses\n" + rows)
    nodes = "".join(f'<node id="{i}"/>' for i in range(1, 5))
    (folder / "mouse_v1_bock2011.graphml").write_text(
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        f'<graph edgedefault="directed">{nodes}<edge source="1" target="2"/></graph>'
        "</graphml>")
    return folder


def test_regenerate_bock2011_from_its_files(tmp_path, run_cli):
    src = _tiny_bock(tmp_path / "src", "1,2,3\n2,3,1\n")
    entry = regenerate_bock2011(src, tmp_path / "out")
    assert entry["counts"]["nodes"] == 4 and entry["counts"]["chemical_synapses"] == 4
    g = read_graph_file(tmp_path / "out" / entry["file"])
    assert g.vs["name"] == ["1", "2", "3", "4"] and g["doi"] == "10.1038/nature09802"
    if MOUSE_DIR.is_dir():        # the real files rebuild the bundled one exactly
        real = regenerate_bock2011(MOUSE_DIR, tmp_path / "real")
        assert real["counts"] == bundled.index()["mouse-v1-bock2011"]["counts"]
    bad = _tiny_bock(tmp_path / "bad", "1,9,3\n")
    res = run_cli("graphs", "regenerate", "--bock2011-dir", bad, "--out", tmp_path / "o2")
    assert res.exit_code == 2 and "9" in res.stderr and "Traceback" not in res.output


def test_graphs_make_ws(tmp_path, run_cli):
    out = tmp_path / "ws.graphml"
    res = run_cli("graphs", "make", "ws", "--n", "32", "--k", "4", "--p", "0.75",
                  "--seed", "0", "--out", out)
    assert res.exit_code == 0, res.output
    g = load_graph(out, GraphView(directed=False))
    assert (g.vcount(), g.ecount()) == (32, 64) and g.is_connected()
    assert g.vs["name"] == [str(i) for i in range(32)]    # ring order kept
    ring = tmp_path / "ring.graphml"
    assert run_cli("graphs", "make", "ws", "--n", "32", "--k", "4", "--p", "0",
                   "--out", ring).exit_code == 0
    r = load_graph(ring, GraphView(directed=False))
    assert round(r.average_path_length(), 3) == 4.387 and r.diameter() == 8
    assert round(r.transitivity_avglocal_undirected(), 3) == 0.5
    for args, text in ((["--k", "3"], "even k"), (["--p", "1.5"], "[0, 1]")):
        res = run_cli("graphs", "make", "ws", "--n", "32", "--k", "4", "--p", "0.1",
                      *args, "--out", tmp_path / "x.graphml")
        assert res.exit_code == 2 and text in res.stderr, res.stderr
    res = run_cli("graphs", "make", "ws", "--n", "32", "--k", "4", "--p", "0", "--out", ring)
    assert res.exit_code == 2 and "exists" in res.stderr
