"""Graph -> DAG -> RandWire-style network -> trained accuracy (``topocli train``).

One public trainer, :func:`train_graph`; the modules, by layer:

==================  ====================================================================
``config``          :class:`TrainConfig` (each field's default, help and choices), the
                    names it chooses between, presets; no torch
``data``            datasets (digits, MNIST-1D, IDX, CIFAR-10) and their splits
``dag``             graph -> DAG (four orientations), topological levels
``model``           :class:`~topocli.training.model.RandWireNet`: stem, stages, heads;
                    params and MACs
``stage``           :class:`~topocli.training.stage.DagStage`, level by level, and its
                    per-node reference
``_autograd``       the stage's autograd function: typed per-level parameters, the
                    hand-written backward, one seam between the compiled passes and the
                    per-edge torch path
``_edge_kernels``,  the compiled CPU passes (numba)
``_bn_kernels``
``train``           the trainer as a recipe: setup, epochs, evaluation, result
``run``             a run's folder, checkpoint and early-stopping state
``stack``           several runs of one seed trained as one model (``--stack``)
``device``          which device a run uses
==================  ====================================================================

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
