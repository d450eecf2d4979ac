"""Synaptic operations of a reservoir per sample, and an energy estimate from them.

NeuroBench (Yik et al. 2024) counts a network's synaptic operations: a spiking network's
are accumulates (a spike adds its synapse's weight into the target: one per synaptic
event), a rate network's are multiply-accumulates (every synapse, every step). The
energy estimate multiplies them by per-operation energies of 32-bit floating point at
45 nm (Horowitz 2014, "Computing's energy problem", ISSCC: add 0.9 pJ, multiply 3.7 pJ,
so a multiply-accumulate 4.6 pJ). It is an estimate of the recurrent synapses only:
neuron updates (leak, tanh, threshold), the input and the readout, and every memory
access (which dominates on real hardware) are left out, in both reservoirs alike.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ENERGY_MODEL", "PJ_PER_ACCUMULATE", "PJ_PER_MAC", "synaptic_cost"]

#: pJ per 32-bit float add at 45 nm (Horowitz 2014).
PJ_PER_ACCUMULATE = 0.9
#: pJ per 32-bit float multiply-accumulate at 45 nm (3.7 multiply + 0.9 add; Horowitz 2014).
PJ_PER_MAC = 4.6
ENERGY_MODEL = ("estimate: recurrent synaptic operations x energy per operation, 32-bit "
                f"float at 45 nm (Horowitz 2014): {PJ_PER_ACCUMULATE} pJ per accumulate "
                f"(LIF: one per synaptic event), {PJ_PER_MAC} pJ per multiply-accumulate "
                "(ESN: every synapse every step); neuron updates, input, readout and "
                "memory access not counted")


def synaptic_cost(neuron: str, matrix: np.ndarray, steps_per_sample: float,
                  events_per_sample: float | None = None) -> dict:
    """Synaptic operations and estimated energy (pJ) per sample of one task.

    ``lif``: ``events_per_sample`` accumulates; ``esn``: the matrix's non-zero entries
    times ``steps_per_sample`` multiply-accumulates (8 for a digit image read row by row,
    else 1).
    """
    if neuron == "lif":
        ops, per_op, kind = float(events_per_sample or 0.0), PJ_PER_ACCUMULATE, "accumulate"
    else:
        ops = float(np.count_nonzero(matrix)) * steps_per_sample
        per_op, kind = PJ_PER_MAC, "multiply-accumulate"
    return {"synaptic_ops": ops, "op": kind, "pj_per_op": per_op,
            "energy_pj_estimate": ops * per_op}
