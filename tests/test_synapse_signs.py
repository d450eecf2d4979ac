"""Synapse signs (issue 26 follow-up): a file's signed synapses become each node's sign,
which the reservoir's and controller's ``auto`` signs use and the nulls keep."""

from __future__ import annotations

import collections
import logging

import igraph as ig
import numpy as np
import pytest

from topocli.control.policy import GraphPolicy
from topocli.errors import TopocliError
from topocli.graphs import fly, load_graph, read_graph_file
from topocli.graphs.graphml import write_graphml
from topocli.nullmodels import generate
from topocli.reservoir import node_signs
from topocli.reservoir.network import carry_transmitters

VISUAL = "drosophila-visual-lappalainen2024"


def _signed_graphml(path, *, signed: bool = True):
    """A -> B, C (+1); B -> A (-1); D -> A -1 x5 and D -> B +1 x2 (mixed, mostly -1);
    E -> A +1 x1 and E -> B -1 x1 (a tie); C sends nothing."""
    edges = [("A", "B", 1, 1), ("A", "C", 3, 1), ("B", "A", 2, -1), ("D", "A", 5, -1),
             ("D", "B", 2, 1), ("E", "A", 1, 1), ("E", "B", 1, -1)]
    key = '<key id="s" for="edge" attr.name="sign" attr.type="long"/>' if signed else ""
    body = "".join(f'<node id="{n}"/>' for n in "ABCDE") + "".join(
        f'<edge source="{a}" target="{b}"><data key="w">{w}</data>'
        + (f'<data key="s">{s}</data>' if signed else "") + "</edge>"
        for a, b, w, s in edges)
    path.write_text('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/'
                    'xmlns"><key id="w" for="edge" attr.name="weight" attr.type="double"/>'
                    f'{key}<graph edgedefault="directed">{body}</graph></graphml>')
    return path


def _signs(graph: ig.Graph) -> dict[str, int]:
    return dict(zip(graph.vs["name"], graph.vs["sign"]))


def test_a_node_takes_the_sign_of_the_synapses_it_sends(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="topocli"):
        g = read_graph_file(_signed_graphml(tmp_path / "s.graphml"), match_cells=False)
    assert _signs(g) == {"A": 1, "B": -1, "C": 0, "D": -1, "E": 0}
    assert "2 nodes send synapses of both signs" in caplog.text
    assert "1 ties left unsigned" in caplog.text
    unsigned = read_graph_file(_signed_graphml(tmp_path / "u.graphml", signed=False),
                               match_cells=False)
    assert "sign" not in unsigned.vs.attributes()


def test_written_node_signs_read_back(tmp_path):
    g = load_graph(read_graph_file(_signed_graphml(tmp_path / "s.graphml"),
                                   match_cells=False))
    again = read_graph_file(write_graphml(g, tmp_path / "view.graphml"), match_cells=False)
    assert _signs(again) == _signs(g)


def test_auto_signs_use_the_synapse_signs(tmp_path):
    g = read_graph_file(_signed_graphml(tmp_path / "s.graphml"), match_cells=False)
    signs, rule = node_signs(g, "auto", seed=0)
    assert rule == "synapse"
    assert dict(zip(g.vs["name"], signs)) == {"A": 1, "B": -1, "C": 1, "D": -1, "E": 1}
    assert node_signs(g, "synapse")[1] == "synapse"
    policy = GraphPolicy(g, 1, 1, signs="dale", seed=0)
    assert policy.sign_rule == "synapse" and policy.inhibitory_nodes == 2
    # Without signs: transmitters (the worm), else random, as before.
    g.vs["sign"] = [0] * g.vcount()
    g.vs["neurotransmitter"] = ["GABA", "", "", "", ""]
    assert node_signs(g, "auto")[1] == "transmitter"
    # a 0/1 flag or text that happens to be called sign marks no node inhibitory: auto
    # does not read it as synapse signs (which would make every node excitatory)
    for flag in ([1, 0, 1, 0, 0], ["+", "-", "x", None, "1"]):
        g.vs["sign"] = flag
        assert node_signs(g, "auto")[1] == "transmitter"
    del g.vs["sign"]
    with pytest.raises(TopocliError, match="synapse signs"):
        node_signs(g, "synapse")


def _signed_random_graph(n: int = 40, m: int = 160) -> ig.Graph:
    rng = np.random.default_rng(3)
    edges = sorted({tuple(int(x) for x in rng.choice(n, 2, replace=False)) for _ in range(m)})
    g = ig.Graph(n=n, directed=True, edges=edges)
    g.vs["name"] = [f"c{i}" for i in range(n)]
    g.vs["cell_class"] = ["interneuron"] * n
    g.vs["sign"] = [-1 if i % 3 == 0 else 1 for i in range(n)]
    g.es["weight"] = [1.0] * g.ecount()
    return g


def test_nulls_keep_each_nodes_sign():
    g = _signed_random_graph()
    null = generate(g, "degree", seed=4)
    assert null.get_edgelist() != g.get_edgelist()          # rewired ...
    assert _signs(null) == _signs(g)                          # ... each node its sign
    drawn = generate(g, "er", seed=4)                         # nodes not kept: carried
    assert "sign" not in drawn.vs.attributes()
    carry_transmitters(drawn, g, seed=5)
    assert sorted(drawn.vs["sign"]) == sorted(g.vs["sign"])


def test_the_converter_signs_each_cell():
    spec = {"nodes": [{"name": t, "pattern": ["stride", [1, 1]]} for t in ("R1", "A", "T1")],
            "edges": [{"src": "R1", "tar": "A", "offsets": [[[0, 0], 4.0]], "alpha": 1},
                      {"src": "A", "tar": "T1", "offsets": [[[0, 0], 5.0]], "alpha": -1},
                      {"src": "A", "tar": "R1", "offsets": [[[0, 0], 2.0]], "alpha": 1}],
            "input_units": ["R1"], "output_units": ["T1"]}
    g = fly.raw_from_flyvis(spec, 0)
    assert _signs(g) == {"R1[0,0]": 1, "A[0,0]": -1, "T1[0,0]": 0}
    assert sorted(g.es["sign"]) == [-1, 1, 1]


def test_the_bundled_visual_system_carries_flyvis_signs():
    g = load_graph(VISUAL)
    assert (g.vcount(), g.ecount()) == (2331, 52883)
    assert collections.Counter(g.vs["sign"]) == {-1: 914, 1: 1345, 0: 72}
    signs, rule = node_signs(g, "auto", seed=0)
    assert rule == "synapse" and int((signs < 0).sum()) == 914
    # One sign per cell type (the 4 mixed types by most of their synapses).
    per_type = collections.defaultdict(set)
    for name, sign in zip(g.vs["name"], g.vs["sign"]):
        per_type[name.rsplit("[", 1)[0]].add(sign)
    assert all(len(s - {0}) <= 1 for s in per_type.values())
    assert {t: per_type[t] for t in ("R8", "Am", "C2", "C3", "L1", "L2")} == {
        "R8": {-1}, "Am": {1}, "C2": {-1}, "C3": {-1}, "L1": {-1}, "L2": {1}}
