"""Null models: random graphs that share some statistics of a connectome and randomise the rest.

Every model is a function ``f(graph, *, seed, **params) -> igraph.Graph`` that does not
modify its input and returns the same graph for the same seed, registered with one
frozen record in :mod:`topocli.nullmodels.registry` (whether it is undirected, keeps nodes,
what it holds, how ``rewire`` spells its options), which the CLI, the analysis, the
sweep's direction rule, ``--grid`` and the fidelity table read:

========  ============================================================  ===============
model     keeps                                                         module
========  ============================================================  ===============
er        n, m, directedness; directed: mutual pairs (U|MAN)            ``random``
ws        n, m exactly (k-ring, then edges added/removed), connected    ``smallworld``
ba        n, m exactly (per-step attachment counts), connected          ``random``
degree    in/out-degree and mutual pairs of every node (Milo 2002)      ``rewiring``
inout     in/out-degree of every node (plain Maslov-Sneppen swaps)      ``rewiring``
config    degree sequence(s), nothing of the edges                      ``random``
lattice   degrees, edges pushed to a ring lattice (latmio)              ``rewiring``
sbm       class-to-class edge densities (blocks = cell classes)         ``blocks``
landscape n, m; p and a target transitivity move C and L independently  ``landscape``
hubcap    the graph with its hubs capped at ER's maximum degree; n, m   ``hubcap``
heavytail n, m; heavy-tailed (BA or power-law) degrees, wired at random  ``heavytail``
thin      a random share (keep) of the edges; nodes kept (cost axis)    ``thin``
========  ============================================================  ===============

``degree`` is the default because a directed connectome stores each gap junction as two
opposite arcs (Varshney: reciprocity 0.47); ``inout`` nulls destroy those pairs (0.08), so
their undirected views are denser than the connectome's and every undirected statistic
would be compared with denser graphs. ``ws`` keeps ring order and ``ba`` arrival order as
node ids (nothing is permuted).

``degree``, ``inout``, ``config``, ``lattice``, ``sbm`` and ``hubcap`` keep node names and
classes (and transmitters and synapse signs, so each node keeps its sign); ``er``, ``ws``,
``ba`` and ``heavytail`` name nodes ``n0..`` and give them the source's classes in a
seeded random order. ``ws``, ``ba``, ``landscape``, ``hubcap`` and
``heavytail`` are undirected models: a directed source is matched through its undirected
view (as RandWire and the Deep Connectomics Networks paper use them). ``hubcap`` and
``heavytail`` are the hub controls: the connectome without its hubs, and random graphs
with hubs. ``thin`` keeps nodes and a random share of the edges (``rewire``: then
degree-preservingly rewired), the cost axis of ``train-sweep --grid thin.keep=...``.
Every null carries graph attributes ``null_model``, ``null_params`` (JSON), ``seed``;
``degree``/``inout``/``lattice`` add ``swaps_attempted`` and ``swaps_accepted``; ``ba`` adds
``m_source`` and ``m_mismatch`` (0 since ``ba`` matches m exactly).
"""

from __future__ import annotations

from topocli.nullmodels import registry
from topocli.nullmodels.blocks import block_densities
from topocli.nullmodels.ensemble import generate_many, write_ensemble
from topocli.nullmodels.registry import check_model, generate, model_function
from topocli.nullmodels.rewiring import (
    SwapResult,
    degree_preserving_edge_arrays,
    degree_preserving_rewire,
    in_out_rewire,
    lattice_reference,
)

__all__ = ["MODELS", "SwapResult", "block_densities", "check_model",
           "degree_preserving_edge_arrays", "degree_preserving_rewire", "generate",
           "in_out_rewire",
           "generate_many", "lattice_reference", "model_function", "registry",
           "write_ensemble"]

#: The built-in models (:func:`registry.names` also lists models registered later).
MODELS: tuple[str, ...] = registry.names()
