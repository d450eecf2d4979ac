"""Echo-state dynamics: a leaky tanh (or linear) rate network driven by an input sequence.

.. math:: x(t) = (1 - a)\\, x(t-1) + a\\, f(W x(t-1) + W_{in} u(t) + b)

with leak rate ``a`` in (0, 1] (Jaeger, Lukoševičius, Popovici & Siewert 2007, "Optimization
and applications of echo state networks with leaky-integrator neurons", Neural Networks
20:335-352); ``f = tanh`` (Jaeger 2001) or the identity (linear reservoir).
"""

from __future__ import annotations

import numpy as np

from topocli.errors import TopocliError

__all__ = ["ACTIVATIONS", "echo_state_states"]

ACTIVATIONS = ("tanh", "linear")


def echo_state_states(matrix: np.ndarray, input_weights: np.ndarray, inputs: np.ndarray, *,
                      leak: float = 1.0, bias: np.ndarray | None = None,
                      activation: str = "tanh") -> np.ndarray:
    """States of the reservoir for every time step, starting from zero.

    Parameters
    ----------
    matrix : array (n, n)
        Recurrent weights ``W[post, pre]``.
    input_weights : array (n, d)
        ``W_in``; rows of nodes that receive no input are zero.
    inputs : array (T, d) or (T, batch, d)
        One sequence, or ``batch`` sequences of equal length run side by side.
    leak : float
        Leak rate ``a`` in (0, 1]; 1 is the plain (non-leaky) echo-state network.
    bias : array (n,), optional
    activation : {"tanh", "linear"}

    Returns
    -------
    array (T, n) or (T, batch, n)
    """
    if not 0.0 < leak <= 1.0:
        raise TopocliError(f"--leak must be in (0, 1], not {leak}")
    if activation not in ACTIVATIONS:
        raise TopocliError(f"unknown activation {activation!r}; choose from "
                           f"{', '.join(ACTIVATIONS)}")
    single = inputs.ndim == 2
    sequence = inputs[:, None, :] if single else inputs
    steps, batch, _ = sequence.shape
    n = matrix.shape[0]
    drive = sequence @ input_weights.T  # every step's input current at once
    if bias is not None:
        drive = drive + bias
    recurrent = np.ascontiguousarray(matrix.T)
    states = np.empty((steps, batch, n))
    state = np.zeros((batch, n))
    squash = np.tanh if activation == "tanh" else None
    for t in range(steps):
        pre = state @ recurrent
        pre += drive[t]
        if squash is not None:
            squash(pre, out=pre)
        if leak == 1.0:
            state = pre
        else:
            state = (1.0 - leak) * state + leak * pre
        states[t] = state
    return states[:, 0, :] if single else states
