"""Score one graph as a reservoir: wire it, drive it with each task, fit the readouts.

:func:`score_reservoir` is the whole recipe behind ``topocli reservoir`` and the
``--model reservoir`` runs of ``topocli train-sweep``: every random stream (signs, input
weights, delays, each task's data) derives from ``config.seed``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields, replace

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.graphs.classes import MOTOR, SENSORY
from topocli.reservoir.echostate import ACTIVATIONS, echo_state_states
from topocli.reservoir.energy import ENERGY_MODEL, synaptic_cost
from topocli.reservoir.network import (
    NODE_CHOICES,
    SIGN_RULES,
    adjacency_matrix,
    node_signs,
    pick_nodes,
    scale_to_spectral_radius,
)
from topocli.reservoir.readout import DEFAULT_RIDGES
from topocli.reservoir.spiking import LIFParameters, liquid_states
from topocli.reservoir.tasks import (
    HIGHER_IS_BETTER,
    SCORE_NAMES,
    TASKS,
    mackey_glass_prediction,
    memory_capacity,
    narma10,
    sequential_digits,
)
from topocli.seeding import derive_seed

__all__ = ["NEURONS", "ReservoirConfig", "Reservoir", "build_reservoir", "score_reservoir"]

NEURONS = ("esn", "lif")


@dataclass(frozen=True)
class ReservoirConfig:
    """Everything that decides a reservoir score besides the graph.

    ``spectral_radius`` scales the signed recurrent matrix (for ``lif`` it is the radius
    of the synaptic jump matrix, in units of the firing threshold); ``input_scaling`` is
    the half-width of the uniform input weights (for ``lif``, of the input current added
    to the bias current just below threshold); ``None`` means 0.1 for ``esn`` and 1.0 for
    ``lif`` (:attr:`input_scale`);
    ``steps`` is the length of the memory-capacity, NARMA-10 and Mackey-Glass series;
    ``max_delay`` the memory-capacity delays (0: as many as the reservoir has nodes).
    """

    tasks: tuple[str, ...] = ("memory-capacity",)
    neuron: str = "esn"
    spectral_radius: float = 0.9
    leak: float = 1.0
    input_scaling: float | None = None
    weighted: bool = False
    signs: str = "auto"
    inhibitory_fraction: float = 0.2
    input_nodes: str = "auto"
    readout_nodes: str = "auto"
    activation: str = "tanh"
    steps: int = 4000
    washout: int = 200
    max_delay: int = 0
    ridges: tuple[float, ...] = DEFAULT_RIDGES
    lif: LIFParameters = field(default_factory=LIFParameters)
    seed: int = 0

    def replace(self, **changes) -> ReservoirConfig:
        return replace(self, **changes)

    @property
    def input_scale(self) -> float:
        """``input_scaling``, or the neuron type's default when it is None."""
        if self.input_scaling is not None:
            return float(self.input_scaling)
        return 0.1 if self.neuron == "esn" else 1.0

    def validate(self) -> ReservoirConfig:
        """Return self, or raise :class:`TopocliError` naming the bad option."""
        if not self.tasks:
            raise TopocliError(f"give at least one --task ({', '.join(TASKS)})")
        for task in self.tasks:
            if task not in TASKS:
                raise TopocliError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
        checks = [
            (self.neuron in NEURONS, f"--neuron must be one of {', '.join(NEURONS)}"),
            (np.isfinite(self.spectral_radius) and self.spectral_radius > 0,
             f"--spectral-radius must be > 0, not {self.spectral_radius}"),
            (0.0 < self.leak <= 1.0, f"--leak must be in (0, 1], not {self.leak}"),
            (np.isfinite(self.input_scale) and self.input_scale > 0,
             f"--input-scaling must be > 0, not {self.input_scaling}"),
            (self.signs in SIGN_RULES, f"--signs must be one of {', '.join(SIGN_RULES)}"),
            (0.0 <= self.inhibitory_fraction <= 1.0,
             f"--inhibitory-fraction must be in [0, 1], not {self.inhibitory_fraction}"),
            (self.input_nodes in NODE_CHOICES and self.readout_nodes in NODE_CHOICES,
             f"--input-nodes and --readout-nodes must be one of {', '.join(NODE_CHOICES)}"),
            (self.activation in ACTIVATIONS,
             f"--activation must be one of {', '.join(ACTIVATIONS)}"),
            # nothing bounds a linear state: at radius >= 1 it grows like radius**t and
            # the readout fits overflowed numbers (scores of 0, not an error)
            (self.neuron != "esn" or self.activation != "linear" or self.spectral_radius < 1,
             f"a linear reservoir diverges at --spectral-radius {self.spectral_radius} "
             "(its state grows without bound at 1 or more); use a radius below 1 or "
             "--activation tanh"),
            (self.washout >= 0 and self.steps > self.washout + 20,
             f"--steps ({self.steps}) must exceed --washout ({self.washout}) by more than 20"),
            (self.max_delay >= 0, f"--max-delay must be >= 0, not {self.max_delay}"),
            (bool(self.ridges) and min(self.ridges) >= 0, "ridges must be numbers >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise TopocliError(message)
        self.lif.validate()
        return self

    def to_dict(self) -> dict:
        data = asdict(self)
        data["tasks"], data["ridges"] = list(self.tasks), list(self.ridges)
        data["input_scale"] = self.input_scale  # what was used when input_scaling is None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ReservoirConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["tasks"] = tuple(values.get("tasks", cls.tasks))
        values["ridges"] = tuple(values.get("ridges", DEFAULT_RIDGES))
        if isinstance(values.get("lif"), dict):
            values["lif"] = LIFParameters(**values["lif"])
        return cls(**values)


@dataclass(frozen=True)
class Reservoir:
    """A wired reservoir: signed, scaled matrix, input and readout nodes, signs used."""

    matrix: np.ndarray
    input_nodes: np.ndarray
    readout_nodes: np.ndarray
    signs: np.ndarray
    description: dict
    delays: np.ndarray | None = None

    def simulate(self, inputs: np.ndarray, config: ReservoirConfig,
                 activity: list | None = None) -> np.ndarray:
        """Readout-node states for ``inputs`` (T, d) or (T, batch, d)."""
        rng = np.random.default_rng(derive_seed(config.seed, "input_weights", inputs.shape[-1]))
        n, d = self.matrix.shape[0], inputs.shape[-1]
        input_weights = np.zeros((n, d))
        input_weights[self.input_nodes] = rng.uniform(
            -config.input_scale, config.input_scale, (len(self.input_nodes), d))
        if config.neuron == "esn":
            bias = np.zeros(n)
            states = echo_state_states(self.matrix, input_weights, inputs, leak=config.leak,
                                       bias=bias, activation=config.activation)
        else:
            states, counts = liquid_states(self.matrix, input_weights, inputs, config.lif,
                                           delays=self.delays)
            if activity is not None:
                activity.append(counts)
        return states[..., self.readout_nodes]


def build_reservoir(graph: ig.Graph, config: ReservoirConfig) -> Reservoir:
    """Wire ``graph`` into a reservoir under ``config`` (signs, scaling, nodes, delays)."""
    config.validate()
    matrix = adjacency_matrix(graph, weighted=config.weighted)
    signs, rule = node_signs(graph, config.signs,
                             inhibitory_fraction=config.inhibitory_fraction,
                             seed=derive_seed(config.seed, "signs"))
    signed = matrix * signs[None, :]  # Dale: every synapse has its presynaptic node's sign
    scaled = scale_to_spectral_radius(signed, config.spectral_radius)
    inputs, input_kind = pick_nodes(graph, config.input_nodes, SENSORY)
    readout, readout_kind = pick_nodes(graph, config.readout_nodes, MOTOR)
    delays = None
    if config.neuron == "lif" and config.lif.max_delay > 0:
        rng = np.random.default_rng(derive_seed(config.seed, "delays"))
        delays = rng.integers(1, config.lif.max_delay + 1, size=matrix.shape)
    description = {
        "n_nodes": graph.vcount(), "n_edges": graph.ecount(),
        "directed": graph.is_directed(), "weighted": config.weighted,
        "signs": rule, "inhibitory_nodes": int(np.sum(signs < 0)),
        "input_nodes": input_kind, "n_input": int(len(inputs)),
        "readout_nodes": readout_kind, "n_readout": int(len(readout)),
    }
    return Reservoir(scaled, inputs, readout, signs, description, delays)


def score_reservoir(graph: ig.Graph, config: ReservoirConfig | dict) -> dict:
    """Score ``graph`` as a reservoir on each of ``config.tasks``.

    Returns
    -------
    dict
        ``scores`` (task -> its standard score), ``score_names``, ``higher_is_better``,
        ``details`` (per task: per-delay capacities, input draws...), the reservoir's
        ``description`` (nodes, edges, sign rule, input/readout nodes), for ``lif`` the
        ``synaptic_events_per_sample`` and ``spikes_per_sample`` per task;
        ``synaptic_ops_per_sample`` and ``energy_pj_per_sample_estimate`` per task (LIF:
        accumulates, ESN: multiply-accumulates; :mod:`topocli.reservoir.energy`, with
        ``energy_model`` saying what the estimate counts), ``wall_time_s`` and ``config``.
    """
    if isinstance(config, dict):
        config = ReservoirConfig.from_dict(config)
    start = time.perf_counter()
    reservoir = build_reservoir(graph, config)
    scores, details, events, spikes = {}, {}, {}, {}
    for task in config.tasks:
        activity: list[dict] = []

        def simulate(inputs, _activity=activity):
            return reservoir.simulate(inputs, config, _activity)

        task_seed = derive_seed(config.seed, "task", task)
        result = _run_task(task, simulate, config, reservoir, task_seed)
        scores[task] = result.pop("score")
        details[task] = result
        if activity:
            samples = sum(a["steps"] / config.lif.steps_per_input * a["batch"]
                          for a in activity)
            samples = samples / 8 if task == "digits" else samples  # an image is 8 rows
            events[task] = sum(a["synaptic_events"] for a in activity) / samples
            spikes[task] = float(sum(a["spikes"] for a in activity)) / samples
    result = {"scores": scores, "score_names": {t: SCORE_NAMES[t] for t in scores},
              "higher_is_better": {t: HIGHER_IS_BETTER[t] for t in scores},
              "details": details, "description": reservoir.description,
              "wall_time_s": time.perf_counter() - start, "config": config.to_dict()}
    if config.neuron == "lif":
        result["synaptic_events_per_sample"] = events
        result["spikes_per_sample"] = spikes
    cost = {task: synaptic_cost(config.neuron, reservoir.matrix, 8 if task == "digits" else 1,
                                events.get(task)) for task in scores}
    result["synaptic_ops_per_sample"] = {t: c["synaptic_ops"] for t, c in cost.items()}
    result["energy_pj_per_sample_estimate"] = {t: c["energy_pj_estimate"]
                                               for t, c in cost.items()}
    result["energy_model"] = ENERGY_MODEL
    return result


def _run_task(task: str, simulate, config: ReservoirConfig, reservoir: Reservoir,
              seed: int) -> dict:
    series = {"steps": config.steps, "washout": config.washout, "seed": seed,
              "ridges": config.ridges}
    if task == "memory-capacity":
        delays = config.max_delay or reservoir.matrix.shape[0]
        return memory_capacity(simulate, max_delay=delays, **series)
    if task == "narma10":
        return narma10(simulate, **series)
    if task == "mackey-glass":
        return mackey_glass_prediction(simulate, **series)
    return sequential_digits(simulate, seed=seed, ridges=config.ridges)
