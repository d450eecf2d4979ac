"""Cell classes used across topocli, and how C. elegans cells map onto them.

The mapping follows cect's classification (itself from Cook et al. 2019): pharyngeal
neurons first (some are also listed as interneurons), then sensory, inter- and motor
neurons (CANL/CANR, of unknown function, count as interneurons), then muscles, then the
male-specific neurons and muscles (cect's male lists); everything else (glia, epithelia,
gland cells...) is ``other``.
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
    # Male-specific cells (Cook 2019's male): cect splits the 90 male-specific neurons into
    # sensory and interneurons; it names no male-specific motor neuron.
    for attr, cls in (("MALE_HEAD_SENSORY_NEURONS", SENSORY),
                      ("MALE_NON_HEAD_SENSORY_NEURONS", SENSORY),
                      ("MALE_HEAD_INTERNEURONS", INTERNEURON),
                      ("MALE_NON_HEAD_INTERNEURONS", INTERNEURON),
                      ("MALE_SPECIFIC_MUSCLES", MUSCLE)):
        if name in getattr(cells, attr, ()):
            return cls
    return OTHER


# --------------------------------------------------------------- node vocabulary
# How files name a cell's class or role. This is the *node* vocabulary only: an edge type
# "S" in Varshney's tables is a chemical synapse the cell sends, a node role "S" (the
# neurodata / Elegans-AI GraphML files) a sensory neuron; the edge vocabulary lives in
# topocli.graphs.fields.
_CLASS_WORDS = {
    SENSORY: ("s", "sensory", "sensory_neuron", "sensor", "sn"),
    INTERNEURON: ("i", "inter", "interneuron", "interneurons", "inter_neuron"),
    MOTOR: ("m", "mn", "motor", "motorneuron", "motor_neuron", "motoneuron"),
    PHARYNGEAL: ("pharyngeal", "pharyngeal_neuron", "pharynx"),
    MUSCLE: ("mu", "muscle", "muscles", "bwm", "body_wall_muscle", "pharyngeal_muscle",
             "end_organ"),
    OTHER: ("other", "glia", "glial", "epithelial", "gland", "non_neuronal", "others"),
}
_CLASS_OF_WORD = {word: cls for cls, words in _CLASS_WORDS.items() for word in words}
#: Node values that mean "not given" (left to the cell-name match).
_NOT_GIVEN = frozenset({"", "na", "n/a", "nan", "none", "unknown", "?", "-", "null"})


def _normalise_word(value: object) -> str:
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


def class_from_label(value: object) -> str | None:
    """Our cell class for a file's class or role value, or None when it names none.

    ``S``/``M``/``I`` (and words such as ``sensory``, ``motor neuron``, ``interneuron``,
    ``muscle``, ``glia``) map to a class; ``NA``, empty and unknown words, and combined
    roles such as ``SM`` (sensory *and* motor: no single class) give None.
    """
    if value is None:
        return None
    text = _normalise_word(value)
    if text in CELL_CLASSES and text != UNKNOWN:
        return text
    return _CLASS_OF_WORD.get(text)


def is_given(value: object) -> bool:
    """Whether a node value says something (``NA``, empty, ``unknown`` do not)."""
    return value is not None and _normalise_word(value) not in _NOT_GIVEN
