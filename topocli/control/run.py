"""Train a policy wired by a graph with evolution strategies or gradients: the recipe.

:func:`train_controller` reads top to bottom: build the policy (the graph's recurrent
network, or an MLP of the same parameter count), start or resume the trainer's state,
run the generations (each: one trainer step, then the policy's score on evaluation
episodes, a point of the curve), then the final score on fresh episodes. One run per
task; every random stream is derived from the config's seed
(:func:`topocli.seeding.derive_seed`), so evaluation episodes are the same for every
graph of a sweep (paired by seed).

Two trainers (``trainer``): ``es``, OpenAI-ES (:mod:`~topocli.control.es`), and
``gradient``, torch autograd on the same network and parameter vector
(:mod:`~topocli.control.gradient`: REINFORCE on the motor tasks, cross-entropy through
time on digits-seq). A generation of either consumes the same training data, the
episodes or images of one ES generation (:func:`generation_cost`); the evaluation and
the final score are the same code for both.

Schmidgall et al.'s three realism levels are three settings: the exact wiring with
transmitter signs (``signs="dale"``), the exact wiring with free signs (``"free"``), and
statistics only (the same policy on the graph's nulls, :func:`control_graph`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import igraph as ig
import numpy as np

from topocli.control.es import ESState, es_generation, load_state, save_state
from topocli.control.policy import POLICIES, SIGNS, GraphPolicy, equal_parameter_mlp
from topocli.control.tasks import CONTROL_TASKS, make_task
from topocli.errors import TopocliError
from topocli.graphs.circuits import CIRCUITS, subcircuit
from topocli.seeding import derive_seed

__all__ = ["GRADIENT_FIELDS", "TRAINERS", "ControlConfig", "control_graph", "generation_cost",
           "train_controller"]

#: ``es``: OpenAI evolution strategies; ``gradient``: torch autograd (REINFORCE on the
#: motor tasks, cross-entropy through time on digits-seq).
TRAINERS = ("es", "gradient")
#: Fields added with the gradient trainer: :meth:`ControlConfig.to_dict` leaves them out
#: of an ES config (they do not change an ES run), so every earlier ``config.json``,
#: checkpoint fingerprint and sweep identity stays byte for byte the same.
GRADIENT_FIELDS = ("trainer", "grad_lr", "grad_batch", "discount", "action_std")


@dataclass(frozen=True)
class ControlConfig:
    """How a controller is trained. ``generations`` 0: the task's default budget
    (:data:`topocli.control.tasks.CONTROL_TASKS`); ``circuit`` is recorded here and
    applied where the graph is prepared (:func:`control_graph`).

    ``population`` and ``episodes`` set the training data of a generation for both
    trainers (:func:`generation_cost`); ``sigma`` and ``lr`` are the ES trainer's only;
    ``weight_decay`` is an L2 term of both. The gradient trainer's own fields
    (:data:`GRADIENT_FIELDS`): ``grad_lr`` (Adam's step), ``grad_batch`` (episodes or
    images per update; 0: the task's ``grad_batch``), ``discount`` (REINFORCE's
    discount of future rewards) and ``action_std`` (the fixed standard deviation of the
    Gaussian exploration noise added to continuous outputs before ``tanh``).
    """

    tasks: tuple[str, ...] = ("cartpole",)
    policy: str = "graph"
    signs: str = "free"
    circuit: str = "whole"
    generations: int = 0
    population: int = 32
    sigma: float = 0.1
    lr: float = 0.05
    weight_decay: float = 0.005
    episodes: int = 1
    eval_episodes: int = 5
    final_episodes: int = 20
    alpha: float = 1.0
    substeps: int = 1
    max_steps: int | None = None
    seed: int = 0
    trainer: str = "es"
    grad_lr: float = 0.01
    grad_batch: int = 0
    discount: float = 0.99
    action_std: float = 0.5

    def replace(self, **changes) -> ControlConfig:
        return replace(self, **changes)

    def budget(self, task: str) -> int:
        """Generations for ``task``: ``generations``, or the task's default when 0."""
        return self.generations or CONTROL_TASKS[task].generations

    def validate(self) -> ControlConfig:
        """Return self, or raise :class:`TopocliError` naming the bad option."""
        if not self.tasks:
            raise TopocliError(f"give at least one --task ({', '.join(CONTROL_TASKS)})")
        for task in self.tasks:
            if task not in CONTROL_TASKS:
                raise TopocliError(f"unknown control task {task!r}; choose from "
                                   f"{', '.join(CONTROL_TASKS)}")
        checks = [
            (self.policy in POLICIES, f"--policy must be one of {', '.join(POLICIES)}"),
            (self.signs in SIGNS, f"--synapse-signs must be one of {', '.join(SIGNS)}"),
            (self.circuit in CIRCUITS, f"--circuit must be one of {', '.join(CIRCUITS)}"),
            (self.generations >= 0, "--generations must be 0 (the task's default) or more"),
            (self.population >= 2, "--population must be at least 2 (one antithetic pair)"),
            (math.isfinite(self.sigma) and self.sigma > 0, "--sigma must be a number > 0"),
            (math.isfinite(self.lr) and self.lr > 0, "--es-lr must be a number > 0"),
            (math.isfinite(self.weight_decay) and self.weight_decay >= 0,
             "the ES weight decay must be a number >= 0"),
            (min(self.episodes, self.eval_episodes, self.final_episodes) >= 1,
             "--episodes, --eval-episodes and --final-episodes must be at least 1"),
            (0 < self.alpha <= 1, "--alpha (dt / tau) must be in (0, 1]"),
            (self.substeps >= 1, "--substeps must be at least 1"),
            (self.max_steps is None or self.max_steps >= 1, "--max-steps must be >= 1"),
            (self.trainer in TRAINERS, f"--trainer must be one of {', '.join(TRAINERS)}"),
            (math.isfinite(self.grad_lr) and self.grad_lr > 0,
             "--grad-lr must be a number > 0"),
            (self.grad_batch >= 0, "--grad-batch must be 0 (the task's default) or more"),
            (0 < self.discount <= 1, "the REINFORCE discount must be in (0, 1]"),
            (math.isfinite(self.action_std) and self.action_std > 0,
             "the exploration noise (action_std) must be a number > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise TopocliError(message)
        return self

    def to_dict(self) -> dict:
        """The fields as a dict; an ES config without :data:`GRADIENT_FIELDS`."""
        data = asdict(self)
        data["tasks"] = list(self.tasks)
        if self.trainer == "es":
            for name in GRADIENT_FIELDS:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ControlConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["tasks"] = tuple(values.get("tasks", cls.tasks))
        return cls(**values)


def control_graph(graph: ig.Graph, *, circuit: str = "whole", null: str | None = None,
                  seed: int = 0) -> ig.Graph:
    """The graph a controller is wired by: ``circuit`` of ``graph``, or a draw of null
    model ``null`` of that circuit (seed ``derive_seed(seed, "null", null)``) carrying
    the circuit's transmitters (and synapse signs) where the null drops them."""
    graph = subcircuit(graph, circuit)
    if not null:
        return graph
    from topocli.nullmodels import generate
    from topocli.reservoir.network import carry_transmitters

    drawn = generate(graph, null, seed=derive_seed(seed, "null", null))
    carry_transmitters(drawn, graph, seed=derive_seed(seed, "neurotransmitter"))
    return drawn


def build_policy(graph: ig.Graph, task, config: ControlConfig):
    """The task's policy: ``graph``'s network, or an MLP of its parameter count."""
    wired = GraphPolicy(graph, task.n_obs, task.n_act, signs=config.signs,
                        alpha=config.alpha, substeps=config.substeps,
                        seed=derive_seed(config.seed, "signs"))
    if config.policy == "graph":
        return wired
    return equal_parameter_mlp(wired.n_params, task.n_obs, task.n_act,
                               history=task.spec.history)


def _evaluate(policy, task, thetas: np.ndarray, seeds: list[int], episodes: int,
              jobs: int) -> np.ndarray:
    """Fitness of each parameter row (independent: in ``jobs`` processes if > 1)."""
    if jobs <= 1:
        return np.array([task.fitness(policy.network(t), s, episodes)
                         for t, s in zip(thetas, seeds)])
    from joblib import Parallel, delayed

    chunks = np.array_split(np.arange(len(thetas)), jobs)
    parts = Parallel(n_jobs=jobs)(
        delayed(_evaluate)(policy, task, thetas[c], [seeds[i] for i in c], episodes, 1)
        for c in chunks if c.size)
    return np.concatenate(parts)


def generation_cost(task, config: ControlConfig) -> tuple[str, int, int]:
    """What one generation trains on: ``(unit, amount, updates)``.

    An ES generation evaluates every member (``population`` rounded down to antithetic
    pairs) on ``episodes`` episodes or one batch of :attr:`DigitsTask.batch` images,
    and makes one update. A gradient generation draws as many as fit in whole updates
    of ``grad_batch`` episodes or images (at least one update). Backpropagation costs
    about two forward passes more per image or step, so compare wall time as well.
    Evaluation and final episodes are not counted (they are the same for both).
    """
    members = 2 * max(config.population // 2, 1)
    unit = "episodes" if task.spec.motor else "images"
    amount = members * (config.episodes if task.spec.motor else task.batch)
    if config.trainer == "es":
        return unit, amount, 1
    batch = config.grad_batch or task.spec.grad_batch
    updates = max(amount // batch, 1)
    return unit, updates * batch, updates


def _trainer(policy, task, config: ControlConfig, state: ESState, seed: int,
             jobs: int) -> Callable[[ESState], dict]:
    """One generation of ``config.trainer``, in place on ``state``; returns its fitness
    summary (``fitness_mean``, ``fitness_max``)."""
    if config.trainer == "gradient":
        from topocli.control.gradient import GradientTrainer

        if jobs > 1:
            raise TopocliError("--jobs evaluates the ES population in worker processes; "
                               "the gradient trainer runs in one process (drop --jobs)")
        _, _, updates = generation_cost(task, config)
        return GradientTrainer(policy, task, config, state, seed, updates).generation
    return lambda s: es_generation(
        s, lambda t, e: _evaluate(policy, task, t, e, config.episodes, jobs), seed=seed,
        population=config.population, sigma=config.sigma, lr=config.lr,
        weight_decay=config.weight_decay)


def _fingerprint(graph: ig.Graph, config: ControlConfig, task: str) -> str:
    from topocli.provenance import graph_fingerprint

    # the budget is left out: a run given more generations goes on from its checkpoint
    return json.dumps({"graph": graph_fingerprint(graph), "task": task,
                       "config": config.replace(tasks=(task,), generations=0).to_dict()},
                      sort_keys=True)


def train_task(graph: ig.Graph, task_name: str, config: ControlConfig, *,
               checkpoint: Path | None = None, jobs: int = 1,
               on_generation: Callable[[dict], None] | None = None) -> dict:
    """Train one controller on ``task_name``; returns its record (see
    :func:`train_controller`). With ``checkpoint`` (an ``.npz`` path) the trainer's
    state is written after every generation and a matching one is resumed from."""
    start = time.perf_counter()
    task = make_task(task_name, max_steps=config.max_steps)
    policy = build_policy(graph, task, config)
    seed = derive_seed(config.seed, "control", task_name)
    fingerprint = _fingerprint(graph, config, task_name)
    state = load_state(checkpoint, fingerprint) if checkpoint else None
    if state is None or state.generation > config.budget(task_name):
        state = ESState.start(policy.initial(np.random.default_rng(derive_seed(seed, "init"))))
    resumed_at = state.generation
    solved = task.spec.solved
    unit, per_generation, updates = generation_cost(task, config)
    for point in state.curve:    # a checkpoint written before the count was recorded
        point.setdefault(unit, point["epoch"] * per_generation)
    step = _trainer(policy, task, config, state, seed, jobs)
    for _ in range(state.generation, config.budget(task_name)):
        summary = step(state)
        value = task.score(policy.network(state.theta),
                           derive_seed(config.seed, "evaluation", task_name,
                                       state.generation), config.eval_episodes)
        point = {"task": task_name, "epoch": state.generation, "return": value, **summary,
                 unit: state.generation * per_generation}
        state.curve.append(point)
        if checkpoint:
            save_state(state, checkpoint, fingerprint)
        if on_generation:
            on_generation(point)
    final = task.final(policy.network(state.theta),
                       derive_seed(config.seed, "final", task_name), config.final_episodes)
    reached = [p["epoch"] for p in state.curve if p["return"] >= solved]
    compute = {"unit": unit, "per_generation": per_generation,
               "updates_per_generation": updates,
               "total": state.generation * per_generation,
               "to_threshold": reached[0] * per_generation if reached else None}
    return {"task": task_name, "final_return": float(final), "score_name": task.spec.score_name,
            "solved_return": solved, "solved": bool(final >= solved),
            "trainer": config.trainer, "compute": compute,
            "generations": state.generation,
            "generations_to_threshold": reached[0] if reached else None,
            "resumed_at_generation": resumed_at, "policy": policy.describe(),
            "params": policy.n_params, "curve": state.curve,
            "wall_time_s": time.perf_counter() - start}


def train_controller(graph: ig.Graph, config: ControlConfig, *, out: str | Path | None = None,
                     jobs: int = 1,
                     on_generation: Callable[[dict], None] | None = None) -> dict:
    """Train one controller per task of ``config`` wired by ``graph``.

    Returns a JSON-ready record: ``final_return`` (the first task's; mean return over
    ``final_episodes`` fresh episodes, or test accuracy for ``digits-seq``), ``scores``
    (task -> final figure), ``generations_to_threshold`` (task -> first generation whose
    evaluation reached the task's solved return; None: never), ``curve`` (one point per
    task and generation: ``return`` is the policy's evaluation score (the ES centre's),
    ``episodes`` or ``images`` the training data consumed so far), each task's record
    under ``tasks`` (with ``trainer`` and ``compute``: the unit, the amount per
    generation and in all, and up to the first generation at the solved return;
    :func:`generation_cost`), ``config``, ``versions`` and ``wall_time_s``. With ``out``
    (a folder), each task checkpoints there per generation and resumes.
    """
    from topocli.provenance import versions

    config = config.validate()
    start = time.perf_counter()
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    records = {}
    for task in config.tasks:
        checkpoint = folder / f"checkpoint-{task}.npz" if folder is not None else None
        records[task] = train_task(graph, task, config, checkpoint=checkpoint, jobs=jobs,
                                   on_generation=on_generation)
    first = records[config.tasks[0]]
    return {"final_return": first["final_return"], "params": first["params"],
            "scores": {t: r["final_return"] for t, r in records.items()},
            "generations_to_threshold": {t: r["generations_to_threshold"]
                                         for t, r in records.items()},
            "curve": [p for r in records.values() for p in r["curve"]],
            "tasks": {t: {k: v for k, v in r.items() if k != "curve"}
                      for t, r in records.items()},
            "config": config.to_dict(), "versions": versions(),
            "wall_time_s": time.perf_counter() - start}
