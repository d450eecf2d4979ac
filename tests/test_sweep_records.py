"""The sweep's typed records: one null_params parser, one outcome constructor, the
runs.csv / graphs.csv columns of a stored row."""

from __future__ import annotations

import igraph as ig
import pytest

from topocli.provenance import code_revision
from topocli.sweep.kinds import RandWireTraining
from topocli.sweep.plan import GraphSpec
from topocli.sweep.records import (
    PreparedGraph,
    RunOutcome,
    StoredGraph,
    StoredRun,
    null_params_of,
)


@pytest.mark.parametrize(("value", "expected"), [
    (None, {}), ("", {}), ("{}", {}), ('{"p": 0.1}', {"p": 0.1}), ("[1, 2]", {"value": [1, 2]}),
    ("not json", {"value": "not json"}),
])
def test_null_params_of_reads_every_form(value, expected):
    graph = ig.Graph.Ring(4)
    if value is not None:
        graph["null_params"] = value
    assert null_params_of(graph) == expected


def test_prepared_graph_takes_the_recorded_params_unless_given():
    graph = ig.Graph.Ring(4)
    graph["null_params"] = '{"k": 2}'
    spec = GraphSpec("ws-000", "ws", 0, 7, 8)
    assert PreparedGraph.drawn(spec, graph, {"n": 4}, started=0.0).params == {"k": 2}
    given = PreparedGraph.drawn(spec, graph, {}, started=0.0, params={"p": 1})
    assert given.params == {"p": 1} and given.key == "ws-000" and given.graphml_gz == b""


def test_run_outcome_keeps_config_once_and_names_its_worker():
    ok = RunOutcome.finished("r1", {"test_acc": 0.5, "config": {"x": 1}}, config={"seed": 3},
                             task_s=1.0, worker="h:1", stack=2)
    assert (ok.status, ok.key, ok.config) == ("ok", "r1", {"seed": 3})
    assert dict(ok.result) == {"test_acc": 0.5, "worker": "h:1", "stack": 2,
                               "code": code_revision()}
    failed = RunOutcome.finished("r2", {"traceback": "..."}, config={}, task_s=0.0,
                                 error="ValueError: x", worker="h:1")
    assert failed.status == "failed" and "stack" not in failed.result


def test_stored_rows_give_the_table_columns():
    row = StoredGraph(graph_id="er-000", family="er", index=0, seed=5, params='{"seed": 1}',
                      file="graphs/er-000.graphml.gz", n=4, m=3,
                      statistics={"n": 4, "m": 3, "directed": False, "density": 0.5},
                      prepared_s=0.1)
    assert list(row.columns()) == ["graph_id", "family", "index", "seed", "params", "file",
                                   "n", "m", "param_seed", "directed", "density"]
    assert row.columns("a")["reference"] == "a"
    run = StoredRun(run_id="r", graph_id="g", family="real", seed_index=0, seed=1,
                    status="ok", error=None, attempts=1, config="{}", task_s=1.0,
                    result={"test_acc": 0.5, "scores": {"narma10": 0.3}, "worker": "w",
                            "curve": [{"epoch": 1, "val_acc": 0.4}]})
    columns = run.columns("v")
    assert columns["score_narma10"] == 0.3 and columns["topocli_version"] == "v"
    assert list(columns)[:6] == ["run_id", "graph_id", "family", "seed", "status", "error"]
    assert run.curve_rows() == [{"run_id": "r", "graph_id": "g", "family": "real", "seed": 1,
                                 "epoch": 1, "train_loss": None, "train_acc": None,
                                 "val_loss": None, "val_acc": 0.4, "lr": None}]


def test_the_default_kind_trains_networks_unless_a_stand_in_replaces_it():
    from topocli.sweep._stand_ins import stand_in_train

    assert RandWireTraining().trains_networks and RandWireTraining().task_fn is None
    assert not RandWireTraining(stand_in_train).trains_networks
