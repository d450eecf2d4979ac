"""Cell classes used across topocli, and how C. elegans cells map onto them.

The mapping follows cect's classification (itself from Cook et al. 2019): pharyngeal
neurons first (some are also listed as interneurons), then sensory, inter- and motor
neurons (CANL/CANR, of unknown function, count as interneurons), then muscles; everything
else (glia, epithelia, gland cells...) is ``other``.
Nodes of user files without a class get ``unknown``.
"""

from __future__ import annotations

SENSORY = "sensory"
INTERNEURON = "interneuron"
MOTOR = "motor"
PHARYNGEAL = "pharyngeal"
MUSCLE = "muscle"
OTHER = "other"
UNKNOWN = "unknown"

CELL_CLASSES = (SENSORY, INTERNEURON, MOTOR, PHARYNGEAL, MUSCLE, OTHER, UNKNOWN)
#: Classes kept by the ``neurons_only`` view (``unknown`` is kept: we only drop what we
#: know is not a neuron).
NEURON_CLASSES = frozenset({SENSORY, INTERNEURON, MOTOR, PHARYNGEAL, UNKNOWN})
#: Input-to-output order used by class-ordered DAGs (Elegans-AI: sensors -> latent -> motors).
FLOW_ORDER = {SENSORY: 0, PHARYNGEAL: 1, INTERNEURON: 1, UNKNOWN: 1, OTHER: 1, MOTOR: 2, MUSCLE: 3}


def classify_cect(name: str, cells) -> str:
    """Class of cell ``name`` according to the ``cect.Cells`` module ``cells``."""
    if name in cells.PHARYNGEAL_NEURONS:
        return PHARYNGEAL
    if name in cells.SENSORY_NEURONS_COOK:
        return SENSORY
    if name in cells.INTERNEURONS_COOK or name in getattr(cells, "UNKNOWN_FUNCTION_NEURONS", ()):
        return INTERNEURON
    if name in cells.MOTORNEURONS_COOK:
        return MOTOR
    muscles = set(cells.PREFERRED_MUSCLE_NAMES) | set(cells.BODY_WALL_MUSCLE_NAMES)
    if name in muscles or name in cells.UNSPECIFIED_BODY_WALL_MUSCLES:
        return MUSCLE
    return OTHER
