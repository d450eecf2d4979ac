"""Null models: degrees kept exactly, n and m as stated, seeds reproduce, ensembles behave."""

from __future__ import annotations

import hashlib
import json

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from topocli.errors import TopocliError
from topocli.graphs import GraphView, load_graph
from topocli.nullmodels import (
    MODELS,
    block_densities,
    degree_preserving_edge_arrays,
    degree_preserving_rewire,
    generate,
    generate_many,
    lattice_reference,
    rewiring,
)
from topocli.nullmodels.smallworld import source_clustering, ws_p_for_clustering
from topocli.seeding import igraph_rng


def _graph(n: int, m: int, *, directed: bool, seed: int = 1, weighted: bool = False) -> ig.Graph:
    """A small connected simple graph with names and classes, like load_graph returns."""
    rng = np.random.default_rng(seed)
    with igraph_rng(seed):  # igraph's generator seeded too: the fixture is the same each run
        g = ig.Graph.Erdos_Renyi(n=n, m=m, directed=directed)
        while not g.is_connected(mode="weak"):
            g = ig.Graph.Erdos_Renyi(n=n, m=m, directed=directed)
    g.vs["name"] = [f"v{i}" for i in range(n)]
    g.vs["cell_class"] = list(rng.choice(["sensory", "interneuron", "motor"], size=n))
    g.es["weight"] = list(rng.integers(1, 9, size=m).astype(float)) if weighted else [1.0] * m
    g["source"] = "test"
    g["view"] = "{}"
    return g


@pytest.fixture(scope="module")
def chem_und() -> ig.Graph:
    return load_graph("celegans-varshney2011", GraphView(layer="chemical", directed=False))


def _degrees(g: ig.Graph) -> tuple:
    if g.is_directed():
        return tuple(g.indegree()), tuple(g.outdegree())
    return (tuple(g.degree()),)


@pytest.mark.parametrize("model", ["degree", "config", "lattice"])
def test_degree_sequences_kept_exactly_directed(varshney_chemical, model):
    before = varshney_chemical.get_edgelist()
    null = generate(varshney_chemical, model, seed=5,
                    **({} if model == "config" else {"swaps_per_edge": 3}))
    assert null.is_directed() and null.is_simple()
    assert _degrees(null) == _degrees(varshney_chemical)
    assert null.get_edgelist() != before
    assert varshney_chemical.get_edgelist() == before          # input untouched
    assert null.vs["name"] == varshney_chemical.vs["name"]
    assert null.vs["cell_class"] == varshney_chemical.vs["cell_class"]


@pytest.mark.parametrize("model", ["degree", "config", "lattice"])
def test_degree_sequences_kept_exactly_undirected(chem_und, model):
    null = generate(chem_und, model, seed=6)
    assert not null.is_directed() and null.is_simple()
    assert _degrees(null) == _degrees(chem_und)
    # networkx as an independent reference for the degree sequence.
    ref = nx.Graph(chem_und.get_edgelist())
    got = nx.Graph(null.get_edgelist())
    assert sorted(dict(ref.degree()).items()) == sorted(dict(got.degree()).items())


def test_degree_swap_counts_recorded(varshney_chemical):
    null = degree_preserving_rewire(varshney_chemical, swaps_per_edge=2, seed=1)
    # Trials count units: unreciprocated arcs plus mutual pairs (the undirected edges).
    pairs = len({tuple(sorted(e)) for e in varshney_chemical.get_edgelist()})
    assert null["swaps_attempted"] == 2 * pairs
    assert 0 < null["swaps_accepted"] <= null["swaps_attempted"]
    assert null["null_model"] == "degree"
    assert json.loads(null["null_params"])["swaps_per_edge"] == 2
    # Most edges moved: the chain mixes.
    overlap = len(set(null.get_edgelist()) & set(varshney_chemical.get_edgelist()))
    assert overlap < 0.3 * varshney_chemical.ecount()


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("model", ["degree", "inout", "lattice"])
def test_batch_equals_one_by_one(model, directed):
    """Null i depends only on its seed: made among 64 == made alone."""
    g = _graph(25, 60, directed=directed)
    if directed:                                # some mutual pairs for the degree chain
        g.add_edges([(v, u) for u, v in g.get_edgelist()[:15] if not g.are_adjacent(v, u)])
    batch = generate_many(g, model, 64, seed=3, swaps_per_edge=2)
    for i in (0, 17, 63):
        alone = generate(g, model, seed=batch[i]["seed"], swaps_per_edge=2)
        assert alone.get_edgelist() == batch[i].get_edgelist()
        assert alone["swaps_accepted"] == batch[i]["swaps_accepted"]
    res = degree_preserving_edge_arrays(g, 64, seeds=[b["seed"] for b in batch],
                                        swaps_per_edge=2, lattice=model == "lattice",
                                        keep_mutual=model == "degree")
    assert res.edges.shape == (64, g.ecount(), 2)
    assert np.array_equal(res.accepted, [b["swaps_accepted"] for b in batch])


def _reference_chain(units, n: int, rng: np.random.Generator, trials: int,
                     order: np.ndarray | None, window: int | None) -> tuple:
    """The swap chain as a plain Python loop over the same draws as the compiled kernel:
    its trial selection, flips, refusals, ring test and connectivity rollback, written
    out again with sets (the independent reference of ``_swap_kernel``)."""
    ns, n_pairs, m = units.n_single, units.n_pairs, len(units.units)
    symmetric = units.symmetric_from < m
    src, dst = units.units[:, 0].tolist(), units.units[:, 1].tolist()

    def present() -> set:
        arcs = set(zip(src, dst))
        return arcs | {(y, x) for x, y in arcs} if symmetric else arcs

    def ring(x: int, y: int) -> int:
        gap = abs(int(order[x]) - int(order[y]))
        return min(gap, n - gap)

    arcs, accepted, done = present(), 0, 0
    snapshot = (list(src), list(dst), 0)
    while done < trials:
        steps = min(rewiring._CHUNK, trials - done)
        if window:
            steps = min(steps, window - done % window)
        first, second, coin = (x.tolist() for x in rewiring._raw_draws(rng, steps, ns, n_pairs))
        for t in range(steps):
            e1 = first[t]
            if ns and n_pairs:                   # second unit of the first one's kind
                pair = e1 >= ns
                size, base = (n_pairs, ns) if pair else (ns, 0)
                e2 = int(second[t] * (size - 1))
                e2 += e2 >= e1 - base
                e2 = e2 + base if size > 1 else e1
                flip = pair and coin[t] == 1
            else:
                e2 = second[t] + (second[t] >= e1)
                flip = bool(coin) and coin[t] == 1
            a, b = src[e1], dst[e1]
            c, d = (dst[e2], src[e2]) if flip else (src[e2], dst[e2])
            if len({a, b, c, d}) < 4 or (a, d) in arcs or (c, b) in arcs:
                continue
            if order is not None and ring(a, d) + ring(c, b) > ring(a, b) + ring(c, d):
                continue
            arcs -= {(a, b), (c, d), (b, a), (d, c)} if symmetric else {(a, b), (c, d)}
            arcs |= {(a, d), (c, b), (d, a), (b, c)} if symmetric else {(a, d), (c, b)}
            dst[e1] = d
            if flip:
                src[e2] = b
            else:
                dst[e2] = b
            accepted += 1
        done += steps
        if window and (done % window == 0 or done == trials):
            if not ig.Graph(n=n, edges=list(zip(src, dst))).is_connected(mode="weak"):
                src, dst, accepted = list(snapshot[0]), list(snapshot[1]), snapshot[2]
                arcs = present()
            snapshot = (list(src), list(dst), accepted)
    return np.array([src, dst]).T, accepted


def _one_mutual_pair() -> ig.Graph:
    """A directed graph with exactly one mutual pair: the pair kind has a single unit."""
    g = _graph(20, 50, directed=True, seed=4)
    g.delete_edges([(u, v) for u, v in g.get_edgelist() if g.are_adjacent(v, u)])
    u, v = g.get_edgelist()[0]
    g.add_edges([(v, u)])
    return g


@pytest.mark.parametrize("case", ["degree-directed", "degree-one-pair", "inout-directed",
                                  "degree-undirected", "lattice-directed",
                                  "lattice-undirected", "connected-undirected"])
def test_compiled_chain_equals_plain_python_reference(case):
    model, kind = case.split("-", 1)
    if kind == "one-pair":
        g = _one_mutual_pair()
    elif model == "connected":                   # sparse: windows get undone
        g = _graph(50, 60, directed=False, seed=2)
    else:
        g = _graph(25, 60, directed=kind == "directed")
        if kind == "directed":
            g.add_edges([(v, u) for u, v in g.get_edgelist()[:15] if not g.are_adjacent(v, u)])
    lattice, connected = model == "lattice", model == "connected"
    units = rewiring._units(g, model in ("degree", "connected"))
    if kind == "one-pair":
        assert units.n_pairs == 1
    q = 0.5 if lattice else 3
    res = degree_preserving_edge_arrays(g, 6, seed=11, swaps_per_edge=q, lattice=lattice,
                                        keep_mutual=model != "inout", connected=connected,
                                        window=5 if connected else None)
    m = len(units.units)
    for i, s in enumerate(res.seeds):
        rng = np.random.default_rng(s)
        order = rng.permutation(g.vcount()) if lattice else None
        want, accepted = _reference_chain(units, g.vcount(), rng, int(res.attempted[i]), order,
                                          5 if connected else None)
        assert np.array_equal(res.edges[i][:m], want)
        assert res.accepted[i] == accepted
        assert accepted > 0


# Nulls of the bundled connectome made before the chain was compiled (issue 11: numpy
# lockstep batches, and a plain Python loop for fewer than 64 nulls, as here; both gave
# the same nulls): the same seeds still give the same nulls, bit for bit.
_PINNED = [
    ({}, {"keep_mutual": True}, "9daa3dd7118aacb0", [1675, 1677, 1665]),
    ({}, {"keep_mutual": False}, "7a0919e60b87ac55", [2385, 2360, 2405]),
    ({"layer": "chemical", "directed": False}, {}, "bdb930ccbacd4dc7", [1490, 1491, 1485]),
    ({"layer": "chemical", "directed": False}, {"lattice": True, "swaps_per_edge": 0.2},
     "9c70e4e7e3c79a9b", [1614, 1640, 1642]),
    ({"layer": "chemical", "directed": False}, {"connected": True}, "7f9a2dde9cc96d7f",
     [1533, 1513, 1482]),
]


@pytest.mark.parametrize("view, options, digest, accepted", _PINNED)
def test_same_seeds_same_nulls_as_before(view, options, digest, accepted):
    g = load_graph("celegans-varshney2011", GraphView(**view))
    res = degree_preserving_edge_arrays(g, 3, seeds=[0, 1, 2], **{"swaps_per_edge": 1, **options})
    data = res.edges.astype("<i8").tobytes() + res.accepted.astype("<i8").tobytes()
    assert hashlib.sha256(data).hexdigest()[:16] == digest
    assert res.accepted.tolist() == accepted


def test_mutual_preserving_nulls_hold_every_invariant_over_many_seeds():
    """200 nulls: in/out-degrees, mutual pairs per node, simple, and the chain mixes."""
    g = _graph(30, 90, directed=True, seed=5)
    g.add_edges([(v, u) for u, v in g.get_edgelist()[:25] if not g.are_adjacent(v, u)])
    before = set(g.get_edgelist())
    res = degree_preserving_edge_arrays(g, 200, seed=8, swaps_per_edge=5)
    moved = []
    for edges in res.edges:
        h = ig.Graph(n=g.vcount(), edges=edges.tolist(), directed=True)
        assert h.is_simple() and _degrees(h) == _degrees(g)
        assert _mutual_degrees(h) == _mutual_degrees(g)
        moved.append(1 - len(set(h.get_edgelist()) & before) / g.ecount())
    # Mixing: with Q = 5 most arcs have moved, and the nulls differ from one another.
    assert np.mean(moved) > 0.6
    assert len({e.tobytes() for e in res.edges}) == 200


def test_connected_option_keeps_connectivity():
    # A sparse graph (mean degree 2.4) disconnects easily under free swaps.
    g = _graph(50, 60, directed=False, seed=2)
    free = [degree_preserving_rewire(g, seed=s) for s in range(5)]
    kept = [degree_preserving_rewire(g, seed=s, connected=True, window=5) for s in range(5)]
    assert not all(h.is_connected() for h in free)
    assert all(h.is_connected() for h in kept)
    assert all(_degrees(h) == _degrees(g) for h in kept)
    assert all(h["swaps_accepted"] > 0 for h in kept)


def test_lattice_clustering_at_least_source(chem_und):
    lat = lattice_reference(chem_und, seed=2)
    ref = nx.average_clustering(nx.Graph(chem_und.get_edgelist()))
    got = nx.average_clustering(nx.Graph(lat.get_edgelist()))
    assert got >= ref
    assert lat["null_model"] == "lattice"


def test_n_and_m_per_model(varshney_chemical):
    g = varshney_chemical
    n, m = g.vcount(), g.ecount()
    pairs = len({tuple(sorted(e)) for e in g.get_edgelist()})
    er = generate(g, "er", seed=1)
    assert (er.vcount(), er.ecount(), er.is_directed(), er.is_simple()) == (n, m, True, True)
    for model in ("ws", "ba"):
        for seed in range(3):
            null = generate(g, model, seed=seed)
            assert (null.vcount(), null.ecount(), null.is_directed()) == (n, pairs, False)
            assert null.is_connected() and null.is_simple()
    ws = generate(g, "ws", seed=1)
    k = json.loads(ws["null_params"])["k"]
    assert k % 2 == 0 and abs(k - 2 * pairs / n) <= 1
    assert json.loads(ws["null_params"])["m_correction"] == pairs - n * k // 2
    ba = generate(g, "ba", seed=1)
    assert ba["m_source"] == pairs and ba["m_mismatch"] == 0
    plain = generate(g, "ba", seed=1, match_m=False)
    m0 = json.loads(plain["null_params"])["m_attach"]
    assert plain.ecount() == m0 * (n - m0)
    sbm = generate(g, "sbm", seed=1)
    assert sbm.vcount() == n and sbm.is_directed() and sbm.is_simple()
    for null in (er, ws, ba):                  # classes reassigned by a seeded shuffle
        assert sorted(null.vs["cell_class"]) == sorted(g.vs["cell_class"])
        assert null.vs["name"][:2] == ["n0", "n1"]


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_same_graph_other_seed_other_graph(model):
    g = _graph(40, 120, directed=True, weighted=True)
    if model == "hubcap":        # it moves only what exceeds ER's maximum degree: make hubs
        hub = [(0, v) for v in range(1, 40) if not g.are_adjacent(0, v)]
        g.add_edges(hub, attributes={"weight": [1.0] * len(hub)})
    a, b, c = (generate(g, model, seed=s) for s in (7, 7, 8))
    assert a.get_edgelist() == b.get_edgelist()
    assert a.vs["cell_class"] == b.vs["cell_class"] and a.es["weight"] == b.es["weight"]
    assert a.get_edgelist() != c.get_edgelist()
    assert a["seed"] == 7 and a["null_model"] == model
    if g.ecount() == a.ecount():               # weights are the source's, reshuffled
        assert sorted(a.es["weight"]) == sorted(g.es["weight"])


def test_generate_many_seeds_and_jobs():
    g = _graph(30, 70, directed=True)
    one = generate_many(g, "er", 4, seed=11)
    two = generate_many(g, "er", 4, seed=11, jobs=2)
    assert [x.get_edgelist() for x in one] == [x.get_edgelist() for x in two]
    assert len({tuple(x.get_edgelist()) for x in one}) == 4
    later = generate_many(g, "er", 2, seed=11, first_index=2)
    assert [x["seed"] for x in later] == [x["seed"] for x in one[2:]]


def test_er_ensemble_clustering_close_to_density():
    g = _graph(120, 900, directed=False)
    density = g.density()
    nulls = generate_many(g, "er", 30, seed=0)
    mean_c = np.mean([h.transitivity_undirected() for h in nulls])
    assert abs(mean_c - density) < 0.15 * density
    assert all(h.ecount() == 900 for h in nulls)


def test_ws_p_matches_clustering(chem_und):
    target = source_clustering(chem_und)
    assert target == pytest.approx(nx.average_clustering(nx.Graph(chem_und.get_edgelist())))
    nulls = generate_many(chem_und, "ws", 5, seed=0, match_clustering=True)
    p = json.loads(nulls[0]["null_params"])["p"]
    assert 0 < p < 1 and p == pytest.approx(ws_p_for_clustering(14, target))
    got = np.mean([nx.average_clustering(nx.Graph(h.get_edgelist())) for h in nulls])
    assert abs(got - target) < 0.06
    # p = 0 is networkx's ring lattice exactly.
    ring = generate(chem_und, "ws", seed=0, p=0.0, k=4)
    ref = nx.watts_strogatz_graph(chem_und.vcount(), 4, 0.0)
    assert {tuple(sorted(e)) for e in ring.get_edgelist()} == {tuple(sorted(e)) for e in ref.edges}


def test_sbm_block_densities_within_sampling_error(varshney_chemical):
    names, counts, possible = block_densities(varshney_chemical)
    source = counts / possible
    nulls = generate_many(varshney_chemical, "sbm", 20, seed=0)
    dens = np.array([block_densities(h)[1] / possible for h in nulls])
    mean = dens.mean(axis=0)
    se = np.sqrt(source * (1 - source) / possible / len(nulls))
    assert np.all(np.abs(mean - source) <= 4 * se + 1e-12)
    assert all(block_densities(h)[0] == names for h in nulls)


def test_bad_input_is_one_line_topocli_error(varshney_chemical):
    star = ig.Graph.Star(8)
    star.vs["name"] = [str(i) for i in range(8)]
    star.vs["cell_class"] = ["unknown"] * 8
    with pytest.raises(TopocliError, match="no degree-preserving swap"):
        generate(star, "degree", seed=0)
    with pytest.raises(TopocliError, match="k < n"):
        generate(varshney_chemical, "ws", seed=0, k=280)
    with pytest.raises(TopocliError, match="did you mean degree"):
        generate(varshney_chemical, "degre", seed=0)
    with pytest.raises(TopocliError, match="count"):
        generate_many(varshney_chemical, "er", 0, seed=0)
    with pytest.raises(TopocliError, match="too small"):
        generate(ig.Graph([(0, 1), (1, 2)]), "er", seed=0)
    with pytest.raises(TopocliError) as info:
        generate(varshney_chemical, "ws", seed=0, p=2.0)
    assert "\n" not in str(info.value)


def _mutual_degrees(g: ig.Graph) -> list[int]:
    arcs = set(g.get_edgelist())
    counts = [0] * g.vcount()
    for u, v in arcs:
        if (v, u) in arcs:
            counts[u] += 1
    return counts


def test_degree_keeps_mutual_pairs_inout_does_not():
    """Milo et al. 2002: each node keeps in-, out-degree and its number of mutual pairs."""
    g = load_graph("celegans-varshney2011")            # gap junctions as arc pairs
    und = sorted(g.degree(mode="all"))
    und_deg = [len(set(g.neighbors(v, mode="all"))) for v in range(g.vcount())]
    m_und = len({tuple(sorted(e)) for e in g.get_edgelist()})
    nulls = generate_many(g, "degree", 3, seed=0, swaps_per_edge=3)
    for h in nulls:
        assert h.is_simple() and _degrees(h) == _degrees(g)
        assert _mutual_degrees(h) == _mutual_degrees(g)
        assert h.reciprocity() == pytest.approx(g.reciprocity())
        assert len({tuple(sorted(e)) for e in h.get_edgelist()}) == m_und
        assert [len(set(h.neighbors(v, mode="all"))) for v in range(h.vcount())] == und_deg
        # The chain mixes: most arcs moved.
        assert len(set(h.get_edgelist()) & set(g.get_edgelist())) < 0.5 * g.ecount()
    plain = generate(g, "inout", seed=0, swaps_per_edge=3)
    assert _degrees(plain) == _degrees(g) and sorted(plain.degree(mode="all")) == und
    assert plain.reciprocity() < 0.6 * g.reciprocity()
    assert plain["null_model"] == "inout"
    assert json.loads(nulls[0]["null_params"])["mutual_pairs"].startswith("kept")


def test_no_mutual_preserving_swap_is_one_line_error():
    # Plain in/out swaps exist here, but every swap of two unreciprocated arcs (or two
    # mutual pairs) would make a multi-edge or a new mutual pair.
    g = ig.Graph(n=5, edges=[(0, 1), (0, 2), (0, 4), (1, 0), (1, 4), (2, 0), (3, 4), (4, 2)],
                 directed=True)
    assert generate(g, "inout", seed=0).ecount() == 8
    with pytest.raises(TopocliError, match="no mutual-pair-preserving swap") as info:
        generate(g, "degree", seed=0)
    assert "\n" not in str(info.value) and "inout" in str(info.value)


def test_exact_m_out_of_reach_is_refused():
    # A connected graph on 8 nodes needs 7 edges: ws and ba cannot keep both n, m and
    # connectivity for a 6-edge source.
    g = ig.Graph(n=8, edges=[(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)])
    with pytest.raises(TopocliError, match="connected"):
        generate(g, "ba", seed=0)
    with pytest.raises(TopocliError, match="connected"):
        generate(g, "ws", seed=0)
    assert generate(g, "ws", seed=0, connected=False).ecount() == 6
    assert generate(g, "ws", seed=0, k=2).ecount() == 8       # explicit k: the plain ring


def test_remove_listed_touches_only_plain_names_in_the_folder(tmp_path):
    from topocli.nullmodels.ensemble import remove_listed

    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    for name in ("er-0.graphml.gz", "b.graphml.gz", "sub/c.graphml.gz", "keep.txt"):
        (out / name).write_text("x")
    (tmp_path / "outside.txt").write_text("x")
    # only names rewire gives its nulls (<model>-<index>.graphml.gz) are ever removed
    listed = ["er-0.graphml.gz", "b.graphml.gz", "../outside.txt", "sub/c.graphml.gz", "sub",
              "missing.gz"]
    (out / "manifest.json").write_text(json.dumps({"nulls": [{"file": f} for f in listed]}))
    (out / "manifest.csv").write_text("file\n")
    assert remove_listed(out) == 1
    assert sorted(p.name for p in out.iterdir()) == ["b.graphml.gz", "keep.txt", "sub"]
    assert (tmp_path / "outside.txt").exists() and (out / "sub" / "c.graphml.gz").exists()
