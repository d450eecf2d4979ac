"""The graph as a reservoir: signed recurrent matrix, input nodes and readout nodes.

The recurrent matrix follows the usual echo-state convention ``W[i, j]`` = weight of the
synapse from node ``j`` onto node ``i`` (so ``x(t+1) = f(W x(t) + ...)``); an undirected
graph gives a symmetric matrix. Signs follow Dale's principle: every synapse of a node
has that node's sign.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from topocli.errors import TopocliError

__all__ = ["SIGN_RULES", "NODE_CHOICES", "adjacency_matrix", "carry_transmitters",
           "node_signs", "pick_nodes",
           "reservoir_statistics",
           "scale_to_spectral_radius", "spectral_radius"]

#: ``synapse``: each node's sign from the signs of the synapses it sends (the node
#: attribute ``sign`` the graph readers set from a file's signed synapses, e.g. the fly
#: visual system's; unsigned nodes excitatory); ``transmitter``: GABAergic neurons
#: inhibitory, every other node excitatory (needs the ``neurotransmitter`` attribute of
#: the bundled worm connectomes); ``random``: a seeded random ``inhibitory_fraction`` of
#: the nodes inhibitory; ``auto``: ``synapse`` where the graph has synapse signs, else
#: ``transmitter`` where it has transmitter data, else ``random``; ``none``: all
#: excitatory.
SIGN_RULES = ("auto", "synapse", "transmitter", "random", "none")
#: ``auto``: sensory (input) / motor (readout) neurons when the graph has those classes,
#: else every node; ``all``: every node.
NODE_CHOICES = ("auto", "all")


def adjacency_matrix(graph: ig.Graph, *, weighted: bool = False) -> np.ndarray:
    """Dense ``W[post, pre]``: 1 per edge, or the edge's ``weight`` if ``weighted``.

    Raises
    ------
    TopocliError
        A graph without nodes or edges (it has no recurrent dynamics to speak of).
    """
    n, m = graph.vcount(), graph.ecount()
    if n == 0 or m == 0:
        raise TopocliError(f"the graph has {n} nodes and {m} edges; a reservoir needs at "
                           "least one edge")
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64)
    values = (np.asarray(graph.es["weight"], dtype=float)
              if weighted and "weight" in graph.es.attributes() else np.ones(m))
    matrix = np.zeros((n, n))
    np.add.at(matrix, (edges[:, 1], edges[:, 0]), values)
    if not graph.is_directed():
        np.add.at(matrix, (edges[:, 0], edges[:, 1]), values)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def node_signs(graph: ig.Graph, rule: str = "auto", *, inhibitory_fraction: float = 0.2,
               seed: int | np.random.Generator | None = None) -> tuple[np.ndarray, str]:
    """+1 (excitatory) or -1 (inhibitory) per node, and the rule actually used.

    ``synapse`` takes the node attribute ``sign`` (< 0 inhibitory; 0, unknown, and
    missing values excitatory, as ``transmitter`` treats every node that is not GABAergic).
    ``transmitter`` marks a node inhibitory when its ``neurotransmitter`` names GABA (the
    main inhibitory transmitter of C. elegans motor and interneurons; glutamate-gated
    chloride channels also inhibit some targets, which a per-neuron sign cannot say).
    ``random`` draws exactly ``round(inhibitory_fraction * n)`` inhibitory nodes.
    """
    if rule not in SIGN_RULES:
        raise TopocliError(f"unknown sign rule {rule!r}; choose from {', '.join(SIGN_RULES)}")
    if not 0.0 <= inhibitory_fraction <= 1.0:
        raise TopocliError(f"--inhibitory-fraction must be in [0, 1], not {inhibitory_fraction}")
    n = graph.vcount()
    transmitters = (graph.vs["neurotransmitter"]
                    if "neurotransmitter" in graph.vs.attributes() else [None] * n)
    known = any(t for t in transmitters)
    given = _given_signs(graph)
    if rule == "auto":
        rule = "synapse" if given is not None else "transmitter" if known else "random"
    if rule == "none":
        return np.ones(n), rule
    if rule == "synapse":
        if given is None:
            raise TopocliError("--signs synapse needs synapse signs (a node or edge "
                               "attribute sign in the graph file, as the fly visual "
                               "system has), which this graph lacks; use --signs "
                               "transmitter or random")
        return np.where(given < 0, -1.0, 1.0), rule
    if rule == "transmitter":
        if not known:
            raise TopocliError("--signs transmitter needs neurotransmitter data, which this "
                               "graph lacks; use --signs random")
        inhibitory = np.array(["gaba" in str(t or "").lower() for t in transmitters])
        return np.where(inhibitory, -1.0, 1.0), rule
    rng = np.random.default_rng(seed)
    signs = np.ones(n)
    signs[rng.permutation(n)[:int(round(inhibitory_fraction * n))]] = -1.0
    return signs, rule


def _given_signs(graph: ig.Graph) -> np.ndarray | None:
    """The node attribute ``sign`` as floats (missing or non-numeric values 0), or
    ``None`` when no node is negative: signs that mark no inhibitory node (a 0/1 flag
    that happens to be called ``sign``) say nothing ``auto`` could use."""
    if "sign" not in graph.vs.attributes():
        return None
    values = np.nan_to_num(np.array([_number(s) for s in graph.vs["sign"]]), nan=0.0)
    return values if np.any(values < 0) else None


def _number(value) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def spectral_radius(matrix: np.ndarray) -> float:
    """Largest absolute eigenvalue.

    ARPACK's implicitly restarted Arnoldi on the sparse matrix (~5 ms at n = 279, 3,000
    edges) for matrices of 64 nodes or more, checked against dense LAPACK where it does
    not converge (a nilpotent or nearly degenerate spectrum); dense below that size.
    """
    n = matrix.shape[0]
    if n == 0:
        return 0.0
    if n >= 64:
        from scipy.sparse import csr_matrix
        from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigs

        try:
            value = eigs(csr_matrix(matrix), k=1, which="LM", return_eigenvectors=False,
                         v0=np.ones(n), tol=1e-10, maxiter=20 * n)
            radius = float(np.abs(value[0]))
            if radius > 1e-8:  # ARPACK is unreliable for a (near) nilpotent matrix
                return radius
        except (ArpackNoConvergence, ArpackError):
            pass
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def _acyclic(matrix: np.ndarray) -> bool:
    """Whether the nonzero pattern of ``matrix`` has no directed cycle (self-loops count)."""
    src, tgt = np.nonzero(matrix)
    return ig.Graph(n=matrix.shape[0], edges=np.column_stack([src, tgt]).tolist(),
                    directed=True).is_dag()


def scale_to_spectral_radius(matrix: np.ndarray, radius: float) -> np.ndarray:
    """``matrix`` scaled so that its spectral radius is ``radius``.

    Raises
    ------
    TopocliError
        When the matrix is nilpotent (spectral radius 0, e.g. a graph without cycles):
        it cannot be scaled to any radius.
    """
    current = spectral_radius(matrix)
    # A graph without cycles has a nilpotent matrix: its spectral radius is exactly 0, but
    # the computed one is round-off (1.6e-6 on the 193-cell mouse V1 graph, unsigned), so it is
    # recognised by its pattern, not by the number.
    if current < 1e-12 or _acyclic(matrix):
        raise TopocliError("the signed graph matrix has spectral radius 0 (no cycles, e.g. a "
                           "DAG), so it cannot be scaled to a spectral radius; use a graph "
                           "with cycles")
    return matrix * (radius / current)


def pick_nodes(graph: ig.Graph, choice: str, cell_class: str) -> tuple[np.ndarray, str]:
    """Indices of the input (``cell_class`` sensory) or readout (motor) nodes.

    ``auto`` takes the nodes of ``cell_class`` when the graph has some, else every node;
    returns the indices and what was used (``sensory``, ``motor`` or ``all``).
    """
    if choice not in NODE_CHOICES:
        raise TopocliError(f"unknown node choice {choice!r}; choose from "
                           f"{', '.join(NODE_CHOICES)}")
    n = graph.vcount()
    if choice == "auto" and "cell_class" in graph.vs.attributes():
        chosen = np.flatnonzero(np.asarray(graph.vs["cell_class"], dtype=object) == cell_class)
        if chosen.size:
            return chosen, cell_class
    return np.arange(n), "all"


#: Node attributes that sign a node, which a null that drops them is given
#: (:func:`carry_transmitters`).
_SIGNING_ATTRIBUTES = ("neurotransmitter", "sign")


def carry_transmitters(graph: ig.Graph, real: ig.Graph, *, seed: int) -> None:
    """Give a null without transmitter data (or synapse signs) the real graph's, in a
    seeded random order (in place), so that ``--signs transmitter`` (``synapse``) gives
    every family the same number of GABAergic (inhibitory) nodes. Both follow one order,
    so a node's transmitter and sign stay together. Attributes the graph has, or a graph
    whose size differs from the real graph's, are left as they are."""
    missing = [a for a in _SIGNING_ATTRIBUTES
               if a not in graph.vs.attributes() and a in real.vs.attributes()]
    if not missing or graph.vcount() != real.vcount():
        return
    order = np.random.default_rng(seed).permutation(real.vcount())
    for attr in missing:
        source = real.vs[attr]
        graph.vs[attr] = [source[i] for i in order]


def reservoir_statistics(graph: ig.Graph) -> dict[str, float]:
    """Statistics a reservoir's score is expected to depend on (for sweep tables).

    ``degree_cv`` (standard deviation over mean of the total degree: degree
    heterogeneity), ``adjacency_spectral_radius`` (largest eigenvalue modulus of the
    binary, unsigned adjacency matrix) and ``spectral_radius_over_mean_degree`` (1 for a
    regular graph; large when a few hubs dominate the leading eigenvector, which is what
    a global rescaling to one spectral radius then suppresses everywhere else).
    """
    degrees = np.asarray(graph.degree(), dtype=float)
    mean = float(degrees.mean()) if degrees.size else 0.0
    out = {"degree_cv": float(degrees.std() / mean) if mean > 0 else float("nan")}
    try:
        radius = spectral_radius(adjacency_matrix(graph))
    except TopocliError:  # no edges
        radius = float("nan")
    out["adjacency_spectral_radius"] = radius
    out["spectral_radius_over_mean_degree"] = radius / mean if mean > 0 else float("nan")
    return out
