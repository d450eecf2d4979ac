"""The null-model registry: one record per model, read by the CLI, the analysis, the
sweep's direction rule, ``--grid`` and the fidelity table (issue 27 item 1).

The done-when check: a toy model registered for one test runs through ``topocli
rewire``, ``topocli analyze`` and a sweep with nothing but its record and its function.
"""

from __future__ import annotations

import inspect
import json
from functools import partial

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from topocli.analysis import analyze
from topocli.analysis import fidelity as fid
from topocli.errors import TopocliError
from topocli.graphs import write_graphml
from topocli.nullmodels import generate, registry
from topocli.nullmodels._common import build_null, undirected_pairs
from topocli.nullmodels.grid import parse_grid
from topocli.seeding import as_rng, resolve_seed
from topocli.sweep import run_sweep
from topocli.sweep._stand_ins import stand_in_train
from topocli.sweep.direction import check_dag_families


def _small(directed: bool = True) -> ig.Graph:
    """A 16-node connected graph with reciprocal pairs, names and classes."""
    rng = np.random.default_rng(0)
    g = ig.Graph.Ring(16, directed=directed)
    codes = rng.choice(16 * 15, size=24, replace=False)
    u, r = np.divmod(codes, 15)
    g.add_edges(np.stack([u, r + (r >= u)], axis=1).tolist())
    g.add_edges([(1, 0), (5, 4), (9, 8)] if directed else [])
    g.simplify()
    g.vs["name"] = [f"c{i}" for i in range(16)]
    g.vs["cell_class"] = ["motor", "sensory"] * 8
    g.es["weight"] = [1.0] * g.ecount()
    g.es["synapse_type"] = ["chemical"] * g.ecount()
    g["source"], g["view"] = "small", "{}"
    return g


def toy_relabel(graph: ig.Graph, *, seed: int | np.random.Generator | None = None,
                shift: int = 0) -> ig.Graph:
    """The toy model: the undirected view with its nodes relabelled at random (then
    rotated by ``shift``): same shape, wiring between other cells."""
    seed = resolve_seed(seed)
    n = graph.vcount()
    order = (as_rng(seed).permutation(n) + int(shift)) % n
    return build_null(graph, order[undirected_pairs(graph)], directed=False, model="toy",
                      params={"shift": int(shift)}, seed=seed, keep_nodes=False)


TOY = registry.NullModel("toy", toy_relabel, "n, m, degrees up to relabelling",
                         undirected=True, holds=frozenset({"n", "m"}))


def test_done_when_a_toy_model_runs_through_rewire_analyze_and_a_sweep(tmp_path, run_cli):
    """Adding a model is one record and its function: no other file knows about it."""
    path = write_graphml(_small(), tmp_path / "small.graphml")
    with registry.registered(TOY):
        res = run_cli("rewire", path, "--model", "toy", "--count", "2", "--jobs", "1",
                      "--out", tmp_path / "rw")
        assert res.exit_code == 0, res.output
        manifest = pd.read_csv(tmp_path / "rw" / "manifest.csv")
        assert manifest["file"].tolist() == ["toy-0.graphml.gz", "toy-1.graphml.gz"]
        assert (manifest["m"] == len(undirected_pairs(_small()))).all()
        assert "toy" in json.loads((tmp_path / "rw" / "manifest.json").read_text())["notes"]

        # its options and their types come from the function's signature
        res = run_cli("rewire", path, "--grid", "toy.shift=0,3", "--count", "1",
                      "--jobs", "1", "--out", tmp_path / "grid")
        assert res.exit_code == 0, res.output
        assert pd.read_csv(tmp_path / "grid" / "grid.csv")["shift"].tolist() == [0, 3]
        res = run_cli("rewire", path, "--grid", "toy.shift=1.5", "--out", tmp_path / "bad")
        assert res.exit_code == 2 and "shift is a whole number" in res.stderr

        # analyze: offered as a choice, and (undirected) compared through the view
        res = run_cli("analyze", path, "--null-model", "toy", "--nulls", "2",
                      "--lattice-nulls", "0", "--no-motifs", "--json")
        assert res.exit_code == 0, res.output
        config = json.loads(res.stdout)["graphs"][0]["config"]
        assert config["null_model"] == "toy" and config["undirected_view"]
        assert not config["directed"] and config["fidelity_warnings"] == []

        # a sweep draws the toy family; the direction rule refuses it with feedback-arc
        lines: list[str] = []
        run_sweep(_small(), tmp_path / "sw", families="real,toy", count=2, seeds=1, seed=1,
                  jobs=1, train_fn=partial(stand_in_train, epochs=1), progress=False,
                  echo=lines.append)
        graphs = pd.read_csv(tmp_path / "sw" / "graphs.csv").set_index("graph_id")
        assert list(graphs.index) == ["real", "toy-000", "toy-001"]
        assert (graphs["m"] == graphs.loc["real", "m"]).all()
        runs = pd.read_csv(tmp_path / "sw" / "runs.csv")
        assert set(runs["family"]) == {"real", "toy"} and (runs["status"] == "ok").all()
        with pytest.raises(TopocliError, match="toy null model is undirected"):
            check_dag_families(["real", "toy"], "feedback-arc", _small())
    assert "toy" not in registry.names()
    with pytest.raises(TopocliError, match="unknown null model 'toy'"):
        registry.get("toy")


def _sweep_refuses(model: str) -> bool:
    try:
        check_dag_families(["real", model], "feedback-arc", _small())
    except TopocliError:
        return True
    return False


@pytest.mark.parametrize("model", registry.names())
def test_every_model_follows_one_direction_rule_and_keeps_its_promises(model):
    """analyze compares a directed graph with a model's nulls through the undirected view
    exactly when the sweep refuses the model with directed DAGs, and every quantity its
    record promises holds on the drawn nulls."""
    record = registry.get(model)
    a = analyze(_small(), nulls=2, null_model=model, seed=0, lattice_nulls=0,
                motifs_on=False, modularity_runs=1)
    undirected = a.config["undirected_view"] is not None
    assert undirected == record.undirected == _sweep_refuses(model)
    assert a.graph.is_directed() is not record.undirected
    rows = a.fidelity[a.fidelity["family"] == model].set_index("quantity")
    assert set(rows.index[rows["promised"]]) == set(record.promises(not undirected))
    assert rows.loc[rows["promised"], "held"].all(), rows
    assert a.config["fidelity_warnings"] == []


def test_landscape_on_a_directed_graph_uses_the_undirected_view_as_the_sweep_does():
    """The bug: analysis/run.py listed ws and ba only, so a directed graph was compared
    with landscape's undirected nulls; the sweep refused landscape with directed DAGs."""
    g = _small()
    a = analyze(g, nulls=2, null_model="landscape", seed=0, lattice_nulls=0,
                motifs_on=False, modularity_runs=1)
    assert not a.graph.is_directed() and "landscape nulls are undirected" in \
        a.config["undirected_view"]
    m = a.fidelity.set_index("quantity").loc["m"]
    assert m["real"] == len(undirected_pairs(g)) and m["promised"] and m["held"]
    assert _sweep_refuses("landscape")


def test_records_match_their_generators():
    for record in registry.records():
        params = inspect.signature(record.function).parameters
        assert "seed" in params and "graph" in params, record.name
        assert [o.name for o in record.options] == [p for p in params
                                                    if p not in ("graph", "seed")]
        for option in record.options:
            assert option.kind in ("bool", "int", "float", "str")
        for c in record.cli:
            assert c.param in {o.name for o in record.options}
    # what the grid checks is what the generator declares
    assert registry.get("ws").option("k").kind == "int"
    assert registry.get("ws").option("p").kind == "float"
    assert registry.get("er").option("keep_mutual").kind == "bool"
    assert parse_grid(["hubcap.max_degree=30,40"]) == {"hubcap": {"max_degree": (30, 40)}}


def test_package_table_lists_every_registered_model():
    import topocli.nullmodels as nm

    table = nm.__doc__.split("========  ====", 2)[2]
    for record in registry.records():
        line = next(x for x in table.splitlines() if x.startswith(f"{record.name} "))
        assert record.summary in line, record.name


def test_cli_choices_and_options_read_the_registry(run_cli):
    res = run_cli("analyze", "--help")
    for name in registry.names():
        assert name in res.stdout
    res = run_cli("rewire", "--help")
    assert "hubcap: the degree cap" in res.stdout and "--exponent" in res.stdout
    assert "degree/inout/lattice: swap trials per edge" in res.stdout


def test_registering_conflicting_or_duplicate_records_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.NullModel("er", toy_relabel, "again"))
    other = registry.CliOption("swaps_per_edge", ("--swaps",), "another spelling")
    bad_flag = registry.NullModel("toy2", registry.get("degree").function, "x", cli=(other,))
    with pytest.raises(ValueError, match="spelled differently"):
        registry.register(bad_flag)
    missing = registry.CliOption("nope", ("--nope",), "not an option")
    with pytest.raises(ValueError, match="not an option"):
        registry.register(registry.NullModel("toy3", toy_relabel, "x", cli=(missing,)))
    assert "toy2" not in registry.names() and "toy3" not in registry.names()


def test_fidelity_promises_come_from_the_record():
    assert fid.promises("er", True, {"keep_mutual": False}) == {"n", "m"}
    assert fid.promises("er", True) == {"n", "m", "m_undirected", "reciprocity"}
    assert fid.promises("degree", False) == {"n", "m", "degree sequence"}
    assert "in/out-degree sequences" in fid.promises("config", True)
    assert fid.promises("sbm", True) == {"n"}


def test_generate_with_a_registered_model_and_an_unknown_one():
    with registry.registered(TOY):
        g = generate(_small(), "toy", seed=3, shift=2)
        assert g["null_model"] == "toy" and not g.is_directed()
    with pytest.raises(TopocliError, match="did you mean"):
        generate(_small(), "hubkap", seed=0)
