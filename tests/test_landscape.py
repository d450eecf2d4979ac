"""The landscape generator: clustering and path length moved independently at fixed n, m."""

from __future__ import annotations

import json

import numpy as np
import pytest

from topocli.errors import TopocliError
from topocli.graphs import undirected_view
from topocli.nullmodels import generate
from topocli.nullmodels.landscape import plane_area, ring_lattice_edges


@pytest.fixture(scope="module")
def real(varshney):
    return undirected_view(varshney)


def _cl(g):
    return g.transitivity_avglocal_undirected(mode="zero"), g.average_path_length()


@pytest.mark.parametrize("n, m", [(10, 10), (10, 17), (11, 40), (12, 66)])
def test_ring_lattice_has_exactly_m_edges_and_even_degrees(n, m):
    edges = ring_lattice_edges(n, m)
    assert len(edges) == m == len({tuple(sorted(e)) for e in edges})
    degrees = np.bincount(np.array(edges).ravel(), minlength=n)
    assert degrees.max() - degrees.min() <= 2


def test_same_n_and_m_and_the_transitivity_asked_for(real):
    for p, t in ((0.0, 0.2), (0.1, 0.4), (1.0, 0.1)):
        g = generate(real, "landscape", seed=3, p=p, transitivity=t)
        assert (g.vcount(), g.ecount()) == (real.vcount(), real.ecount())
        assert g.is_simple() and g.is_connected() and not g.is_directed()
        assert g.transitivity_undirected() == pytest.approx(t, abs=0.01)
        assert json.loads(g["null_params"])["transitivity_reached"] == pytest.approx(
            g.transitivity_undirected(), abs=1e-5)


def test_clustering_moves_at_nearly_fixed_path_length_and_back(real):
    """The point of the generator: two graphs with L within 0.1 and C apart by > 0.3
    (ws at fixed n, m cannot: its C and L move together along one curve)."""
    low = _cl(generate(real, "landscape", seed=1, p=0.1, transitivity=0.05))
    high = _cl(generate(real, "landscape", seed=1, p=0.1, transitivity=0.4))
    assert high[0] - low[0] > 0.3 and abs(high[1] - low[1]) < 0.25
    # and path length moves at fixed clustering
    short = _cl(generate(real, "landscape", seed=1, p=0.3, transitivity=0.4))
    long = _cl(generate(real, "landscape", seed=1, p=0.0, transitivity=0.4))
    assert abs(short[0] - long[0]) < 0.03 and long[1] - short[1] > 1.0


def test_source_start_keeps_the_degree_sequence(real):
    g = generate(real, "landscape", seed=0, p=0.5, transitivity=0.25, start="source")
    assert sorted(g.degree()) == sorted(real.degree())
    assert g.vs["name"] == real.vs["name"]
    same = generate(real, "landscape", seed=0, p=0.5, transitivity=0.25, start="source")
    assert same.get_edgelist() == g.get_edgelist()


@pytest.mark.parametrize("params, message", [({"p": 1.5}, "p must be"),
                                             ({"transitivity": -0.1}, "transitivity"),
                                             ({"start": "x"}, "start")])
def test_bad_parameters_are_refused(real, params, message):
    with pytest.raises(TopocliError, match=message):
        generate(real, "landscape", seed=0, **params)


def test_plane_area():
    assert plane_area(np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]])) == \
        pytest.approx(1.0)
    assert plane_area(np.array([[0, 0], [1, 1], [2, 2]])) == 0.0
