"""Named subcircuits of the bundled C. elegans connectomes, as views of a loaded graph.

:func:`subcircuit` keeps the nodes of one named circuit (an induced subgraph, node
attributes kept). The only circuit so far is ``motor``: the locomotion circuit that
Schmidgall et al. (2022) translate into networks, the command interneurons AVA, AVB,
AVD, AVE and PVC (left and right) with the ventral cord motor neurons (classes DA, DB,
DD, VA, VB, VD, AS and VC, numbered along the body).

References
----------
Schmidgall S, Schuman C, Parsa M (2022). Biological connectomes as a representation for
the architecture of artificial neural networks. arXiv:2209.14406.
White JG et al. (1986). The structure of the nervous system of the nematode
Caenorhabditis elegans. Phil Trans R Soc Lond B 314:1-340.
"""

from __future__ import annotations

import re

import igraph as ig

from topocli.errors import TopocliError

__all__ = ["CIRCUITS", "COMMAND_INTERNEURONS", "is_motor_circuit_neuron", "subcircuit"]

#: ``whole``: the graph as loaded; ``motor``: command interneurons + ventral cord motor
#: neurons.
CIRCUITS = ("whole", "motor")
COMMAND_INTERNEURONS = frozenset(f"{c}{s}" for c in ("AVA", "AVB", "AVD", "AVE", "PVC")
                                 for s in ("L", "R"))
_VENTRAL_CORD = re.compile(r"^(DA|DB|DD|VA|VB|VD|AS|VC)\d{1,2}$")
#: Fewest nodes a graph's motor circuit must have to be that circuit at all.
_MIN_NODES = 10


def is_motor_circuit_neuron(name: str) -> bool:
    """Whether ``name`` is a command interneuron or a ventral cord motor neuron."""
    name = str(name).strip().upper()
    return name in COMMAND_INTERNEURONS or bool(_VENTRAL_CORD.match(name))


def subcircuit(graph: ig.Graph, circuit: str = "whole") -> ig.Graph:
    """The nodes of ``circuit`` in ``graph`` (induced subgraph; ``whole``: ``graph``).

    Raises
    ------
    TopocliError
        An unknown circuit, or a graph whose node names do not name that circuit's
        neurons (a non-C. elegans graph, or one without cell names).
    """
    if circuit not in CIRCUITS:
        raise TopocliError(f"unknown circuit {circuit!r}; choose from {', '.join(CIRCUITS)}")
    if circuit == "whole":
        return graph
    names = graph.vs["name"] if "name" in graph.vs.attributes() else []
    keep = [i for i, name in enumerate(names) if is_motor_circuit_neuron(name)]
    if len(keep) < _MIN_NODES:
        raise TopocliError(f"the graph has {len(keep)} named motor-circuit neurons (AVA, DA1, "
                           "VB3, ...); --circuit motor needs a C. elegans connectome with "
                           "cell names, such as celegans-varshney2011")
    return graph.induced_subgraph(keep)
