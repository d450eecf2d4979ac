"""Null models: random graphs that share some statistics of a connectome and randomise the rest.

Every model is a function ``f(graph, *, seed, **params) -> igraph.Graph`` that does not
modify its input and returns the same graph for the same seed:

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
========  ============================================================  ===============

``degree`` is the default because a directed connectome stores each gap junction as two
opposite arcs (Varshney: reciprocity 0.47); ``inout`` nulls destroy those pairs (0.08), so
their undirected views are denser than the connectome's and every undirected statistic
would be compared with denser graphs. ``ws`` keeps ring order and ``ba`` arrival order as
node ids (nothing is permuted).

``degree``, ``inout``, ``config``, ``lattice`` and ``sbm`` keep node names and classes;
``er``, ``ws`` and ``ba`` name nodes ``n0..`` and give them the source's classes in a seeded random
order. ``ws`` and ``ba`` are undirected models: a directed source is matched through its
undirected view (as RandWire and the Deep Connectomics Networks paper use them).
Every null carries graph attributes ``null_model``, ``null_params`` (JSON), ``seed``;
``degree``/``inout``/``lattice`` add ``swaps_attempted`` and ``swaps_accepted``; ``ba`` adds
``m_source`` and ``m_mismatch`` (0 since ``ba`` matches m exactly).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.nullmodels.blocks import block_densities, stochastic_block_model
from topocli.nullmodels.ensemble import generate_many, write_ensemble
from topocli.nullmodels.landscape import clustering_landscape
from topocli.nullmodels.random import barabasi_albert, configuration, erdos_renyi
from topocli.nullmodels.rewiring import (
    SwapResult,
    degree_preserving_edge_arrays,
    degree_preserving_rewire,
    in_out_rewire,
    lattice_reference,
)
from topocli.nullmodels.smallworld import watts_strogatz

__all__ = ["MODELS", "SwapResult", "block_densities", "check_model",
           "degree_preserving_edge_arrays", "degree_preserving_rewire", "generate",
           "in_out_rewire",
           "generate_many", "lattice_reference", "model_function", "write_ensemble"]

MODELS: tuple[str, ...] = ("er", "ws", "ba", "degree", "inout", "config", "lattice", "sbm",
                           "landscape")

_FUNCTIONS: dict[str, Callable[..., ig.Graph]] = {
    "er": erdos_renyi,
    "ws": watts_strogatz,
    "ba": barabasi_albert,
    "degree": degree_preserving_rewire,
    "inout": in_out_rewire,
    "config": configuration,
    "lattice": lattice_reference,
    "sbm": stochastic_block_model,
    "landscape": clustering_landscape,
}


def check_model(model: str) -> str:
    """Return ``model`` if known, else raise a TopocliError naming the closest one."""
    if model in _FUNCTIONS:
        return model
    close = difflib.get_close_matches(str(model), MODELS, n=1, cutoff=0.3)
    hint = f"did you mean {close[0]}? " if close else ""
    raise TopocliError(f"unknown null model {model!r}; {hint}choose from {', '.join(MODELS)}")


def model_function(model: str) -> Callable[..., ig.Graph]:
    return _FUNCTIONS[check_model(model)]


def generate(graph: ig.Graph, model: str, *, seed: int | np.random.Generator | None,
             **params) -> ig.Graph:
    """One null graph of ``model`` for ``graph`` (see the table in the module docstring)."""
    func = model_function(model)
    try:
        return func(graph, seed=seed, **params)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopocliError(f"null model {model} does not take that option ({exc})") from None
        raise
