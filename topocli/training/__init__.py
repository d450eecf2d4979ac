"""Graph -> DAG -> RandWire-style network -> trained accuracy (``topocli train``).

Names load on first use (PEP 562), so ``topocli.training.config`` (the config and the
names it chooses between) is read without importing torch: the CLI builds its options
from it.
"""

from __future__ import annotations

import importlib

__all__ = ["DAG_METHODS", "DATASETS", "Dag", "TrainConfig", "build_dag", "load_dataset",
           "train_graph"]

_HOMES = {"DAG_METHODS": "config", "DATASETS": "config", "TrainConfig": "config",
          "Dag": "dag", "build_dag": "dag", "load_dataset": "data", "train_graph": "train"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
