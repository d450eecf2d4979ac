"""``topocli control``: train a policy wired by one graph with evolution strategies
(or, ``--trainer gradient``, with torch autograd).

Imports only numpy/igraph/gymnasium on this path (torch only for ``--trainer gradient``).
"""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path

import click

from topocli.cli.group import cli
from topocli.cli.options import seed_option, split_names, view_options

# Literal copies (checked by tests) so that ``topocli --help`` imports nothing heavy.
CONTROL_TASK_NAMES = ("cartpole", "acrobot", "pendulum", "swimmer", "digits-seq")
POLICY_NAMES = ("graph", "mlp")
SYNAPSE_SIGN_NAMES = ("dale", "free")
CIRCUIT_NAMES = ("whole", "motor")
TRAINER_NAMES = ("es", "gradient")
#: Options that only one trainer reads: giving one with the other trainer is an error.
_ES_ONLY = {"sigma": "--sigma", "es_lr": "--es-lr"}
_GRADIENT_ONLY = {"grad_lr": "--grad-lr", "grad_batch": "--grad-batch"}


def split_control_tasks(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """``cartpole,digits-seq`` -> the task names, each checked."""
    return split_names(value, CONTROL_TASK_NAMES, "control task")


def _check_trainer_options(trainer: str) -> None:
    """Refuse an option of the other trainer given on the command line."""
    from click.core import ParameterSource

    from topocli.errors import TopocliError

    ctx = click.get_current_context()
    foreign = _GRADIENT_ONLY if trainer == "es" else _ES_ONLY
    given = [flag for name, flag in foreign.items()
             if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)]
    if given:
        other = "gradient" if trainer == "es" else "es"
        raise TopocliError(f"{', '.join(given)} "
                           f"{'applies' if len(given) == 1 else 'apply'} only to --trainer {other} "
                           f"(this run's trainer is {trainer})")


def controller_options(func):
    """Add the controller options (all but ``--task``); the command receives
    ``controller: ControlConfig`` with the default task (seed 0: the command sets it)."""

    @click.option("--policy", type=click.Choice(POLICY_NAMES), default="graph",
                  show_default=True,
                  help="graph: a recurrent rate network wired by the graph (sensory neurons "
                       "in, motor neurons out); mlp: a tanh MLP with as many parameters.")
    @click.option("--synapse-signs", type=click.Choice(SYNAPSE_SIGN_NAMES), default="free",
                  show_default=True,
                  help="dale: each neuron's synapses share its sign (GABAergic inhibitory); "
                       "free: each weight's sign is learned.")
    @click.option("--circuit", type=click.Choice(CIRCUIT_NAMES), default="whole",
                  show_default=True,
                  help="motor: only the command interneurons (AVA, AVB, AVD, AVE, PVC) and "
                       "ventral cord motor neurons of a C. elegans connectome.")
    @click.option("--trainer", type=click.Choice(TRAINER_NAMES), default="es",
                  show_default=True,
                  help="es: OpenAI evolution strategies; gradient: torch autograd on the "
                       "same network and parameters (REINFORCE on the motor tasks, "
                       "cross-entropy through time on digits-seq), each generation on "
                       "the episodes or images of an ES generation (population x 1 "
                       "episode; population x 256 images).")
    @click.option("--generations", type=click.IntRange(min=0), default=0, show_default=True,
                  help="Generations per task (0: the task's default budget).")
    @click.option("--population", type=click.IntRange(min=2), default=32, show_default=True,
                  help="ES population per generation (antithetic pairs); for --trainer "
                       "gradient it sets the training data of a generation.")
    @click.option("--sigma", type=float, default=0.1, show_default=True,
                  help="ES perturbation size.")
    @click.option("--es-lr", type=float, default=0.05, show_default=True,
                  help="Adam step size of the ES update.")
    @click.option("--grad-lr", type=float, default=0.01, show_default=True,
                  help="Adam step size of --trainer gradient.")
    @click.option("--grad-batch", type=click.IntRange(min=0), default=0, show_default=True,
                  help="--trainer gradient: episodes (motor tasks) or images (digits-seq) "
                       "per update (0: 8 episodes, 256 images).")
    @click.option("--alpha", type=float, default=1.0, show_default=True,
                  help="dt / tau of the rate neurons, in (0, 1] (1: no leak).")
    @click.option("--substeps", type=click.IntRange(min=1), default=1, show_default=True,
                  help="Network steps per observation.")
    @click.option("--eval-episodes", type=click.IntRange(min=1), default=5,
                  show_default=True, help="Episodes per generation for the curve.")
    @click.option("--final-episodes", type=click.IntRange(min=1), default=20,
                  show_default=True, help="Fresh episodes for final_return.")
    @functools.wraps(func)
    def wrapper(*args, policy, synapse_signs, circuit, trainer, generations, population,
                sigma, es_lr, grad_lr, grad_batch, alpha, substeps, eval_episodes,
                final_episodes, **kwargs):
        from topocli.control import ControlConfig

        _check_trainer_options(trainer)
        config = ControlConfig(policy=policy, signs=synapse_signs, circuit=circuit,
                               generations=generations, population=population, sigma=sigma,
                               lr=es_lr, alpha=alpha, substeps=substeps,
                               eval_episodes=eval_episodes, final_episodes=final_episodes,
                               trainer=trainer, grad_lr=grad_lr, grad_batch=grad_batch)
        return func(*args, controller=config, **kwargs)

    return wrapper


@cli.command("control")
@click.argument("graph")
@view_options
@click.option("--task", default="cartpole", show_default=True,
              help=f"Comma-separated: {', '.join(CONTROL_TASK_NAMES)} (swimmer needs mujoco).")
@controller_options
@click.option("--null", "null", metavar="MODEL", default=None,
              help="Wire the policy by a draw of this null model of the graph instead "
                   "(e.g. degree, er; seeded by --seed).")
@seed_option
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes evaluating the ES population (--trainer es only).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for config.json, result.json and per-generation checkpoints (new, "
                   "empty, or a control folder: a rerun resumes).")
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON on stdout.")
def control_command(graph, view, task, controller, null, seed, jobs, out, as_json):
    """Train a policy wired by GRAPH with evolution strategies (OpenAI-ES), or with
    gradients (--trainer gradient: REINFORCE, or cross-entropy on digits-seq).

    The graph's neurons are the hidden units of a recurrent rate network: observations
    enter at sensory neurons, actions are read from motor neurons, there is one weight
    per edge. Reports the return per generation and final_return (mean over fresh
    episodes; test accuracy for digits-seq). --null draws the graph's null instead
    (statistics only); --policy mlp trains an MLP of equal parameter count.

    \b
    Examples:
      topocli control celegans-varshney2011 --task cartpole --seed 0 --json --out run/
      topocli control celegans-varshney2011 --task cartpole --null degree --out null/
      topocli control celegans-varshney2011 --task cartpole --policy mlp --out mlp/
      topocli control celegans-varshney2011 --circuit motor --task cartpole,digits-seq
      topocli control celegans-varshney2011 --task digits-seq --trainer gradient
    """
    from topocli.control import control_graph, train_controller
    from topocli.errors import TopocliError
    from topocli.fileio import write_json_atomic
    from topocli.graphs import load_graph
    from topocli.outdir import claim_folder

    try:
        tasks = split_control_tasks(task)
    except click.BadParameter as exc:
        raise click.UsageError(f"--task: {exc.message}") from None
    config = controller.replace(tasks=tasks, seed=seed).validate()
    if config.trainer == "gradient" and jobs > 1:   # before --out is claimed or written
        raise TopocliError("--jobs evaluates the ES population in worker processes; "
                           "the gradient trainer runs in one process (drop --jobs)")
    # --out: writable, missing, empty or a control folder (resumed), locked while we run
    claim = claim_folder(out, "control", resume=True) if out else contextlib.nullcontext()
    with claim:
        wired = control_graph(load_graph(graph, view), circuit=config.circuit, null=null,
                              seed=seed)
        described = {"source": str(graph), "view": view.to_dict(), "null": null,
                     "circuit": config.circuit, "nodes": wired.vcount(),
                     "edges": wired.ecount()}
        if out:
            write_json_atomic(Path(out) / "config.json", {
                "kind": "control", "config": config.to_dict(), "graph": described})
        say = (lambda p: click.echo(f"topocli: {p['task']} generation {p['epoch']}: "
                                    f"{p['return']:.3f}", err=True))
        result = train_controller(wired, config, out=out, jobs=jobs, on_generation=say)
        result["graph"] = described
        if out:
            write_json_atomic(Path(out) / "result.json", result)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=float))
        return
    for name, record in result["tasks"].items():
        reached = record["generations_to_threshold"]
        click.echo(f"{name}: final {record['score_name']} {record['final_return']:.3f} "
                   f"(solved at {record['solved_return']:g}: "
                   f"{'yes' if record['solved'] else 'no'}; reached in "
                   f"{'-' if reached is None else reached} of {record['generations']} "
                   f"generations); {record['params']} parameters")
    click.echo(f"{result['wall_time_s']:.1f} s" + (f"; wrote {out}/result.json" if out else ""))
