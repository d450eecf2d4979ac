"""Liquid-state dynamics: leaky integrate-and-fire neurons on the reservoir's graph.

Each neuron integrates its input current exactly over a time step of ``dt``
(:math:`v \\leftarrow I + (v - I) e^{-dt/\\tau_m}`), spikes when ``v`` reaches the
threshold, is reset and held for the refractory period; a spike of neuron ``j`` adds
``W[i, j]`` to neuron ``i``'s exponentially decaying synaptic current after the synapse's
delay, scaled by :math:`\\tau_m / \\tau_s` so that ``W[i, j]`` is the total voltage
kick (in units of the threshold) one spike gives its target. The readout sees spike
trains filtered by an exponential kernel, sampled at the end of each input step (Maass,
Natschläger & Markram 2002, "Real-time computing without
stable states", Neural Computation 14:2531-2560).

Synaptic events (one per spike per outgoing synapse) are counted: the energy proxy of
neuromorphic hardware, where a synaptic operation dominates the cost.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from topocli.errors import TopocliError

__all__ = ["LIFParameters", "lif_rate", "liquid_states"]


@dataclass(frozen=True)
class LIFParameters:
    """Neuron, synapse and readout-filter constants (times in ms, voltages in units of
    the threshold above rest)."""

    dt: float = 1.0
    tau_membrane: float = 20.0
    tau_synapse: float = 5.0
    tau_filter: float = 20.0
    threshold: float = 1.0
    reset: float = 0.0
    refractory: float = 2.0
    bias_current: float = 0.9
    steps_per_input: int = 10
    max_delay: int = 0  # 0: every synapse has one step of delay; D: uniform 1..D steps

    def validate(self) -> LIFParameters:
        positive = {"dt": self.dt, "tau_membrane": self.tau_membrane,
                    "tau_synapse": self.tau_synapse, "tau_filter": self.tau_filter}
        for name, value in positive.items():
            if not value > 0:
                raise TopocliError(f"LIF {name} must be > 0, not {value}")
        if self.refractory < 0 or self.threshold <= self.reset:
            raise TopocliError("LIF needs refractory >= 0 and threshold > reset")
        if self.steps_per_input < 1 or self.max_delay < 0:
            raise TopocliError("--steps-per-input must be >= 1 and --max-delay >= 0")
        return self

    def to_dict(self) -> dict:
        return asdict(self)


def lif_rate(current: float | np.ndarray, params: LIFParameters = LIFParameters()
             ) -> float | np.ndarray:
    """Analytic firing rate (spikes per ms) of one LIF neuron under constant current.

    .. math:: r = \\left(t_{ref} + \\tau_m \\ln\\frac{I - v_{reset}}{I - \\theta}\\right)^{-1}
              \\text{ for } I > \\theta, \\text{ else } 0

    (Gerstner, Kistler, Naud & Paninski 2014, Neuronal Dynamics, eq. 1.11 with a
    refractory period).
    """
    current = np.asarray(current, dtype=float)
    above = current > params.threshold
    safe = np.where(above, current, params.threshold + 1.0)
    period = params.refractory + params.tau_membrane * np.log(
        (safe - params.reset) / (safe - params.threshold))
    rate = np.where(above, 1.0 / period, 0.0)
    return float(rate) if rate.ndim == 0 else rate


def liquid_states(matrix: np.ndarray, input_weights: np.ndarray, inputs: np.ndarray,
                  params: LIFParameters = LIFParameters(), *,
                  delays: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """Filtered spike trains at the end of every input step, and activity counts.

    Parameters
    ----------
    matrix : array (n, n)
        ``W[post, pre]`` (signed): the voltage kick of one spike of ``pre`` on ``post``.
    input_weights : array (n, d)
        Input current per unit input; added to ``params.bias_current``.
    inputs : array (T, d) or (T, batch, d)
        Each input step is held for ``params.steps_per_input`` steps of ``dt``.
    delays : int array (n, n), optional
        Delay in steps (>= 1) of each synapse; default one step everywhere.

    Returns
    -------
    states : array (T, n) or (T, batch, n)
    activity : dict
        ``spikes`` and ``synaptic_events`` in all and ``spikes_per_node`` (summed over
        the batch), ``steps`` (of ``dt``) and ``batch``.
    """
    params.validate()
    single = inputs.ndim == 2
    sequence = inputs[:, None, :] if single else inputs
    steps, batch, _ = sequence.shape
    n = matrix.shape[0]
    if delays is None:
        delays = np.ones((n, n), dtype=np.int64)
    delay_values = sorted(int(d) for d in np.unique(delays[matrix != 0])) or [1]
    if delay_values[0] < 1:
        raise TopocliError("synaptic delays must be at least one step")
    # One weight matrix per delay (transposed for state @ W.T); a ring buffer of spikes.
    kick = params.tau_membrane / params.tau_synapse  # W = whole voltage kick of a spike
    by_delay = [(d, np.ascontiguousarray(np.where(delays == d, matrix * kick, 0.0).T))
                for d in delay_values]
    horizon = delay_values[-1]
    ring = np.zeros((horizon, batch, n))
    out_degree = np.count_nonzero(matrix, axis=0).astype(float)
    drive = sequence @ input_weights.T + params.bias_current
    decay_m = np.exp(-params.dt / params.tau_membrane)
    decay_s = np.exp(-params.dt / params.tau_synapse)
    decay_f = np.exp(-params.dt / params.tau_filter)
    hold = int(round(params.refractory / params.dt))
    voltage = np.zeros((batch, n))
    synaptic = np.zeros((batch, n))
    trace = np.zeros((batch, n))
    refractory_left = np.zeros((batch, n), dtype=np.int64)
    states = np.empty((steps, batch, n))
    spikes_per_node = np.zeros(n)
    events_total, clock = 0.0, 0
    for t in range(steps):
        for _ in range(params.steps_per_input):
            synaptic *= decay_s
            for d, weights in by_delay:
                arriving = ring[(clock - d) % horizon]
                synaptic += arriving @ weights
            current = drive[t] + synaptic
            free = refractory_left == 0
            voltage = np.where(free, current + (voltage - current) * decay_m, voltage)
            refractory_left = np.maximum(refractory_left - 1, 0)
            fired = voltage >= params.threshold
            voltage[fired] = params.reset
            refractory_left[fired] = hold
            spikes = fired.astype(float)
            ring[clock % horizon] = spikes
            trace = trace * decay_f + spikes
            fired_per_node = spikes.sum(axis=0)
            spikes_per_node += fired_per_node
            events_total += float(fired_per_node @ out_degree)
            clock += 1
        states[t] = trace
    activity = {"spikes": float(spikes_per_node.sum()), "spikes_per_node": spikes_per_node,
                "synaptic_events": events_total,
                "steps": clock, "batch": batch}
    return (states[:, 0, :] if single else states), activity
