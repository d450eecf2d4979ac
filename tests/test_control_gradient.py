"""The controller's gradient trainer (issue 25, ``--trainer gradient``): the torch network
equals the numpy one, digits-seq learns, REINFORCE is seeded and resumable, ES configs
keep their old dicts, and wrong combinations are one-line errors.

Tiny graphs and budgets; gymnasium's classic control only (no MuJoCo).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_control import tiny_graph

from topocli.control import (
    ControlConfig,
    GraphPolicy,
    equal_parameter_mlp,
    make_task,
    train_controller,
)
from topocli.control.gradient import discounted_returns, torch_network
from topocli.control.run import build_policy
from topocli.errors import TopocliError
from topocli.seeding import derive_seed

GRADIENT = dict(trainer="gradient", generations=2, population=4, eval_episodes=1,
                final_episodes=2, max_steps=30, grad_batch=2)


def _outputs(network, inputs: np.ndarray) -> list:
    h = network.reset(inputs.shape[1])
    outs = []
    for x in inputs:
        h, out = network.step(h, x)
        outs.append(out)
    return outs


@pytest.mark.parametrize("kind", ["free", "dale", "mlp"])
def test_torch_forward_equals_the_numpy_network(kind):
    g = tiny_graph()
    if kind == "mlp":
        policy = equal_parameter_mlp(200, 4, 3, history=3)
    else:
        policy = GraphPolicy(g, 4, 3, signs=kind, alpha=0.7, substeps=2)
    rng = np.random.default_rng(5)
    theta = rng.standard_normal(policy.n_params)          # mixed signs under Dale too
    inputs = rng.standard_normal((6, 5, 4))                 # 6 steps, a batch of 5
    expected = _outputs(policy.network(theta), inputs)
    tensor = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    got = _outputs(torch_network(policy, tensor), inputs)
    for a, b in zip(expected, got):
        assert b.dtype == torch.float64
        np.testing.assert_allclose(b.detach().numpy(), a, rtol=0, atol=1e-6)
    got[-1].sum().backward()                                # differentiable in theta
    assert torch.isfinite(tensor.grad).all() and tensor.grad.abs().sum() > 0


def test_discounted_returns():
    assert discounted_returns(np.array([1.0, 1.0, 1.0]), 0.5).tolist() == [1.75, 1.5, 1.0]


def test_gradient_trainer_learns_digits_from_the_es_starting_point():
    g = tiny_graph()
    config = ControlConfig(tasks=("digits-seq",), trainer="gradient", generations=3,
                           population=4, grad_batch=64, grad_lr=0.03, final_episodes=1)
    task = make_task("digits-seq")
    policy = build_policy(g, task, config)
    start = policy.initial(np.random.default_rng(
        derive_seed(derive_seed(config.seed, "control", "digits-seq"), "init")))
    before = task.final(policy.network(start), 0, 1)
    result = train_controller(g, config)
    assert result["final_return"] >= before + 0.2, (before, result["final_return"])
    record = result["tasks"]["digits-seq"]
    assert record["trainer"] == "gradient"
    assert record["compute"] == {"unit": "images", "per_generation": 1024,
                                 "updates_per_generation": 16, "total": 3072,
                                 "to_threshold": None}
    assert [p["images"] for p in result["curve"]] == [1024, 2048, 3072]
    assert all(p["fitness_mean"] < 0 for p in result["curve"])   # mean log-likelihood


def test_reinforce_is_seeded_and_resumes_like_an_uninterrupted_run(tmp_path):
    g = tiny_graph()
    config = ControlConfig(tasks=("cartpole",), **GRADIENT)
    whole, again = train_controller(g, config), train_controller(g, config)
    assert again["curve"] == whole["curve"] and again["scores"] == whole["scores"]
    assert [p["episodes"] for p in whole["curve"]] == [4, 8]     # 2 updates of 2
    assert 1 <= whole["final_return"] <= 30
    first = train_controller(g, config.replace(generations=1), out=tmp_path)
    resumed = train_controller(g, config, out=tmp_path)
    assert first["curve"] == whole["curve"][:1]
    assert resumed["tasks"]["cartpole"]["resumed_at_generation"] == 1
    assert resumed["curve"] == whole["curve"]
    assert resumed["final_return"] == whole["final_return"]
    # an ES checkpoint is not resumed by the gradient trainer (the fingerprint differs)
    train_controller(g, config.replace(trainer="es", generations=1), out=tmp_path / "es")
    fresh = train_controller(g, config, out=tmp_path / "es")
    assert fresh["tasks"]["cartpole"]["resumed_at_generation"] == 0


def test_reinforce_with_continuous_actions_and_the_mlp():
    g = tiny_graph()
    config = ControlConfig(tasks=("pendulum",), **{**GRADIENT, "generations": 1,
                                                   "max_steps": 15})
    for policy in ("graph", "mlp"):
        result = train_controller(g, config.replace(policy=policy))
        assert np.isfinite(result["final_return"]) and result["final_return"] < 0
        assert result["tasks"]["pendulum"]["policy"]["policy"] == policy


def test_es_records_count_their_episodes_and_images():
    g = tiny_graph()
    config = ControlConfig(tasks=("cartpole", "digits-seq"), generations=2, population=4,
                           eval_episodes=1, final_episodes=1, max_steps=20)
    result = train_controller(g, config)
    cart, digits = result["tasks"]["cartpole"], result["tasks"]["digits-seq"]
    assert cart["trainer"] == "es" and cart["compute"]["per_generation"] == 4
    assert digits["compute"] == {"unit": "images", "per_generation": 1024,
                                 "updates_per_generation": 1, "total": 2048,
                                 "to_threshold": None}
    assert [p.get("episodes") for p in result["curve"]] == [4, 8, None, None]


def test_es_config_dicts_are_unchanged():
    """The gradient fields stay out of an ES config's dict, so fingerprints of earlier
    checkpoints and sweep identities still match."""
    before = {"tasks": ["cartpole"], "policy": "graph", "signs": "free", "circuit": "whole",
              "generations": 0, "population": 32, "sigma": 0.1, "lr": 0.05,
              "weight_decay": 0.005, "episodes": 1, "eval_episodes": 5,
              "final_episodes": 20, "alpha": 1.0, "substeps": 1, "max_steps": None,
              "seed": 0}
    assert json.dumps(ControlConfig().to_dict()) == json.dumps(before)
    assert ControlConfig(grad_lr=0.5).to_dict() == before      # no effect on ES
    gradient = ControlConfig(trainer="gradient").to_dict()
    assert {k: gradient[k] for k in before} == before and gradient["trainer"] == "gradient"
    assert ControlConfig.from_dict(gradient) == ControlConfig(trainer="gradient")
    assert ControlConfig.from_dict(before) == ControlConfig()
    from topocli.sweep.control_task import ControllerTraining

    assert "trainer" not in ControllerTraining(ControlConfig()).task_fn.keywords
    assert ControllerTraining(ControlConfig(trainer="gradient")).task_fn.keywords[
        "trainer"] == "gradient"


def test_bad_gradient_options_are_refused():
    for bad, match in (({"trainer": "sgd"}, "--trainer"), ({"grad_lr": 0.0}, "--grad-lr"),
                       ({"grad_batch": -1}, "--grad-batch"), ({"discount": 1.5}, "discount")):
        with pytest.raises(TopocliError, match=match):
            ControlConfig(**bad).validate()
    g = tiny_graph()
    with pytest.raises(TopocliError, match="--jobs"):
        train_controller(g, ControlConfig(**GRADIENT), jobs=2)
    with pytest.raises(TopocliError, match="training images"):
        train_controller(g, ControlConfig(tasks=("digits-seq",),
                                          **{**GRADIENT, "grad_batch": 5000}))


def test_control_command_with_the_gradient_trainer(run_cli, tmp_path):
    fast = ["--circuit", "motor", "--generations", "1", "--population", "2",
            "--eval-episodes", "1", "--final-episodes", "1", "--seed", "0"]
    done = run_cli("control", "celegans-varshney2011", "--task", "cartpole", *fast,
                   "--trainer", "gradient", "--grad-batch", "2", "--json",
                   "--out", tmp_path / "run")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["config"]["trainer"] == "gradient" and result["config"]["grad_batch"] == 2
    assert result["tasks"]["cartpole"]["compute"]["total"] == 2
    for args, message in (
            (["--trainer", "sgd"], "Invalid value for '--trainer'"),
            (["--grad-lr", "0.1"], "--grad-lr applies only to --trainer gradient"),
            (["--trainer", "gradient", "--sigma", "0.2"],
             "--sigma applies only to --trainer es"),
            (["--trainer", "gradient", "--jobs", "2"], "--jobs evaluates the ES population"),
            (["--trainer", "gradient", "--grad-lr", "nan"], "--grad-lr must be a number")):
        bad = run_cli("control", "celegans-varshney2011", *fast, *args)
        assert bad.exit_code == 2 and message in bad.stderr, (args, bad.output)
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) <= 3


def test_cli_defaults_and_names_match_the_config():
    import click

    from topocli.cli.control import TRAINER_NAMES, control_command
    from topocli.control.run import TRAINERS

    assert TRAINER_NAMES == TRAINERS
    defaults = {p.name: p.default for p in control_command.params
                if isinstance(p, click.Option)}
    config = ControlConfig()
    names = {"policy": "policy", "synapse_signs": "signs", "circuit": "circuit",
             "trainer": "trainer", "generations": "generations",
             "population": "population", "sigma": "sigma", "es_lr": "lr",
             "grad_lr": "grad_lr", "grad_batch": "grad_batch", "alpha": "alpha",
             "substeps": "substeps", "eval_episodes": "eval_episodes",
             "final_episodes": "final_episodes"}
    for option, field in names.items():
        assert defaults[option] == getattr(config, field), option
    help_text = " ".join(control_command.get_help(click.Context(control_command)).split())
    assert "(0: 8 episodes, 256 images)" in help_text
    assert (make_task("cartpole").spec.grad_batch,
            make_task("digits-seq").spec.grad_batch) == (8, 256)
