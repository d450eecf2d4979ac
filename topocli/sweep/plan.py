"""Plan a sweep: which graphs exist, which (graph, seed) runs train, and their seeds.

A plan is pure data computed from the sweep's options alone, so a resumed, parallel or
distributed sweep plans exactly the same graphs and runs as the first serial one.

Seeds
-----
- Null graph ``i`` of family ``f`` uses ``derive_seed(seed, f, i)``, the same stream
  :func:`topocli.nullmodels.generate_many` uses, so ``topocli rewire`` with the same base
  seed draws the same graphs.
- Training seed ``k`` is ``derive_seed(seed, "train", k)`` for *every* graph: the real
  graph and each null are trained with the same K seeds (a paired design, so differences
  between graphs are not differences between seed draws).
- Graph statistics use ``derive_seed(seed, "statistics", graph_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from topocli.errors import TopocliError
from topocli.seeding import derive_seed

__all__ = ["GraphSpec", "RunSpec", "SweepPlan", "parse_families", "plan_sweep"]

REAL = "real"


@dataclass(frozen=True)
class GraphSpec:
    """One graph of the sweep: the real one (family ``real``) or a null sample."""

    graph_id: str
    family: str
    index: int
    seed: int  # null-model seed (0 for the real graph, which draws nothing)
    statistics_seed: int

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


def graph_id(family: str, index: int) -> str:
    return REAL if family == REAL else f"{family}-{index:03d}"


def plan_sweep(families: list[str], *, count: int, seeds: int, seed: int) -> SweepPlan:
    """Graphs: ``real`` (if listed) plus ``count`` samples of each null family; runs:
    every graph times ``seeds`` training seeds, graph-major in the order given."""
    if count < 1:
        raise TopocliError(f"--count must be at least 1 (got {count})")
    if seeds < 1:
        raise TopocliError(f"--seeds must be at least 1 (got {seeds})")
    graphs = []
    for family in families:
        for i in range(1 if family == REAL else count):
            gid = graph_id(family, i)
            gseed = 0 if family == REAL else derive_seed(seed, family, i)
            graphs.append(GraphSpec(gid, family, i, gseed,
                                    derive_seed(seed, "statistics", gid)))
    train_seeds = [derive_seed(seed, "train", k) for k in range(seeds)]
    runs = [RunSpec(f"{g.graph_id}-s{k}", g.graph_id, g.family, k, train_seeds[k])
            for g in graphs for k in range(seeds)]
    return SweepPlan(tuple(graphs), tuple(runs))
