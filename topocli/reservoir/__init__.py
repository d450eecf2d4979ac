"""Reservoir computing on a connectome: the graph as an echo-state or liquid-state network.

Only the linear readout is trained (ridge regression, closed form), so one graph is
scored in a fraction of a second and a sweep can afford thousands of graphs. numpy and
scipy only: importing this package never imports torch.

- :mod:`~topocli.reservoir.network`: the signed, scaled recurrent matrix; input and
  readout nodes.
- :mod:`~topocli.reservoir.echostate`: leaky tanh / linear echo-state dynamics.
- :mod:`~topocli.reservoir.spiking`: leaky integrate-and-fire liquid with optional delays.
- :mod:`~topocli.reservoir.readout`: ridge readout, ridge chosen on a validation split.
- :mod:`~topocli.reservoir.tasks`: memory capacity, NARMA-10, Mackey-Glass, digits.
- :mod:`~topocli.reservoir.run`: :func:`score_reservoir`, the recipe.
"""

from topocli.reservoir.echostate import echo_state_states
from topocli.reservoir.network import (
    adjacency_matrix,
    node_signs,
    pick_nodes,
    scale_to_spectral_radius,
    spectral_radius,
)
from topocli.reservoir.readout import Readout, fit_ridge
from topocli.reservoir.run import (
    NEURONS,
    Reservoir,
    ReservoirConfig,
    build_reservoir,
    score_reservoir,
)
from topocli.reservoir.spiking import LIFParameters, lif_rate, liquid_states
from topocli.reservoir.tasks import HIGHER_IS_BETTER, SCORE_NAMES, TASKS

__all__ = ["HIGHER_IS_BETTER", "LIFParameters", "NEURONS", "Readout", "Reservoir",
           "ReservoirConfig", "SCORE_NAMES", "TASKS", "adjacency_matrix", "build_reservoir",
           "echo_state_states", "fit_ridge", "lif_rate", "liquid_states", "node_signs",
           "pick_nodes", "scale_to_spectral_radius", "score_reservoir", "spectral_radius"]
