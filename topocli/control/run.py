"""Train a policy wired by a graph with evolution strategies: the recipe.

:func:`train_controller` reads top to bottom: build the policy (the graph's recurrent
network, or an MLP of the same parameter count), start or resume the ES state, run the
generations (each: one ES step, then the centre's score on evaluation episodes, a point
of the curve), then the final score on fresh episodes. One run per task; every random
stream is derived from the config's seed (:func:`topocli.seeding.derive_seed`), so
evaluation episodes are the same for every graph of a sweep (paired by seed).

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

__all__ = ["ControlConfig", "control_graph", "train_controller"]


@dataclass(frozen=True)
class ControlConfig:
    """How a controller is trained. ``generations`` 0: the task's default budget
    (:data:`topocli.control.tasks.CONTROL_TASKS`); ``circuit`` is recorded here and
    applied where the graph is prepared (:func:`control_graph`)."""

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
        ]
        for ok, message in checks:
            if not ok:
                raise TopocliError(message)
        return self

    def to_dict(self) -> dict:
        data = asdict(self)
        data["tasks"] = list(self.tasks)
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
    :func:`train_controller`). With ``checkpoint`` (an ``.npz`` path) the ES state is
    written after every generation and a matching one is resumed from."""
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
    for _ in range(state.generation, config.budget(task_name)):
        summary = es_generation(
            state, lambda t, s: _evaluate(policy, task, t, s, config.episodes, jobs),
            seed=seed, population=config.population, sigma=config.sigma, lr=config.lr,
            weight_decay=config.weight_decay)
        value = task.score(policy.network(state.theta),
                           derive_seed(config.seed, "evaluation", task_name,
                                       state.generation), config.eval_episodes)
        point = {"task": task_name, "epoch": state.generation, "return": value, **summary}
        state.curve.append(point)
        if checkpoint:
            save_state(state, checkpoint, fingerprint)
        if on_generation:
            on_generation(point)
    final = task.final(policy.network(state.theta),
                       derive_seed(config.seed, "final", task_name), config.final_episodes)
    reached = [p["epoch"] for p in state.curve if p["return"] >= solved]
    return {"task": task_name, "final_return": float(final), "score_name": task.spec.score_name,
            "solved_return": solved, "solved": bool(final >= solved),
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
    task and generation: ``return`` is the centre's evaluation score), each task's
    record under ``tasks``, ``config``, ``versions`` and ``wall_time_s``. With ``out``
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
