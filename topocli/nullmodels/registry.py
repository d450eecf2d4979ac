"""The null models topocli knows: one frozen record per model, the one place their facts live.

A :class:`NullModel` says what a model is (its generator, whether it makes undirected
graphs whatever the source, whether it keeps the source's nodes), what it holds exactly
(the quantities the fidelity table checks) and how ``topocli rewire`` spells its options.
Its options themselves (names, types, defaults) are read from the generator's signature,
so a default lives in the function that uses it. Everything that depends on a model reads
its record here:

- ``topocli rewire --model`` and ``analyze --null-model`` (the choices), the rewire
  option flags (one per distinct :class:`CliOption`) and which models an option applies
  to;
- :func:`topocli.analysis.analyze` and the sweep's direction rule
  (:mod:`topocli.sweep.direction`): an ``undirected`` model is compared with the
  undirected view of a directed source, or refused where directions must stay;
- ``--grid MODEL.PARAM=...`` (:mod:`topocli.nullmodels.grid`): parameter names and types;
- the fidelity table (:mod:`topocli.analysis.fidelity`): :meth:`NullModel.promises` and
  ``keeps_nodes`` (sequences compared node by node);
- :func:`topocli.nullmodels.generate_many`: a ``batch`` generator where a model has one.

Adding a model is its own module plus one :func:`register` call (below, for the
built-in ones). A model registered at run time exists in the registering process only:
worker processes (``--jobs`` > 1, Dask) import the built-in registry.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

import igraph as ig

from topocli.errors import TopocliError
from topocli.nullmodels.blocks import stochastic_block_model
from topocli.nullmodels.heavytail import heavy_tailed_configuration
from topocli.nullmodels.hubcap import hub_capped
from topocli.nullmodels.landscape import clustering_landscape
from topocli.nullmodels.random import barabasi_albert, configuration, erdos_renyi
from topocli.nullmodels.rewiring import (
    degree_preserving_rewire,
    in_out_rewire,
    lattice_reference,
    swap_nulls,
)
from topocli.nullmodels.smallworld import watts_strogatz
from topocli.nullmodels.thin import thinned

__all__ = ["REQUIRED", "CliOption", "ModelOption", "NullModel", "check_model", "generate",
           "get", "model_function", "names", "records", "register", "registered",
           "undirected_models", "unregister"]

#: The default of an option the generator requires (no default in its signature).
REQUIRED = inspect.Parameter.empty
#: A generator's arguments that are not options of the model.
_NOT_OPTIONS = ("graph", "seed")
_KINDS = re.compile(r"\b(bool|int|float|str)\b")


@dataclass(frozen=True)
class CliOption:
    """How ``topocli rewire`` spells one generator option.

    ``help`` is the text after the models' names (``ws: rewiring probability (0.1).``);
    ``valid`` a check of a given value, refused as ``FLAGS must be MUST, not VALUE``.
    Models that share a flag share one record (and so its help and check).
    """

    param: str
    flags: tuple[str, ...]
    help: str
    must: str | None = None
    valid: Callable[[object], bool] | None = None

    @property
    def spelled(self) -> str:
        """``-Q/--swaps-per-edge``: the flags as error messages name them."""
        return "/".join(self.flags)

    def check(self, value: object) -> None:
        """Refuse a value ``valid`` rejects with a one-line :class:`TopocliError`."""
        if self.valid is not None and not self.valid(value):
            raise TopocliError(f"{self.spelled} must be {self.must}, not {value}")


@dataclass(frozen=True)
class ModelOption:
    """One keyword option of a generator, as its signature declares it."""

    name: str
    kinds: frozenset[str]     # of bool, int, float, str named by the annotation
    default: object           # REQUIRED when the signature gives none
    cli: CliOption | None     # how rewire spells it (None: --grid and Python only)

    @property
    def kind(self) -> str:
        """``bool``, ``int``, ``float`` or ``str``: the one type a value is checked as."""
        if "bool" in self.kinds and not self.kinds & {"int", "float"}:
            return "bool"
        if "float" in self.kinds:
            return "float"
        return "int" if "int" in self.kinds else "str"


@dataclass(frozen=True)
class NullModel:
    """Everything topocli needs to know about one null model.

    ``undirected``: the model makes undirected graphs whatever the source, so a directed
    source is matched through its undirected view (``analyze``) or refused where
    directions must stay (``train-sweep --dag feedback-arc``). ``keeps_nodes``: null
    vertex ``i`` is the source's vertex ``i`` (names and classes kept; the fidelity table
    compares sequences node by node). ``holds``: quantities held exactly on every source
    (fidelity-table names; ``degree sequence`` reads ``in/out-degree sequences`` on a
    directed graph); ``holds_directed``: further ones on a directed source, when the
    option ``holds_directed_if`` (if any) is true. ``batch``: ``f(graph, seeds,
    **options) -> list[Graph]``, equal to one ``function`` call per seed but faster.
    """

    name: str
    function: Callable[..., ig.Graph]
    summary: str
    undirected: bool = False
    keeps_nodes: bool = False
    holds: frozenset[str] = frozenset({"n"})
    holds_directed: frozenset[str] = frozenset()
    holds_directed_if: str | None = None
    cli: tuple[CliOption, ...] = ()
    batch: Callable[..., list[ig.Graph]] | None = field(default=None, compare=False)

    @property
    def options(self) -> tuple[ModelOption, ...]:
        """The generator's keyword options: name, types and default from its signature,
        with the rewire spelling from ``cli``."""
        spelled = {c.param: c for c in self.cli}
        out = []
        for name, p in inspect.signature(self.function).parameters.items():
            if name in _NOT_OPTIONS or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            note = p.annotation if isinstance(p.annotation, str) else \
                getattr(p.annotation, "__name__", str(p.annotation))
            out.append(ModelOption(name, frozenset(_KINDS.findall(str(note))), p.default,
                                   spelled.get(name)))
        return tuple(out)

    def option(self, name: str) -> ModelOption:
        """The option ``name`` (KeyError if the generator has none)."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(name)

    def promises(self, directed: bool, params: Mapping | None = None) -> frozenset[str]:
        """The quantities this model holds exactly on a graph of this directedness, with
        options ``params`` (the fidelity table's "promised" column)."""
        held = set(self.holds)
        if directed and "degree sequence" in held:
            held.discard("degree sequence")
            held.add("in/out-degree sequences")
        if directed and self.holds_directed:
            switch = self.holds_directed_if
            if switch is None or bool((params or {}).get(switch, self.option(switch).default)):
                held |= self.holds_directed
        return frozenset(held)


_REGISTRY: dict[str, NullModel] = {}


def register(model: NullModel, *, replace: bool = False) -> NullModel:
    """Add ``model`` to the registry (``replace``: over a record of the same name).

    Raises
    ------
    ValueError
        A name already taken, a ``cli`` entry for an option the generator lacks, or a
        flag or option name another model spells with a different :class:`CliOption`
        (``rewire`` has one flag per option name).
    """
    if model.name in _REGISTRY and not replace:
        raise ValueError(f"a null model named {model.name!r} is already registered")
    known = {opt.name for opt in model.options}
    others = [c for other in _REGISTRY.values() if other.name != model.name
              for c in other.cli]
    for c in model.cli:
        if c.param not in known:
            raise ValueError(f"{model.name}: cli option {c.param!r} is not an option of "
                             f"{model.function.__name__}")
        if any((o.flags == c.flags or o.param == c.param) and o != c for o in others):
            raise ValueError(f"{model.name}: {c.spelled} ({c.param}) is already spelled "
                             "differently by another model")
    _REGISTRY[model.name] = model
    return model


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


@contextlib.contextmanager
def registered(model: NullModel) -> Iterator[NullModel]:
    """Register ``model`` for a block (a plug-in's test, a one-off study), then remove it."""
    register(model)
    try:
        yield model
    finally:
        unregister(model.name)


def names() -> tuple[str, ...]:
    """Registered model names, in registration order."""
    return tuple(_REGISTRY)


def records() -> tuple[NullModel, ...]:
    return tuple(_REGISTRY.values())


def undirected_models() -> tuple[str, ...]:
    """Models that make undirected graphs whatever the source (the direction rule)."""
    return tuple(m.name for m in _REGISTRY.values() if m.undirected)


def get(name: str) -> NullModel:
    """The record of ``name``, else a :class:`TopocliError` naming the closest model."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    close = difflib.get_close_matches(str(name), names(), n=1, cutoff=0.3)
    hint = f"did you mean {close[0]}? " if close else ""
    raise TopocliError(f"unknown null model {name!r}; {hint}choose from {', '.join(names())}")


# ----------------------------------------------------------------- the built-in models
_N_M = frozenset({"n", "m"})
_DEGREES = frozenset({"n", "m", "degree sequence"})
_SWAPS = CliOption("swaps_per_edge", ("-Q", "--swaps-per-edge"), "swap trials per edge (10).",
                   must="a number > 0",
                   valid=lambda q: math.isfinite(q) and q > 0)
_CONNECTED = CliOption("connected", ("--connected",), "keep the graph connected.")


def _count_option(param: str, help: str) -> CliOption:
    """A whole-number option of at least 1, spelled ``--param-name``."""
    return CliOption(param, ("--" + param.replace("_", "-"),), help, must="at least 1",
                     valid=lambda value: value >= 1)


register(NullModel(
    "er", erdos_renyi, "n, m, directedness; directed: mutual pairs (U|MAN)",
    holds=_N_M, holds_directed=frozenset({"m_undirected", "reciprocity"}),
    holds_directed_if="keep_mutual"))
register(NullModel(
    "ws", watts_strogatz, "n, m exactly (k-ring, then edges added/removed), connected",
    undirected=True, holds=_N_M, cli=(
        CliOption("p", ("--p",), "rewiring probability (0.1).",
                  must="a probability in [0, 1]", valid=lambda p: 0.0 <= p <= 1.0),
        CliOption("k", ("--k",), "ring neighbours, even (default: nearest even mean "
                  "degree, then edges added/removed to match m; a given k keeps n*k/2 "
                  "edges).", must="an even number >= 2 (ring neighbours)",
                  valid=lambda k: k >= 2 and not k % 2),
        CliOption("match_clustering", ("--match-clustering",),
                  "choose p so the expected clustering matches the graph's."))))
register(NullModel(
    "ba", barabasi_albert, "n, m exactly (per-step attachment counts), connected",
    undirected=True, holds=_N_M, cli=(_count_option(
        "m_attach", "edges per new node (default: per-step counts that give m exactly)."),)))


def _swap_chain(name: str, function: Callable[..., ig.Graph], summary: str,
                **more) -> NullModel:
    """A model of the compiled swap chains: nodes and degrees kept, one batch per worker."""
    return NullModel(name, function, summary, keeps_nodes=True, holds=_DEGREES,
                     cli=(_SWAPS, _CONNECTED), batch=partial(swap_nulls, model=name), **more)


register(_swap_chain(
    "degree", degree_preserving_rewire,
    "in/out-degree and mutual pairs of every node (Milo 2002)",
    holds_directed=frozenset({"m_undirected", "reciprocity", "mutual pairs per node",
                              "undirected degree sequence"})))
register(_swap_chain(
    "inout", in_out_rewire, "in/out-degree of every node (plain Maslov-Sneppen swaps)"))
register(NullModel(
    "config", configuration, "degree sequence(s), nothing of the edges",
    keeps_nodes=True, holds=_DEGREES))
register(_swap_chain(
    "lattice", lattice_reference, "degrees, edges pushed to a ring lattice (latmio)"))
register(NullModel(
    "sbm", stochastic_block_model, "class-to-class edge densities (blocks = cell classes)",
    keeps_nodes=True))
register(NullModel(
    "landscape", clustering_landscape,
    "n, m; p and a target transitivity move C and L independently",
    undirected=True, holds=_N_M))
register(NullModel(
    "hubcap", hub_capped, "the graph with its hubs capped at ER's maximum degree; n, m",
    undirected=True, keeps_nodes=True, holds=_N_M, cli=(_count_option(
        "max_degree", "the degree cap (default: the median maximum degree of G(n, m))."),)))
register(NullModel(
    "heavytail", heavy_tailed_configuration,
    "n, m; heavy-tailed (BA or power-law) degrees, wired at random",
    undirected=True, holds=_N_M, cli=(
        CliOption("exponent", ("--exponent",), "power-law degree exponent (default: the "
                  "degree sequence of a ba graph).", must="a finite number > 2",
                  valid=lambda g: math.isfinite(g) and g > 2),)))

register(NullModel(
    "thin", thinned, "a random share (keep) of the edges; nodes kept (cost axis)",
    keeps_nodes=True, cli=(
        CliOption("keep", ("--keep",), "share of the edges kept (0.5).",
                  must="a share of edges in (0, 1]",
                  valid=lambda k: math.isfinite(k) and 0 < k <= 1),)))


# ----------------------------------------------------------------- lookups
def check_model(model: str) -> str:
    """Return ``model`` if registered, else raise a TopocliError naming the closest one."""
    return get(model).name


def model_function(model: str) -> Callable[..., ig.Graph]:
    return get(model).function


def generate(graph: ig.Graph, model: str, *, seed, **params) -> ig.Graph:
    """One null graph of ``model`` for ``graph`` (see the table in the module docstring)."""
    func = model_function(model)
    try:
        return func(graph, seed=seed, **params)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopocliError(f"null model {model} does not take that option ({exc})") from None
        raise
