"""The connectome as a controller (issue 25): policy wiring, ES, tasks, circuits, CLI.

Tiny graphs and budgets of a few generations; gymnasium's CartPole only (no MuJoCo).
"""

from __future__ import annotations

import json

import igraph as ig
import numpy as np
import pytest
from test_reservoir_sweep import _graph

from topocli.control import (
    CONTROL_TASKS,
    ControlConfig,
    GraphPolicy,
    centred_ranks,
    control_graph,
    equal_parameter_mlp,
    make_task,
    train_controller,
)
from topocli.control.es import ESState, es_generation, load_state, save_state
from topocli.errors import TopocliError


def tiny_graph() -> ig.Graph:
    """24 nodes, 90 arcs: 8 sensory, 8 inter, 8 motor neurons; every fourth GABAergic."""
    return _graph()


TINY = dict(generations=2, population=4, eval_episodes=1, final_episodes=2, max_steps=30)


def test_weights_sit_on_edges_only_with_dale_signs():
    g = tiny_graph()
    policy = GraphPolicy(g, 4, 2, signs="dale")
    theta = np.random.default_rng(1).standard_normal(policy.n_params)  # signs mixed
    net = policy.network(theta)
    adjacency = np.zeros((g.vcount(), g.vcount()), bool)
    for a, b in g.get_edgelist():
        adjacency[a, b] = True                      # W_t[pre, post]
    assert np.all(net.W_t[~adjacency] == 0) and np.all(net.W_t[adjacency] != 0)
    gaba = np.array(["GABA" in t for t in g.vs["neurotransmitter"]])
    assert np.all(net.W_t[gaba] <= 0) and np.all(net.W_t[~gaba] >= 0)   # Dale per neuron
    # observations reach sensory neurons only; actions read motor neurons only
    assert np.flatnonzero(np.abs(net.U).sum(0)).tolist() == list(range(8))
    assert np.flatnonzero(np.abs(net.V).sum(1)).tolist() == list(range(16, 24))
    assert policy.n_params == 90 + 24 + 4 * 8 + 8 * 2 + 2
    free = GraphPolicy(g, 4, 2, signs="free").network(theta)
    assert (free.W_t[~gaba] < 0).any()              # free signs: excitatory may turn negative


def test_graph_without_classes_uses_every_node_and_mlp_matches_size():
    g = tiny_graph()
    del g.vs["cell_class"]
    policy = GraphPolicy(g, 3, 1, signs="free")
    assert policy.describe()["input_nodes"] == "all" and policy.outputs.size == 24
    mlp = equal_parameter_mlp(policy.n_params, 3, 1)
    assert abs(mlp.n_params - policy.n_params) <= (3 + 1 + 1) / 2
    with pytest.raises(TopocliError, match="at least one edge"):
        GraphPolicy(ig.Graph(n=4, directed=True), 3, 1)


def test_centred_ranks_and_es_climbs_a_quadratic():
    assert np.allclose(centred_ranks([3.0, -1.0, 10.0]), [0.0, -0.5, 0.5])
    target = np.linspace(-1, 1, 10)
    state = ESState.start(np.zeros(10))

    def evaluate(thetas, seeds):
        return -((thetas - target) ** 2).sum(axis=1)

    before = -((state.theta - target) ** 2).sum()
    for _ in range(60):
        es_generation(state, evaluate, seed=3, population=20, sigma=0.1, lr=0.05,
                      weight_decay=0.0)
    assert -((state.theta - target) ** 2).sum() > 0.2 * before   # distance cut by > 80 %
    assert state.generation == 60


def test_tied_returns_move_nothing_and_pairs_share_episodes():
    """A generation whose members all return the same (every one failing, or every one
    at the cap) has no gradient: the parameters stay where they are."""
    assert np.allclose(centred_ranks([5.0, 5.0, 5.0, 5.0]), 0.0)
    assert np.allclose(centred_ranks([1.0, 2.0, 2.0, 9.0]), [-0.5, 0.0, 0.0, 0.5])
    theta = np.linspace(-0.3, 0.3, 12)
    state = ESState.start(theta)
    seen = []

    def flat(thetas, seeds):
        seen.append(list(seeds))
        return np.full(len(thetas), 500.0)

    for _ in range(5):
        es_generation(state, flat, seed=1, population=8, sigma=0.1, lr=0.05,
                      weight_decay=0.0)
    assert np.array_equal(state.theta, theta)
    assert all(s[:4] == s[4:] and len(set(s[:4])) == 4 for s in seen)


def test_checkpoint_resume_equals_an_uninterrupted_run(tmp_path):
    g = tiny_graph()
    config = ControlConfig(tasks=("cartpole",), **TINY)
    whole = train_controller(g, config)
    first = train_controller(g, config.replace(generations=1), out=tmp_path)
    assert len(first["curve"]) == 1
    resumed = train_controller(g, config, out=tmp_path)
    assert resumed["tasks"]["cartpole"]["resumed_at_generation"] == 1
    assert resumed["curve"] == whole["curve"]
    assert resumed["final_return"] == whole["final_return"]
    # a checkpoint of another run (another seed) is not resumed from
    state = load_state(tmp_path / "checkpoint-cartpole.npz", "another run")
    assert state is None
    save_state(ESState.start(np.ones(3)), tmp_path / "x.npz", "f")
    assert load_state(tmp_path / "x.npz", "f").theta.tolist() == [1.0, 1.0, 1.0]


def test_cartpole_and_digits_records_are_seeded_and_complete():
    g = tiny_graph()
    config = ControlConfig(tasks=("cartpole", "digits-seq"), **TINY)
    a, b = train_controller(g, config), train_controller(g, config)
    assert a["scores"] == b["scores"] and a["curve"] == b["curve"]
    assert set(a["scores"]) == {"cartpole", "digits-seq"}
    assert 1 <= a["scores"]["cartpole"] <= 30                # max_steps caps the return
    assert 0.0 <= a["scores"]["digits-seq"] <= 1.0
    assert [p["task"] for p in a["curve"]] == ["cartpole"] * 2 + ["digits-seq"] * 2
    assert a["config"]["tasks"] == ["cartpole", "digits-seq"] and "versions" in a
    other = train_controller(g, config.replace(tasks=("cartpole",), seed=1))
    assert other["curve"] != a["curve"][:2]


def test_motor_circuit_view_and_nulls_keep_transmitters():
    from topocli.graphs import load_graph
    from topocli.graphs.circuits import subcircuit

    whole = load_graph("celegans-varshney2011")
    motor = subcircuit(whole, "motor")
    names = set(motor.vs["name"])
    assert {"AVAL", "AVBR", "PVCL", "VA1", "DD1", "AS11"} <= names
    assert not names & {"ASEL", "AIYL", "RIML"}             # sensory and other interneurons
    null = control_graph(whole, circuit="motor", null="er", seed=0)
    assert null.vcount() == motor.vcount()
    assert sorted(null.vs["neurotransmitter"]) == sorted(motor.vs["neurotransmitter"])
    with pytest.raises(TopocliError, match="motor-circuit neurons"):
        subcircuit(tiny_graph(), "motor")


def test_unknown_or_missing_environment_is_one_line():
    from topocli.control.tasks import ControlTask, _make_env

    with pytest.raises(TopocliError, match="unknown control task"):
        make_task("sudoku")
    with pytest.raises(TopocliError, match="needs MuJoCo"):
        _make_env(ControlTask("swimmer", "Swimmer-no-such-version", 1.0, 1), None)
    assert CONTROL_TASKS["cartpole"].solved == 475.0
    with pytest.raises(TopocliError, match="--population"):
        ControlConfig(population=1).validate()


def test_control_command_real_null_and_mlp(run_cli, tmp_path):
    fast = ["--circuit", "motor", "--generations", "1", "--population", "2",
            "--eval-episodes", "1", "--final-episodes", "1", "--seed", "0", "--json"]
    outputs = {}
    for name, extra in (("real", []), ("null", ["--null", "degree"]),
                        ("mlp", ["--policy", "mlp"])):
        done = run_cli("control", "celegans-varshney2011", "--task", "cartpole", *fast,
                       "--out", tmp_path / name, *extra)
        assert done.exit_code == 0, done.output
        result = json.loads(done.stdout)
        assert result == json.loads((tmp_path / name / "result.json").read_text())
        assert json.loads((tmp_path / name / "config.json").read_text())["kind"] == "control"
        assert result["final_return"] >= 1 and len(result["curve"]) == 1
        outputs[name] = result
    assert outputs["mlp"]["tasks"]["cartpole"]["policy"]["policy"] == "mlp"
    assert abs(outputs["mlp"]["params"] - outputs["real"]["params"]) <= 4
    assert outputs["null"]["graph"]["null"] == "degree"
    bad = run_cli("control", "celegans-varshney2011", "--task", "sudoku")
    assert bad.exit_code == 2 and "unknown control task 'sudoku'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_literal_cli_copies_match_the_library():
    from topocli.cli.control import (
        CIRCUIT_NAMES,
        CONTROL_TASK_NAMES,
        POLICY_NAMES,
        SYNAPSE_SIGN_NAMES,
    )
    from topocli.control import POLICIES, SIGNS
    from topocli.graphs.circuits import CIRCUITS

    assert CONTROL_TASK_NAMES == tuple(CONTROL_TASKS)
    assert (POLICY_NAMES, SYNAPSE_SIGN_NAMES, CIRCUIT_NAMES) == (POLICIES, SIGNS, CIRCUITS)


def test_readme_names_every_control_option(run_cli):
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("### Controllers", 1)[1].split("\n#", 1)[0]
    help_text = run_cli("control", "--help").output
    for option in re.findall(r"(--[a-z][a-z-]+)", help_text):
        if option != "--help":
            assert re.search(re.escape(option) + r"(?![\w-])", section), option


def test_population_in_worker_processes_gives_the_same_run():
    g = tiny_graph()
    config = ControlConfig(tasks=("cartpole",), **{**TINY, "generations": 1})
    assert train_controller(g, config, jobs=2)["curve"] == train_controller(g, config)["curve"]


def test_control_out_folder_is_claimed_like_every_results_folder(run_cli, tmp_path):
    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    done = run_cli("control", "celegans-varshney2011", "--out", foreign)
    assert done.exit_code == 2 and "not empty" in done.stderr
    assert (foreign / "notes.txt").read_text() == "mine\n"
    bad = run_cli("control", "celegans-varshney2011", "--sigma", "inf")
    assert bad.exit_code == 2 and "--sigma must be a number > 0" in bad.stderr
