"""Where null graphs come from: :mod:`topocli.nullmodels`, named in one place."""

from __future__ import annotations

import igraph as ig


def draw(graph: ig.Graph, model: str, count: int, *, seed: int, jobs: int = 1,
         **params) -> list[ig.Graph]:
    """``count`` nulls of ``graph``; null ``i`` uses ``derive_seed(seed, model, i)``."""
    from topocli import nullmodels

    return nullmodels.generate_many(graph, model, count, seed=seed, jobs=jobs, **params)
