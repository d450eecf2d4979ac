"""Reservoir library: checks against the literature and against independent references."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest

from topocli.errors import TopocliError
from topocli.reservoir import (
    LIFParameters,
    ReservoirConfig,
    adjacency_matrix,
    build_reservoir,
    echo_state_states,
    fit_ridge,
    lif_rate,
    liquid_states,
    node_signs,
    score_reservoir,
    spectral_radius,
)
from topocli.reservoir.tasks import memory_capacity, narma10, narma10_series


def _random_reservoir(n: int, density: float, radius: float, seed: int) -> np.ndarray:
    """A standard random ESN matrix: sparse Gaussian, scaled to ``radius``."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    return matrix * radius / spectral_radius(matrix)


def _tiny_graph(n: int = 30, m: int = 120, seed: int = 0) -> ig.Graph:
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    g = ig.Graph(n=n, edges=[pairs[i] for i in rng.choice(len(pairs), m, replace=False)],
                 directed=True)
    g.vs["name"] = [f"c{i}" for i in range(n)]
    g.vs["cell_class"] = ["sensory"] * 8 + ["interneuron"] * 12 + ["motor"] * 10
    g.vs["neurotransmitter"] = ["GABA" if i % 5 == 0 else "Acetylcholine" for i in range(n)]
    g.es["weight"] = [float(1 + i % 3) for i in range(m)]
    return g


# ------------------------------------------------------------ literature checks
def test_memory_capacity_of_random_esn_stays_below_size():
    """Jaeger (2001): MC <= N for i.i.d. input; a tanh ESN stays clearly below."""
    n = 40
    matrix = _random_reservoir(n, 0.2, 0.9, seed=1)
    w_in = np.random.default_rng(2).uniform(-0.1, 0.1, (n, 1))
    result = memory_capacity(lambda u: echo_state_states(matrix, w_in, u), steps=4000,
                             max_delay=2 * n, seed=3)
    assert 3.0 < result["score"] < n
    assert all(0.0 <= c <= 1.0 for c in result["per_delay"])


def test_memory_capacity_of_linear_orthogonal_reservoir_approaches_size():
    """A linear reservoir with orthogonal weights holds ~N delays (Jaeger 2001; White,
    Lee & Sompolinsky 2004): tiny ridge, series 1000x N, delays up to 2N. At radius 0.9
    the memory of N = 20 units lies almost wholly within 2N delays (at 0.99 it spreads
    past 2N, so fewer of them are counted)."""
    n = 20
    rng = np.random.default_rng(1)
    orthogonal, _ = np.linalg.qr(rng.normal(size=(n, n)))
    w_in = rng.uniform(-1.0, 1.0, (n, 1))
    result = memory_capacity(
        lambda u: echo_state_states(0.9 * orthogonal, w_in, u, activation="linear"),
        steps=20_000, max_delay=2 * n, washout=500, seed=2, ridges=(1e-12,))
    assert 0.9 * n < result["score"] <= n + 0.5  # finite-test bias is ~0.01 per delay
    assert min(result["per_delay"][:10]) > 0.95


def test_narma10_nrmse_of_standard_reservoir_in_published_range():
    """NARMA-10 with a random ESN of 100 units: published NRMSE ~0.2-0.5 (Rodan & Tino
    2011, NMSE ~0.1 for N = 100; Verstraeten et al. 2007, NRMSE ~0.4)."""
    n = 100
    matrix = _random_reservoir(n, 0.1, 0.9, seed=5)
    w_in = np.random.default_rng(6).uniform(-0.5, 0.5, (n, 1))
    result = narma10(lambda u: echo_state_states(matrix, w_in, u), steps=4000, seed=7)
    assert 0.2 <= result["score"] <= 0.5


def test_lif_matches_analytic_rate_under_constant_input():
    """An unconnected LIF neuron's rate equals (t_ref + tau ln((I-v_r)/(I-theta)))^-1."""
    params = LIFParameters(dt=0.1, bias_current=0.0, steps_per_input=100_000)  # 10 s
    currents = np.array([0.9, 1.05, 1.5, 3.0])
    _, activity = liquid_states(np.zeros((4, 4)), currents[:, None], np.ones((1, 1)), params)
    measured = activity["spikes_per_node"] / 10_000.0
    np.testing.assert_allclose(measured, lif_rate(currents, params), rtol=0.02)
    assert measured[0] == 0.0 and lif_rate(0.99, params) == 0.0


def test_narma10_guard_flags_divergence():
    assert np.isinf(narma10_series(np.full(500, 1.0))).any()  # diverges: caught
    assert np.isfinite(narma10_series(np.full(500, 0.25))).all()


# ------------------------------------------------------------ independent references
def test_ridge_readout_matches_sklearn():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 12))
    y = x @ rng.normal(size=(12, 3)) + 0.5 + 0.1 * rng.normal(size=(300, 3))
    readout = fit_ridge(x[:200], y[:200], x[200:], y[200:], ridges=(1e-2,))
    centred = x[:200] - x[:200].mean(axis=0)
    alpha = 1e-2 * np.linalg.eigvalsh(centred.T @ centred).mean()
    reference = Ridge(alpha=alpha).fit(x[:200], y[:200])
    np.testing.assert_allclose(readout.weights, reference.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(readout.bias, reference.intercept_, rtol=1e-8)


def test_ridge_chosen_per_output_on_validation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 40))
    clean = x[:, 0]
    noisy = rng.normal(size=120)  # unpredictable: wants a strong ridge
    y = np.c_[clean, noisy]
    readout = fit_ridge(x[:80], y[:80], x[80:100], y[80:100], ridges=(1e-8, 1e2))
    assert readout.ridge[0] == 1e-8 and readout.ridge[1] == 1e2


def test_echo_state_step_by_step():
    rng = np.random.default_rng(3)
    matrix, w_in = rng.normal(size=(5, 5)) * 0.3, rng.normal(size=(5, 2))
    u = rng.normal(size=(6, 2))
    states = echo_state_states(matrix, w_in, u, leak=0.4)
    x = np.zeros(5)
    for t in range(6):
        x = 0.6 * x + 0.4 * np.tanh(matrix @ x + w_in @ u[t])
        np.testing.assert_allclose(states[t], x, rtol=1e-12)


# ------------------------------------------------------------ wiring
def test_matrix_signs_and_nodes():
    g = _tiny_graph()
    binary = adjacency_matrix(g)
    assert binary.sum() == g.ecount() and binary[g.es[0].target, g.es[0].source] == 1
    weighted = adjacency_matrix(g, weighted=True)
    assert weighted.sum() == sum(g.es["weight"])
    signs, rule = node_signs(g, "auto")
    assert rule == "transmitter" and (signs < 0).sum() == 6
    random_signs, _ = node_signs(g, "random", inhibitory_fraction=0.5, seed=1)
    assert (random_signs < 0).sum() == 15
    res = build_reservoir(g, ReservoirConfig(spectral_radius=0.7, weighted=True))
    assert spectral_radius(res.matrix) == pytest.approx(0.7)
    assert np.all(res.matrix[:, res.signs < 0] <= 0)  # Dale: one sign per sender
    assert res.description["input_nodes"] == "sensory" and len(res.input_nodes) == 8
    assert res.description["readout_nodes"] == "motor" and len(res.readout_nodes) == 10
    every = build_reservoir(g, ReservoirConfig(input_nodes="all", readout_nodes="all"))
    assert len(every.input_nodes) == len(every.readout_nodes) == 30
    del g.vs["neurotransmitter"]
    assert node_signs(g, "auto", seed=0)[1] == "random"
    with pytest.raises(TopocliError, match="neurotransmitter"):
        node_signs(g, "transmitter")


@pytest.mark.parametrize("changes, message", [
    ({"spectral_radius": -0.5}, "spectral-radius"),
    ({"leak": 0.0}, "leak"),
    ({"leak": 1.2}, "leak"),
    ({"tasks": ("nope",)}, "unknown task"),
    ({"inhibitory_fraction": 1.5}, "inhibitory"),
])
def test_bad_config_refused(changes, message):
    with pytest.raises(TopocliError, match=message):
        ReservoirConfig(**changes).validate()


def test_graph_without_edges_refused():
    with pytest.raises(TopocliError, match="edge"):
        adjacency_matrix(ig.Graph(n=4, directed=True))
    with pytest.raises(TopocliError, match="spectral radius 0"):
        build_reservoir(ig.Graph(n=3, edges=[(0, 1), (1, 2)], directed=True),
                        ReservoirConfig())


def test_acyclic_graph_refused_even_when_round_off_gives_a_radius():
    """The mouse V1 graph is a DAG: its computed spectral radius is round-off, not 0."""
    from topocli.graphs import load_graph
    from topocli.reservoir.network import spectral_radius

    g = load_graph("mouse-v1-bock2011")
    assert g.is_dag() and spectral_radius(adjacency_matrix(g)) > 1e-12
    with pytest.raises(TopocliError, match="spectral radius 0"):
        build_reservoir(g, ReservoirConfig())


def test_score_is_reproducible_and_seed_dependent():
    g = _tiny_graph()
    config = ReservoirConfig(tasks=("memory-capacity", "narma10"), steps=800, seed=4)
    first, second = score_reservoir(g, config), score_reservoir(g, config.to_dict())
    assert first["scores"] == second["scores"]
    assert 0 < first["scores"]["memory-capacity"] < 10  # 10 motor readout nodes
    other = score_reservoir(g, config.replace(seed=5))
    assert other["scores"] != first["scores"]


def test_spiking_reservoir_reports_events_and_scores_digits():
    g = _tiny_graph()
    config = ReservoirConfig(tasks=("digits",), neuron="lif", input_nodes="all",
                             readout_nodes="all", lif=LIFParameters(max_delay=3))
    result = score_reservoir(g, config)
    assert result["scores"]["digits"] > 0.3  # 10 classes: chance is 0.1
    events = result["synaptic_events_per_sample"]["digits"]
    spikes = result["spikes_per_sample"]["digits"]
    assert spikes > 0 and events >= spikes  # every spike reaches its out-neighbours


def test_synaptic_events_count_out_degree():
    """A single spiking neuron with 3 targets makes 3 events per spike."""
    matrix = np.zeros((4, 4))
    matrix[1:, 0] = 0.01  # node 0 -> 1, 2, 3 (too weak to make them fire)
    params = LIFParameters(bias_current=0.0, steps_per_input=500)
    w_in = np.array([[2.0], [0.0], [0.0], [0.0]])
    _, activity = liquid_states(matrix, w_in, np.ones((1, 1)), params)
    assert activity["spikes"] > 5 and activity["synaptic_events"] == 3 * activity["spikes"]


def test_all_tasks_run_on_a_small_graph():
    result = score_reservoir(_tiny_graph(), ReservoirConfig(
        tasks=("memory-capacity", "narma10", "mackey-glass", "digits"), steps=600,
        washout=100))
    scores = result["scores"]
    assert 0 < scores["memory-capacity"] < 10 and 0 < scores["narma10"] < 1.5
    assert 0 < scores["mackey-glass"] < 1.5 and 0.2 < scores["digits"] <= 1.0
    assert result["higher_is_better"] == {"memory-capacity": True, "narma10": False,
                                          "mackey-glass": False, "digits": True}
