"""The hub controls of issue 23 item 4: ``hubcap`` (the connectome with its hubs capped)
and ``heavytail`` (random graphs of a heavy-tailed degree sequence), both at the
connectome's n and m."""

from __future__ import annotations

import hashlib
import json
from functools import partial

import igraph as ig
import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from topocli.errors import TopocliError
from topocli.graphs import undirected_view
from topocli.nullmodels import generate, registry
from topocli.nullmodels.heavytail import power_law_sequence
from topocli.nullmodels.hubcap import er_max_degree
from topocli.sweep import run_sweep
from topocli.sweep._stand_ins import stand_in_train
from topocli.sweep.direction import check_dag_families

#: sha256 of the sorted edge list of seed 7's null of the directed Varshney view.
PINNED = {"hubcap": "0b4f34446c278ffa", "heavytail": "6f7342276571198f"}


@pytest.fixture(scope="module")
def real(varshney) -> ig.Graph:
    return undirected_view(varshney)


def _edges(g: ig.Graph) -> set[tuple[int, int]]:
    return {tuple(sorted(e)) for e in g.get_edgelist()}


def test_er_max_degree_is_the_median_maximum_of_poisson_degrees():
    for n, m in [(279, 2287), (10, 20), (1000, 50_000), (50, 10)]:
        assert er_max_degree(n, m) == int(poisson.ppf(0.5 ** (1 / n), 2 * m / n))
    assert er_max_degree(279, 2287) == 29


def test_hubcap_keeps_n_m_and_most_edges_and_caps_every_degree(real):
    null = generate(real, "hubcap", seed=1)
    assert (null.vcount(), null.ecount()) == (real.vcount(), real.ecount())
    assert null.is_simple() and null.is_connected() and not null.is_directed()
    assert max(real.degree()) == 93 and max(null.degree()) <= 29
    assert null.vs["name"] == real.vs["name"]                     # the same neurons
    params = json.loads(null["null_params"])
    assert params["max_degree"] == 29 and params["ends_moved"] == sum(
        max(0, d - 29) for d in real.degree())                    # only the hubs' excess
    kept = len(_edges(null) & _edges(real))
    assert kept == real.ecount() - params["edges_moved"] and kept > 0.8 * real.ecount()
    # nodes under the cap lose nothing; the moved ends land on low-degree nodes
    for u in range(real.vcount()):
        if real.degree(u) <= 29:
            assert null.degree(u) >= real.degree(u)


def test_hubcap_takes_a_cap_and_refuses_one_too_small(real):
    null = generate(real, "hubcap", seed=2, max_degree=50)
    assert max(null.degree()) == 50 and null.ecount() == real.ecount()
    with pytest.raises(TopocliError, match="raise max_degree"):
        generate(real, "hubcap", seed=0, max_degree=10)   # 279 * 10 / 2 < 2287 edges


def test_heavytail_has_hubs_at_n_and_m(real):
    er_max = er_max_degree(real.vcount(), real.ecount())
    for seed in (1, 2, 3):
        null = generate(real, "heavytail", seed=seed)
        assert (null.vcount(), null.ecount()) == (real.vcount(), real.ecount())
        assert null.is_simple() and null.is_connected() and not null.is_directed()
        assert max(null.degree()) >= 2 * er_max                    # a heavy tail
        assert min(null.degree()) >= 1
    law = generate(real, "heavytail", seed=1, exponent=3.0)
    assert law.ecount() == real.ecount() and max(law.degree()) >= 2 * er_max
    assert json.loads(law["null_params"])["sequence"] == "power law"


@pytest.mark.parametrize("exponent", [2.2, 2.5, 3.0, 4.0])
def test_power_law_sequence_sums_to_2m_within_bounds(exponent):
    d = power_law_sequence(279, 2287, exponent)
    assert d.sum() == 2 * 2287 and d.min() >= 1 and d.max() <= 278
    assert ig.is_graphical(d.tolist(), loops=False, multiple=False)
    with pytest.raises(TopocliError, match="> 2"):
        power_law_sequence(279, 2287, 2.0)


@pytest.mark.parametrize("model", ["hubcap", "heavytail"])
def test_seeded_and_pinned(varshney, model):
    a, b, c = (generate(varshney, model, seed=s) for s in (7, 7, 8))
    assert a.get_edgelist() == b.get_edgelist() != c.get_edgelist()
    assert a.vs["cell_class"] == b.vs["cell_class"]
    digest = hashlib.sha256(repr(sorted(a.get_edgelist())).encode()).hexdigest()[:16]
    assert digest == PINNED[model]
    assert not a.is_directed() and a.ecount() == undirected_view(varshney).ecount()


def test_registered_as_undirected_models_with_options():
    for name in ("hubcap", "heavytail"):
        record = registry.get(name)
        assert record.undirected and record.promises(False) == {"n", "m"}
    assert registry.get("hubcap").keeps_nodes and not registry.get("heavytail").keeps_nodes
    assert registry.get("hubcap").option("max_degree").kind == "int"
    assert registry.get("heavytail").option("exponent").kind == "float"


def test_rewire_writes_both_controls(run_cli, tmp_path):
    out = tmp_path / "rw"
    res = run_cli("rewire", "celegans-varshney2011", "--model", "hubcap,heavytail",
                  "--count", "2", "--max-degree", "40", "--jobs", "1", "--out", out)
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "manifest.csv")
    assert table["model"].tolist() == ["hubcap"] * 2 + ["heavytail"] * 2
    assert set(table["m"]) == {2287} and not table["directed"].any()
    assert json.loads(table["params"].iloc[0])["max_degree"] == 40
    bad = run_cli("rewire", "celegans-varshney2011", "--model", "hubcap", "--max-degree", "0",
                  "--out", tmp_path / "x")
    assert bad.exit_code == 2 and "--max-degree must be at least 1" in bad.stderr
    other = run_cli("rewire", "celegans-varshney2011", "--model", "er", "--exponent", "3",
                    "--out", tmp_path / "y")
    assert other.exit_code == 2 and "--exponent applies to the heavytail model" in other.stderr


def test_sweep_families_real_hubcap_heavytail(tmp_path, varshney):
    run_sweep("celegans-varshney2011", tmp_path / "sw", families="real,hubcap,heavytail",
              count=1, seeds=1, seed=3, jobs=1, train_fn=partial(stand_in_train, epochs=1),
              progress=False, echo=[].append)
    graphs = pd.read_csv(tmp_path / "sw" / "graphs.csv").set_index("graph_id")
    assert list(graphs.index) == ["real", "hubcap-000", "heavytail-000"]
    assert (graphs["m"] == 2287).all() and (graphs["n"] == 279).all()
    assert not graphs["directed"].any()
    assert graphs.loc["real", "max_degree"] == 93
    assert graphs.loc["hubcap-000", "max_degree"] <= 29
    assert graphs.loc["heavytail-000", "max_degree"] >= 58
    with pytest.raises(TopocliError, match="hubcap and heavytail null models are undirected"):
        check_dag_families(["real", "hubcap", "heavytail"], "feedback-arc", varshney)
    assert np.isfinite(graphs["transitivity"]).all()
