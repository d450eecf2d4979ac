"""Parameter grids (``--grid MODEL.PARAM=V1,...``) and several real graphs in one sweep.

Graphs are drawn and measured for real; training is the fast stand-in except in the
command-line test of the issue's "done when" (one tiny real run per graph).
"""

from __future__ import annotations

import json
from functools import partial

import pandas as pd
import pytest

from topocli.errors import TopocliError
from topocli.nullmodels.grid import (
    GridPoint,
    grid_points,
    parameter_columns,
    parse_grid,
    parse_value,
)
from topocli.sweep import plan_sweep, run_sweep
from topocli.sweep._stand_ins import stand_in_train


def test_parse_grid_multiplies_axes_of_one_model():
    grids = parse_grid(["ws.p=0,0.5,1", "ws.k=4,8"])
    assert grids == {"ws": {"p": (0, 0.5, 1), "k": (4, 8)}}
    points = grid_points(grids)
    assert len(points) == 6
    assert points[0] == GridPoint("ws", (("k", 4), ("p", 0)))
    assert points[0].label == "ws k=4 p=0" and points[0].slug == "ws.k4.p0"
    assert [parse_value(v) for v in ("1", "0.01", "true", "x")] == [1, 0.01, True, "x"]


@pytest.mark.parametrize("spec, message", [
    ("ws.p", "MODEL.PARAM=V1"),
    ("wsx.p=0", "unknown null model"),
    ("ws.pp=0,1", "no parameter 'pp'"),
    ("ws.p=", "no values"),
    ("ws.p=0,0", "listed twice"),
])
def test_bad_grids_are_refused_before_any_work(spec, message):
    with pytest.raises(TopocliError, match=message):
        parse_grid([spec])


def test_the_same_axis_twice_is_refused():
    with pytest.raises(TopocliError, match="twice"):
        parse_grid(["ws.p=0", "ws.p=1"])


def test_parameter_columns_never_shadow_a_table_column():
    cols = parameter_columns('{"p": 0.1, "k": 4, "seed": 3, "nested": {"a": 1}}',
                             reserved=["seed", "n", "m"])
    assert cols == {"p": 0.1, "k": 4, "param_seed": 3}


def test_plan_grid_points_are_families_with_shared_null_seeds():
    points = grid_points(parse_grid(["ws.p=0,1"]))
    plan = plan_sweep(["real", "ws", "er"], count=2, seeds=1, seed=0, grid=points)
    families = [g.family for g in plan.graphs]
    # ws has a grid, so its default draw is replaced by the grid's points
    assert families == ["real", "er", "er", "ws p=0", "ws p=0", "ws p=1", "ws p=1"]
    by_id = {g.graph_id: g for g in plan.graphs}
    assert by_id["ws.p0-001"].seed == by_id["ws.p1-001"].seed  # common random numbers
    assert by_id["ws.p0-000"].generator == "ws" and by_id["ws.p1-000"].params == (("p", 1),)


def test_plan_of_several_real_graphs_gives_each_its_own_nulls():
    plan = plan_sweep(["real", "er"], count=2, seeds=2, seed=0, references=("a", "b"))
    assert [g.graph_id for g in plan.graphs] == ["a.real", "a.er-000", "a.er-001",
                                                 "b.real", "b.er-000", "b.er-001"]
    assert {r.seed for r in plan.runs if r.seed_index == 1} == \
        {plan.runs[1].seed}  # one training seed per index, for every graph
    assert {g.reference for g in plan.graphs} == {"a", "b"}


def test_grid_sweep_writes_a_parameter_column_and_clustering_falls_with_p(tmp_path):
    run_sweep("celegans-varshney2011", tmp_path / "s", families="real", grid=["ws.p=0,0.1,1"],
              count=1, seeds=1, jobs=1, train_fn=partial(stand_in_train, epochs=1),
              progress=False, echo=lambda _: None)
    graphs = pd.read_csv(tmp_path / "s" / "graphs.csv").set_index("family")
    assert list(graphs.index) == ["real", "ws p=0", "ws p=0.1", "ws p=1"]
    assert graphs.loc["ws p=0.1", "p"] == 0.1 and graphs.loc["ws p=1", "k"] > 0
    c = graphs["clustering_avg_zero"]
    assert c["ws p=0"] > c["ws p=0.1"] > c["ws p=1"]
    config = json.loads((tmp_path / "s" / "config.json").read_text())
    assert config["identity"]["grid"] == {"ws": {"p": [0, 0.1, 1]}}
    # the generator's parameters are design columns, not topology statistics
    from topocli.reports.sweep_tables import generator_parameters

    assert {"p", "k"} <= set(generator_parameters(pd.read_csv(tmp_path / "s" /
                                                               "graphs.csv")))


def test_several_real_graphs_in_one_sweep(tmp_path):
    run_sweep(["celegans-witvliet2021-1", "celegans-witvliet2021-8"], tmp_path / "s",
              families="real,er", count=2, seeds=2, jobs=1,
              train_fn=partial(stand_in_train, epochs=1), progress=False,
              echo=lambda _: None)
    graphs = pd.read_csv(tmp_path / "s" / "graphs.csv")
    runs = pd.read_csv(tmp_path / "s" / "runs.csv")
    assert sorted(set(graphs["reference"])) == ["celegans-witvliet2021-1",
                                                "celegans-witvliet2021-8"]
    for _, sub in graphs.groupby("reference"):
        real = sub[sub["family"] == "real"]
        assert len(real) == 1 and len(sub) == 3
        assert set(sub["n"]) == {int(real["n"].iloc[0])}  # nulls matched to their own graph
    assert set(runs["reference"]) == set(graphs["reference"]) and len(runs) == 12
    from topocli.reports import build_report

    page = build_report(tmp_path / "s", resamples=30).read_text()
    assert "The real graphs side by side" in page
    vs = pd.read_csv(tmp_path / "s" / "report" / "real_vs_families.csv")
    assert sorted(vs["reference"]) == sorted(graphs["reference"].unique())
    assert (vs["of"] == 3).all()  # each real graph ranked among its own 2 nulls


def test_done_when_grid_on_the_command_line(tmp_path, run_cli):
    out = tmp_path / "grid"
    res = run_cli("train-sweep", "celegans-varshney2011", "--families", "real",
                  "--grid", "ws.p=0,1", "--count", "1", "--seeds", "1", "--epochs", "1",
                  "--max-train", "64", "--channels", "4", "--jobs", "1", "--threads", "1",
                  "--out", out)
    assert res.exit_code == 0, res.output
    graphs = pd.read_csv(out / "graphs.csv").set_index("family")
    assert {"ws p=0", "ws p=1"} <= set(graphs.index) and "p" in graphs
    assert graphs.loc["ws p=0", "clustering_avg_zero"] > graphs.loc["ws p=1",
                                                                    "clustering_avg_zero"]


def test_rewire_grid_writes_one_folder_per_point(tmp_path, run_cli):
    out = tmp_path / "rw"
    res = run_cli("rewire", "celegans-varshney2011", "--grid", "ws.p=0,1", "--count", "2",
                  "--jobs", "1", "--out", out)
    assert res.exit_code == 0, res.output
    grid = pd.read_csv(out / "grid.csv")
    assert list(grid["point"]) == ["ws p=0"] * 2 + ["ws p=1"] * 2
    assert list(grid["p"]) == [0.0, 0.0, 1.0, 1.0]
    assert all((out / f).is_file() for f in grid["file"])
    again = run_cli("rewire", "celegans-varshney2011", "--grid", "ws.p=0,1", "--out", out)
    assert again.exit_code == 2 and "--force" in again.output
