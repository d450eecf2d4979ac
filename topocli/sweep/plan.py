"""Plan a sweep: which graphs exist, which (graph, seed) runs train, and their seeds.

A plan is pure data computed from the sweep's options alone, so a resumed, parallel or
distributed sweep plans exactly the same graphs and runs as the first serial one.

Seeds
-----
- Null graph ``i`` of model ``f`` uses ``derive_seed(seed, f, i)``, the same stream
  :func:`topocli.nullmodels.generate_many` uses, so ``topocli rewire`` with the same base
  seed draws the same graphs. Every point of a parameter grid (``--grid ws.p=0,1``) draws
  from the same streams (common random numbers: the points differ by their parameters).
- Training seed ``k`` is ``derive_seed(seed, "train", k)`` for *every* graph: the real
  graph and each null are trained with the same K seeds (a paired design, so differences
  between graphs are not differences between seed draws).
- Graph statistics use ``derive_seed(seed, "statistics", graph_id)``.

Several real graphs
-------------------
With several real graphs (``references``) each gets its own matched nulls: graph ids are
prefixed ``<reference>.`` (``varshney.ws-000``), every graph records its ``reference``,
and the training seeds stay the same for every graph of every reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from topocli.errors import TopocliError
from topocli.nullmodels.grid import GridPoint
from topocli.seeding import derive_seed

__all__ = ["DEFAULT_PRIMARY", "GraphSpec", "RunSpec", "SweepPlan", "parse_families", "plan_sweep"]

REAL = "real"
#: The comparison a sweep's headline tests unless it declares another (``--primary``):
#: the real graph against its degree-preserving nulls, which tests wiring beyond the
#: degree sequence (Milo et al. 2002; Maslov & Sneppen 2002).
DEFAULT_PRIMARY = "degree"


@dataclass(frozen=True)
class GraphSpec:
    """One graph of the sweep: a real one (family ``real``) or a null sample.

    ``family`` is the label graphs are grouped by (``ws``, or ``ws p=0.01`` for a grid
    point); ``model`` the generator that draws it (``real`` draws nothing), with the grid
    ``params`` on top of the sweep's per-model parameters; ``reference`` names the real
    graph it is matched to (empty in a sweep of one real graph).
    """

    graph_id: str
    family: str
    index: int
    seed: int  # null-model seed (0 for the real graph, which draws nothing)
    statistics_seed: int
    model: str = ""
    params: tuple[tuple[str, object], ...] = ()
    reference: str = ""

    @property
    def generator(self) -> str:
        return self.model or self.family

    @property
    def file(self) -> str:
        return f"graphs/{self.graph_id}.graphml.gz"


@dataclass(frozen=True)
class RunSpec:
    """One training run: a graph and the k-th training seed."""

    run_id: str
    graph_id: str
    family: str
    seed_index: int
    seed: int
    reference: str = ""


@dataclass(frozen=True)
class SweepPlan:
    graphs: tuple[GraphSpec, ...]
    runs: tuple[RunSpec, ...]

    def summary(self) -> str:
        """``9 graphs (real 1, ws 2, er 2), 18 runs (2 seeds each)``."""
        counts: dict[str, int] = {}
        for g in self.graphs:
            counts[g.family] = counts.get(g.family, 0) + 1
        per = ", ".join(f"{f} {n}" for f, n in counts.items())
        seeds = len(self.runs) // max(1, len(self.graphs))
        return (f"{len(self.graphs)} graphs ({per}), {len(self.runs)} runs "
                f"({seeds} seed{'s' if seeds != 1 else ''} each)")


def parse_families(text: str | list[str] | tuple[str, ...], known: tuple[str, ...]) -> list[str]:
    """Split ``real,ws,er`` into a list, refusing unknown or repeated names."""
    names = text.split(",") if isinstance(text, str) else list(text)
    names = [n.strip().lower() for n in names if n.strip()]
    if not names:
        raise TopocliError("--families is empty; give e.g. --families real,ws,er,ba,degree")
    allowed = (REAL,) + tuple(known)
    for name in names:
        if name not in allowed:
            raise TopocliError(f"unknown family {name!r} in --families; choose from "
                               f"{', '.join(allowed)}")
    if len(set(names)) != len(names):
        raise TopocliError(f"--families lists a family twice ({','.join(names)}); "
                           "give each once")
    return names


def graph_id(family: str, index: int, reference: str = "") -> str:
    base = REAL if family == REAL else f"{family}-{index:03d}"
    return f"{reference}.{base}" if reference else base


def plan_sweep(families: list[str], *, count: int, seeds: int, seed: int,
               grid: Sequence[GridPoint] = (), references: Sequence[str] = ("",)
               ) -> SweepPlan:
    """Graphs: per reference, ``real`` (if listed), ``count`` samples of each null family
    and of each grid point (a model that has a grid is drawn at its points only); runs:
    every graph times ``seeds`` training seeds, graph-major in the order given."""
    if count < 1:
        raise TopocliError(f"--count must be at least 1 (got {count})")
    if seeds < 1:
        raise TopocliError(f"--seeds must be at least 1 (got {seeds})")
    if len(set(references)) != len(references):
        raise TopocliError(f"the real graphs {', '.join(references)} are not all different")
    gridded = {p.model for p in grid}
    kinds = [(f, f, ()) for f in families if f not in gridded]
    kinds += [(p.label, p.model, p.params) for p in grid]
    graphs = []
    for reference in references:
        for family, model, params in kinds:
            for i in range(1 if family == REAL else count):
                name = GridPoint(model, params).slug if params else family
                gid = graph_id(name, i, reference)
                gseed = 0 if family == REAL else derive_seed(seed, model, i)
                graphs.append(GraphSpec(gid, family, i, gseed,
                                        derive_seed(seed, "statistics", gid), model=model,
                                        params=params, reference=reference))
    train_seeds = [derive_seed(seed, "train", k) for k in range(seeds)]
    runs = [RunSpec(f"{g.graph_id}-s{k}", g.graph_id, g.family, k, train_seeds[k],
                    g.reference)
            for g in graphs for k in range(seeds)]
    return SweepPlan(tuple(graphs), tuple(runs))
