"""Every statistic networkx also computes equals networkx on many small random graphs."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topocli import metrics as tm
from topocli.analysis import graph_statistics
from topocli.errors import TopocliError
from topocli.metrics._graph import giant_vertices

CLASSES = ["sensory", "interneuron", "motor"]


def random_graph(seed: int, directed: bool) -> ig.Graph:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 25))
    p = float(rng.uniform(0.08, 0.5))
    a = rng.random((n, n)) < p
    np.fill_diagonal(a, False)
    if not directed:
        a = np.triu(a)
    edges = np.argwhere(a).tolist()
    g = ig.Graph(n=n, edges=edges, directed=directed)
    g.vs["cell_class"] = [CLASSES[i] for i in rng.integers(0, 3, n)]
    return g


def to_nx(g: ig.Graph) -> nx.Graph:
    G = nx.DiGraph() if g.is_directed() else nx.Graph()
    G.add_nodes_from((v.index, {"cell_class": v["cell_class"]}) for v in g.vs)
    G.add_edges_from(g.get_edgelist())
    return G


graphs = st.tuples(st.integers(0, 10**6), st.booleans())
prop = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@prop
@given(graphs)
def test_basic_paths_clustering_equal_networkx(args):
    g = random_graph(*args)
    G = to_nx(g)
    U = G.to_undirected() if G.is_directed() else G
    assert tm.density(g) == pytest.approx(nx.density(G))
    if G.is_directed() and g.ecount():
        assert tm.reciprocity(g) == pytest.approx(nx.overall_reciprocity(G))
    giant = G.subgraph(giant_vertices(g).tolist())
    if giant.number_of_nodes() > 1:
        assert tm.path_length(g) == pytest.approx(nx.average_shortest_path_length(giant))
        assert tm.diameter(g) == pytest.approx(nx.diameter(giant))
    if not G.is_directed():
        assert tm.global_efficiency(g) == pytest.approx(nx.global_efficiency(G))
    assert tm.clustering_avg_zero(g) == pytest.approx(nx.average_clustering(U))
    t = tm.transitivity(g)
    assert (0.0 if np.isnan(t) else t) == pytest.approx(nx.transitivity(U))
    assert tm.clustering_directed(g) == pytest.approx(nx.average_clustering(G))
    local = nx.clustering(U)
    defined = [local[v] for v in U if U.degree(v) >= 2]
    if defined:
        assert tm.clustering_avg_nan(g) == pytest.approx(np.mean(defined))


@prop
@given(graphs)
def test_mixing_modularity_richclub_equal_networkx(args):
    g = random_graph(*args)
    G = to_nx(g)
    if g.ecount() == 0:
        return
    ref = nx.attribute_assortativity_coefficient(G, "cell_class")
    ours = tm.class_assortativity(g)
    assert (np.isnan(ours) and np.isnan(ref)) or ours == pytest.approx(ref)
    kinds = [("out", "in"), ("in", "out"), ("out", "out"), ("in", "in")] if G.is_directed() \
        else [("out", "in")]
    for x, y in kinds:
        with np.errstate(all="ignore"):
            ref = nx.degree_assortativity_coefficient(G, x=x, y=y)
        ours = tm.degree_assortativity(g, x, y)
        # Degrees that do not vary at one end make it undefined (NaN); networkx then
        # sometimes returns round-off instead (1.6e-08 for random_graph(451076, True)).
        undefined_ref = np.isnan(ref) or abs(ref) < 1e-6
        assert (np.isnan(ours) and undefined_ref) or ours == pytest.approx(ref, abs=1e-9)
    classes = [{v for v in G if G.nodes[v]["cell_class"] == c} for c in CLASSES]
    classes = [c for c in classes if c]
    assert tm.class_modularity(g) == pytest.approx(nx.community.modularity(G, classes))
    same = sum(G.nodes[u]["cell_class"] == G.nodes[v]["cell_class"] for u, v in G.edges)
    assert tm.homophily_fraction(g) == pytest.approx(same / G.number_of_edges())
    U = nx.Graph(G.to_undirected())
    if U.number_of_nodes() >= 4 and U.number_of_edges():
        ref = nx.rich_club_coefficient(U, normalized=False)
        ours = tm.rich_club(g)
        for k, v in ours.items():
            assert v == pytest.approx(ref[k])


@prop
@given(graphs)
def test_motif_census_equals_references(args):
    g = random_graph(*args)
    if g.is_directed():
        census = nx.triadic_census(to_nx(g))
        ours = tm.motifs3_directed(g)
        assert len(ours) == 13
        for code, count in ours.items():
            assert count == census[code]
    u = g.copy()
    u.to_undirected(mode="collapse")
    ref = u.motifs_randesu(size=4)
    ours = tm.motifs4_undirected(u)
    for iso, (name, _) in tm.motifs.MOTIF4_UNDIRECTED.items():
        assert ours[name] == ref[iso]
    ref3 = u.motifs_randesu(size=3)
    ours3 = tm.motifs3_undirected(u)
    assert (ours3["open_triad"], ours3["triangle"]) == (ref3[2], ref3[3])


def test_modularity_seeded_and_above_class_partition(varshney):
    a = tm.leiden_modularity(varshney, runs=3, seed=1)
    b = tm.leiden_modularity(varshney, runs=3, seed=1)
    assert a == b
    assert 0.35 < a["modularity"] < 0.5 and a["n_communities"] >= 3
    assert a["modularity"] > tm.class_modularity(varshney)
    c = tm.leiden_modularity(varshney, runs=2, seed=1, backend="leidenalg")
    assert abs(c["modularity"] - a["modularity"]) < 0.02


def test_named_clustering_conventions_differ_where_degree_below_two():
    g = ig.Graph(n=4, edges=[(0, 1), (1, 2), (2, 0), (2, 3)])  # node 3 has degree 1
    assert tm.clustering_avg_zero(g) == pytest.approx((1 + 1 + 1 / 3 + 0) / 4)
    assert tm.clustering_avg_nan(g) == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert tm.transitivity(g) == pytest.approx(3 * 1 / 5)


def test_null_summary_z_and_empirical_p():
    null = np.arange(100, dtype=float)
    s = tm.summarise(200.0, null)
    assert s["null_mean"] == pytest.approx(49.5)
    assert s["z"] == pytest.approx((200 - 49.5) / np.std(null, ddof=1))
    assert s["p"] == pytest.approx(2 / 101)          # +1 correction, two-sided
    assert tm.empirical_p(49.5, null) == 1.0
    fixed = tm.summarise(5.0, np.full(10, 5.0))
    assert np.isnan(fixed["z"]) and "fixes" in fixed["note"]
    assert np.isnan(tm.summarise(1.0, [np.nan, np.nan])["z"])


def test_significance_profile_unit_length():
    sp = tm.significance_profile({"a": 3.0, "b": -4.0, "c": float("nan")})
    assert sp == {"a": pytest.approx(0.6), "b": pytest.approx(-0.8), "c": 0.0}


def test_bad_input_gives_nan_or_clear_error():
    empty = ig.Graph(n=3)
    single = ig.Graph(n=1)
    for g in (empty, single, ig.Graph(n=0)):
        stats = graph_statistics(g)
        assert np.isnan(stats["path_length"]) and np.isnan(stats["modularity"])
    two = ig.Graph(n=4, edges=[(0, 1), (2, 3)])
    assert tm.path_length(two) == 1.0
    with pytest.raises(TopocliError, match="not .*connected"):
        tm.path_length(two, component="all")


def test_sampled_path_length_close_to_exact(varshney):
    exact = tm.distance_summary(varshney)
    est = tm.distance_summary(varshney, sources=100, seed=0)
    assert est["sources"] == 100
    assert est["path_length"] == pytest.approx(exact["path_length"], rel=0.05)


def test_small_world_er_sigma_near_one_and_lattice_omega_near_minus_one():
    import random

    ig.set_random_number_generator(random.Random(3))
    er = ig.Graph.Erdos_Renyi(n=120, m=600)
    ig.set_random_number_generator(random)
    res = tm.small_world(er, nrand=8, nlattice=1, seed=0)
    assert res["sigma"] == pytest.approx(1.0, abs=0.15)
    ring = ig.Graph.Lattice([300], nei=2, circular=True)
    res = tm.small_world(ring, nrand=3, nlattice=1, lattice_swaps_per_edge=300, seed=0)
    assert res["omega"] == pytest.approx(-1.0, abs=0.15)
    assert res["omega"] < -0.8


def test_directed_motif_census_refuses_undirected_graph():
    with pytest.raises(ValueError, match="needs a directed graph"):
        tm.motifs3_directed(ig.Graph.Ring(5))
