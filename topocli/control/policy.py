"""Policies whose parameters are one flat vector (what evolution strategies perturb).

- :class:`GraphPolicy`: the graph's neurons are the hidden units of a recurrent rate
  network. Observations enter at the sensory neurons, actions are read from the motor
  neurons (:func:`input_output_nodes`), and there is one weight per edge of the graph.
  With ``signs="dale"`` every synapse of a neuron has that neuron's sign
  (:func:`topocli.reservoir.network.node_signs`, ``auto``: the graph's synapse signs
  where it has them, as the fly visual system; else GABAergic neurons inhibitory) and the
  parameters are its magnitudes; with ``signs="free"`` a weight takes either sign.
- :class:`MLPPolicy`: a one-hidden-layer tanh MLP (the baseline without a graph), sized
  by :func:`equal_parameter_mlp` to as many parameters as a graph policy.

The rate dynamics, with ``alpha = dt / tau`` (1: no leak), for each of ``substeps``
network steps per observation ``x``:

.. math:: h \\leftarrow (1 - \\alpha) h + \\alpha \\tanh(W h + U x + b), \\qquad
          y = V h_{\\mathrm{motor}} + c

where ``W[post, pre]`` is nonzero only on the graph's edges (both directions of an
undirected edge, each with its own weight).

References
----------
Schmidgall S, Schuman C, Parsa M (2022). Biological connectomes as a representation for
the architecture of artificial neural networks. arXiv:2209.14406.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.reservoir.network import adjacency_matrix, node_signs

__all__ = ["POLICIES", "SIGNS", "GraphPolicy", "MLPPolicy", "equal_parameter_mlp",
           "input_output_nodes"]

#: ``graph``: the recurrent network wired by the graph; ``mlp``: an MLP of equal size.
POLICIES = ("graph", "mlp")
#: ``dale``: signs fixed per neuron by its synapse signs or transmitter (random 20 %
#: inhibitory where the graph has neither); ``free``: each weight's sign is learned.
SIGNS = ("dale", "free")


def input_output_nodes(graph: ig.Graph) -> tuple[np.ndarray, str, np.ndarray, str]:
    """Input and output neurons: sensory and motor neurons where the graph has them.

    Input: the sensory neurons, else the interneurons (the motor circuit's command
    interneurons), else every node. Output: the motor neurons, else every node. Returns
    the two index arrays and what each is (``sensory``, ``interneuron``, ``motor``,
    ``all``).
    """
    n = graph.vcount()
    classes = (np.asarray(graph.vs["cell_class"], dtype=object)
               if "cell_class" in graph.vs.attributes() else np.array([None] * n))

    def pick(choices: tuple[str, ...]) -> tuple[np.ndarray, str]:
        for name in choices:
            chosen = np.flatnonzero(classes == name)
            if chosen.size:
                return chosen, name
        return np.arange(n), "all"

    inputs, input_kind = pick(("sensory", "interneuron"))
    outputs, output_kind = pick(("motor",))
    return inputs, input_kind, outputs, output_kind


@dataclass(frozen=True)
class _Layout:
    """Where each block of parameters sits in the flat vector."""

    sizes: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(size for _, size in self.sizes)

    def split(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        if theta.shape != (self.total,):
            raise ValueError(f"expected {self.total} parameters, got shape {theta.shape}")
        out, start = {}, 0
        for name, size in self.sizes:
            out[name] = theta[start:start + size]
            start += size
        return out


class GraphNetwork:
    """A :class:`GraphPolicy` with its weights filled in: ``reset`` then ``step``.

    numpy arrays; :mod:`topocli.control.gradient` subclasses it with torch tensors and
    ``tanh`` (the one formula, differentiated by autograd)."""

    tanh = staticmethod(np.tanh)

    def __init__(self, W_t: np.ndarray, U: np.ndarray, b: np.ndarray, V: np.ndarray,
                 c: np.ndarray, alpha: float, substeps: int) -> None:
        self.W_t, self.U, self.b, self.V, self.c = W_t, U, b, V, c
        self.alpha, self.substeps = alpha, substeps

    def reset(self, batch: int = 1) -> np.ndarray:
        return np.zeros((batch, self.W_t.shape[0]))

    def step(self, h: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One observation ``x`` (batch, n_obs): the new state and the outputs."""
        drive = x @ self.U + self.b
        for _ in range(self.substeps):
            h = (1.0 - self.alpha) * h + self.alpha * self.tanh(h @ self.W_t + drive)
        return h, h @ self.V + self.c


class GraphPolicy:
    """A recurrent rate network wired by ``graph`` (see the module docstring).

    Parameters
    ----------
    graph : igraph.Graph
        At least one edge; node classes, synapse signs and transmitters are used where
        present.
    n_obs, n_act : int
        Observation and output sizes.
    signs : {"dale", "free"}
        Dale's principle (signs per neuron from its synapse signs or transmitter) or
        free signs.
    alpha : float
        ``dt / tau`` in (0, 1]: 1 is no leak.
    substeps : int
        Network steps per observation (signals need a few hops from sensory to motor
        neurons).
    seed : int
        Only for ``--signs dale`` on a graph without synapse signs or transmitter data
        (a seeded 20 % inhibitory).
    """

    kind = "graph"

    def __init__(self, graph: ig.Graph, n_obs: int, n_act: int, *, signs: str = "dale",
                 alpha: float = 1.0, substeps: int = 1, seed: int = 0) -> None:
        if signs not in SIGNS:
            raise TopocliError(f"unknown --signs {signs!r}; choose from {', '.join(SIGNS)}")
        if not 0.0 < alpha <= 1.0:
            raise TopocliError(f"--alpha (dt / tau) must be in (0, 1], not {alpha}")
        if substeps < 1:
            raise TopocliError(f"--substeps must be at least 1, not {substeps}")
        matrix = adjacency_matrix(graph)  # raises on a graph without edges
        self.n = graph.vcount()
        self.post, self.pre = np.nonzero(matrix)
        self.n_obs, self.n_act = int(n_obs), int(n_act)
        self.signs, self.alpha, self.substeps = signs, float(alpha), int(substeps)
        self.inputs, self.input_kind, self.outputs, self.output_kind = \
            input_output_nodes(graph)
        self.sign_rule = "free"
        self.edge_sign = None
        if signs == "dale":
            node_sign, self.sign_rule = node_signs(graph, "auto", seed=seed)
            self.edge_sign = node_sign[self.pre]
            self.inhibitory_nodes = int((node_sign < 0).sum())
        self.edge_scale = self._edge_scale()
        self.layout = _Layout((("edges", self.post.size), ("bias", self.n),
                               ("input", self.n_obs * self.inputs.size),
                               ("output", self.outputs.size * self.n_act),
                               ("output_bias", self.n_act)))

    @property
    def n_params(self) -> int:
        return self.layout.total

    def describe(self) -> dict:
        """Sizes, nodes and signs, for the run's record."""
        out = {"policy": "graph", "nodes": self.n, "edges_weighted": int(self.post.size),
               "input_nodes": self.input_kind, "n_input": int(self.inputs.size),
               "readout_nodes": self.output_kind, "n_readout": int(self.outputs.size),
               "signs": self.signs, "sign_rule": self.sign_rule, "alpha": self.alpha,
               "substeps": self.substeps, "params": self.n_params}
        if self.edge_sign is not None:
            out["inhibitory_nodes"] = self.inhibitory_nodes
        return out

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        """Initial parameters: standard Gaussian edge parameters (their magnitudes under
        Dale's principle; :attr:`edge_scale` turns them into weights), input and output
        weights scaled by their fan-in, biases 0."""
        edges = rng.standard_normal(self.post.size)
        return np.concatenate([
            np.abs(edges) if self.edge_sign is not None else edges, np.zeros(self.n),
            rng.standard_normal(self.n_obs * self.inputs.size) / np.sqrt(self.n_obs),
            rng.standard_normal(self.outputs.size * self.n_act) / np.sqrt(self.outputs.size),
            np.zeros(self.n_act)])

    def _edge_scale(self) -> np.ndarray | float:
        """Weight of an edge parameter of 1. Free signs: ``1 / sqrt(mean in-degree)``
        (a random matrix's spectral radius is then about 1). Dale's signs: the same,
        with every inhibitory synapse scaled up by (excitatory edges / inhibitory edges)
        so that excitation and inhibition balance on average (van Vreeswijk and
        Sompolinsky 1996); without the balance an excitation-dominated matrix drives
        every unit into saturation. Parameters live at scale 1, so one ES ``sigma`` fits
        every block."""
        base = 1.0 / np.sqrt(max(self.post.size / max(self.n, 1), 1.0))
        if self.edge_sign is None:
            return base
        inhibitory = self.edge_sign < 0
        if not inhibitory.any() or inhibitory.all():
            return base
        ratio = (~inhibitory).sum() / inhibitory.sum()
        return np.where(inhibitory, base * ratio, base)

    def network(self, theta: np.ndarray) -> GraphNetwork:
        """The network of parameter vector ``theta``."""
        p = self.layout.split(np.asarray(theta, dtype=float))
        edges = self.edge_scale * (p["edges"] if self.edge_sign is None
                                   else self.edge_sign * np.abs(p["edges"]))
        W_t = np.zeros((self.n, self.n))
        W_t[self.pre, self.post] = edges      # h @ W_t sums over presynaptic neurons
        U = np.zeros((self.n_obs, self.n))
        U[:, self.inputs] = p["input"].reshape(self.n_obs, self.inputs.size)
        V = np.zeros((self.n, self.n_act))
        V[self.outputs] = p["output"].reshape(self.outputs.size, self.n_act)
        return GraphNetwork(W_t, U, p["bias"], V, p["output_bias"], self.alpha,
                            self.substeps)


class MLPNetwork:
    """An :class:`MLPPolicy` with its weights: its state is the last ``history``
    observations (numpy; a torch subclass swaps ``tanh`` and ``concat``)."""

    tanh = staticmethod(np.tanh)
    concat = staticmethod(np.concatenate)

    def __init__(self, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
                 n_obs: int, history: int) -> None:
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2
        self.n_obs, self.history = n_obs, history

    def reset(self, batch: int = 1) -> np.ndarray:
        return np.zeros((batch, self.n_obs * self.history))

    def step(self, window: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        window = self.concat([window[:, self.n_obs:], x], 1)
        return window, self.tanh(window @ self.W1 + self.b1) @ self.W2 + self.b2


class MLPPolicy:
    """A tanh MLP on the last ``history`` observations (1 for a Markov control task; a
    whole sequence for a sequence task, which a feed-forward network cannot remember)."""

    kind = "mlp"

    def __init__(self, n_obs: int, n_act: int, hidden: int, *, history: int = 1) -> None:
        if hidden < 1:
            raise TopocliError(f"the MLP needs at least one hidden unit, not {hidden}")
        self.n_obs, self.n_act, self.hidden, self.history = n_obs, n_act, hidden, history
        n_in = n_obs * history
        self.layout = _Layout((("W1", n_in * hidden), ("b1", hidden),
                               ("W2", hidden * n_act), ("b2", n_act)))

    @property
    def n_params(self) -> int:
        return self.layout.total

    def describe(self) -> dict:
        return {"policy": "mlp", "hidden": self.hidden, "history": self.history,
                "params": self.n_params}

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        n_in = self.n_obs * self.history
        return np.concatenate([rng.standard_normal(n_in * self.hidden) / np.sqrt(n_in),
                               np.zeros(self.hidden),
                               rng.standard_normal(self.hidden * self.n_act)
                               / np.sqrt(self.hidden), np.zeros(self.n_act)])

    def network(self, theta: np.ndarray) -> MLPNetwork:
        p = self.layout.split(np.asarray(theta, dtype=float))
        n_in = self.n_obs * self.history
        return MLPNetwork(p["W1"].reshape(n_in, self.hidden), p["b1"],
                          p["W2"].reshape(self.hidden, self.n_act), p["b2"], self.n_obs,
                          self.history)


def equal_parameter_mlp(n_params: int, n_obs: int, n_act: int, *,
                        history: int = 1) -> MLPPolicy:
    """The :class:`MLPPolicy` whose parameter count is closest to ``n_params``.

    An MLP with ``H`` hidden units has ``H (n_obs * history + n_act + 1) + n_act``
    parameters, so the count matches to within half a hidden unit's share.
    """
    per_unit = n_obs * history + n_act + 1
    hidden = max(1, int(round((n_params - n_act) / per_unit)))
    return MLPPolicy(n_obs, n_act, hidden, history=history)
