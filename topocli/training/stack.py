"""Stacked training: several runs that share a seed trained as one batched model.

Runs of a sweep that share the training seed see the same data order and the same
batches, so K of them (K graphs) can take every step together. :class:`StackedNet` runs
the disjoint union of their DAGs level by level: level ``l`` of every graph is one level
of the union (:func:`union_dag`), computed by the same grouped-conv calls of
:func:`topocli.training._autograd.run_stage`, so the per-call overhead of a level is
paid once for K graphs instead of K times. Stems and heads stay each run's own modules,
called in turn (they are a few percent of a step at the digits budget).

Each run keeps its own parameters (the union level's parameters are the runs' own,
concatenated on every forward so that the gradient flows back to each), its own
optimiser (the trainer steps one per run: identical to
training alone, whatever the optimiser and weight decay), its own BN statistics (each
run's running-mean and -variance buffers are views into the union level's), curve,
checkpoint and result. The loss is the sum of the runs' losses; the parameters are
disjoint, so each run's gradient is its solo gradient. A run's result therefore does not
depend on what it was stacked with, up to float rounding (the same sums taken in another
order): ``tests/test_stack.py`` trains three graphs stacked and each alone and compares
losses, parameters, BN statistics and accuracies.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from topocli.errors import TopocliError
from topocli.progress import ProgressFn
from topocli.training._autograd import LevelParams, run_stage
from topocli.training.config import TrainConfig
from topocli.training.dag import Dag
from topocli.training.model import RandWireNet
from topocli.training.stage import DagStage

__all__ = ["StackedNet", "StackedStage", "train_stack", "union_dag"]

def union_dag(dags: Sequence[Dag]) -> tuple[Dag, np.ndarray]:
    """The disjoint union of ``dags``, numbered level-major.

    Node ids run over level 0 of graph 0, level 0 of graph 1, ..., then level 1 of every
    graph, and so on, so that each level of the union is one contiguous id range (what
    :class:`~topocli.training.stage._Level` needs) and, inside it, each graph's nodes keep
    their own order. Every graph's edges therefore appear in the union level in the same
    order as in the graph's own level, and the union level's edge weights are the
    graphs' edge weights concatenated.

    Returns
    -------
    (Dag, numpy.ndarray)
        The union, and the graph index of each union node.
    """
    if not dags:
        raise TopocliError("a stack needs at least one graph")
    depth = max(d.depth for d in dags)
    maps = [np.empty(d.n, dtype=np.int64) for d in dags]
    level, graph_of = [], []
    for k in range(depth):
        for g, d in enumerate(dags):
            nodes = np.flatnonzero(d.level == k)
            maps[g][nodes] = np.arange(len(level), len(level) + len(nodes))
            level += [k] * len(nodes)
            graph_of += [g] * len(nodes)
    edges = np.unique(np.concatenate([m[d.edges] for m, d in zip(maps, dags)]), axis=0)
    union = Dag(n=len(level), edges=edges, level=np.asarray(level, dtype=np.int64),
                stats={"method": "stack", "graphs": len(dags)})
    return union, np.asarray(graph_of, dtype=np.int64)


class StackedStage(DagStage):
    """Stage ``s`` of K networks as one stage over the union of their DAGs.

    Input ``(B, H, W, K, C_in)`` (graph ``g``'s stage input at ``[:, :, :, g]``); output
    ``(K, B, H', W', C)``, each graph's output nodes averaged apart. The union levels hold
    wiring and BN statistics only; the parameters are the member stages' (``members``),
    concatenated per call. Build it on the members' device and do not move it: the
    members' BN buffers become views into the union's.
    """

    def __init__(self, stages: Sequence[DagStage]):
        first = stages[0]
        for stage in stages[1:]:
            if (stage.channels, stage.in_channels, stage.levels[0].stride) != (
                    first.channels, first.in_channels, first.levels[0].stride):
                raise TopocliError("stacked runs must share channels and strides")
        union, graph_of = union_dag([s.dag for s in stages])
        device = first.levels[0].running_mean.device
        with torch.random.fork_rng(devices=[]):   # the union's own init draws are unused
            super().__init__(union, first.channels, stride=first.levels[0].stride,
                             in_channels=first.in_channels, chunk_bytes=first.chunk_bytes)
        self.to(device)
        self.n_graphs = len(stages)
        # plain lists: the members are registered in their own networks, not here
        self.members = [[s.levels[k] for s in stages if k < len(s.levels)]
                        for k in range(len(self.levels))]
        for lv, members in zip(self.levels, self.members):
            if len(lv.edge_pairs) != sum(len(m.edge_pairs) for m in members):
                raise AssertionError("union level does not hold its members' edges")
            for name in LevelParams._fields:
                delattr(lv, name)
            for name in ("running_mean", "running_var"):
                joined = torch.cat([getattr(m, name) for m in members])
                setattr(lv, name, joined)
                offset = 0
                for m in members:   # from now on the member's statistics live in the union
                    size = getattr(m, name).numel()
                    setattr(m, name, joined[offset:offset + size])
                    offset += size
        self.levels[0].input_graph = torch.as_tensor(
            graph_of[union.level == 0], device=device)
        # output node -> its graph, and each graph's output nodes
        self.output_graph = {int(v): int(graph_of[v]) for v in union.output_nodes()}
        self.graph_outputs = [[v for v, g in self.output_graph.items() if g == k]
                              for k in range(self.n_graphs)]

    def chunk_nodes(self, x: torch.Tensor) -> int:
        if self.chunk_bytes is None:
            return self.dag.n
        b, h, w = x.shape[:3]
        per_node = b * h * w * max(self.channels, self.in_channels) * x.element_size()
        return max(1, self.chunk_bytes // per_node)

    def average_outputs(self, rows: list) -> torch.Tensor:
        """Each graph's output nodes averaged apart: ``(K, B, H, W, C)``."""
        first = rows[self.graph_outputs[0][0]]
        y = first.new_zeros((self.n_graphs, *first.shape))
        for g, outputs in enumerate(self.graph_outputs):
            for v in outputs:
                y[g].add_(rows[v])
            y[g].div_(len(outputs))
        return y

    def output_grads(self, grad_y: torch.Tensor) -> dict[int, torch.Tensor]:
        shares = [grad_y[g].reshape(-1) / len(outputs)
                  for g, outputs in enumerate(self.graph_outputs)]
        return {v: shares[g] for v, g in self.output_graph.items()}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params = []
        for members in self.members:
            joined = []
            for name in LevelParams._fields:
                tensors = [getattr(m, name) for m in members]
                joined.append(tensors[0] if len(tensors) == 1 else torch.cat(tensors))
            params.append(LevelParams(*joined))
        return run_stage(self, x, params)   # (K, B, H, W, C)

    def forward_reference(self, x, *, channels_last=False):
        raise NotImplementedError("a stacked stage has no per-node reference; run each "
                                  "member stage's forward_reference")


class StackedNet(nn.Module):
    """K :class:`~topocli.training.model.RandWireNet` s of one config, one forward.

    ``forward(x)`` returns a list of K logits tensors (run ``g``'s from its own stem,
    its stages inside the union stages, its own head). Build it after the networks are on
    their device; the networks stay usable alone (and share their BN statistics with it).
    """

    def __init__(self, models: Sequence[RandWireNet]):
        super().__init__()
        models = list(models)
        if len({len(m.stages) for m in models}) != 1 or \
                len({m.head_kind for m in models}) != 1:
            raise TopocliError("stacked runs must share stages and head")
        self.models = nn.ModuleList(models)
        self.stages = nn.ModuleList(StackedStage([m.stages[s] for m in models])
                                    for s in range(len(models[0].stages)))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = x.contiguous(memory_format=torch.channels_last)
        features = [m.stem(x) for m in self.models]
        if len(self.stages):
            h = torch.stack([f.permute(0, 2, 3, 1) for f in features], 3)  # (B, H, W, K, C)
            for stage in self.stages:
                y = stage(h)                                                 # (K, B, H, W, C)
                h = y.permute(1, 2, 3, 0, 4).contiguous()
            features = [y[g].permute(0, 3, 1, 2) for g in range(len(self.models))]
        return [m.head(f) for m, f in zip(self.models, features)]


def train_stack(graphs: Sequence, config: TrainConfig, *,
                out_dirs: Sequence[str | Path | None] | None = None,
                progress: ProgressFn | None = None) -> list[dict]:
    """Train every graph under ``config`` (one seed) together; one result per graph.

    Each result is what :func:`topocli.training.train_graph` returns for that graph alone
    (to float rounding), plus ``stacked_with`` (how many other runs shared its steps; its
    ``wall_time_s`` is the stack's). ``out_dirs`` gives each run its own folder
    (``config.json``, ``checkpoint.pt``, ``result.json``, ``curve.csv``); runs resumed
    from checkpoints must all have stopped after the same epoch.
    """
    from topocli.training.train import _train_runs

    graphs = list(graphs)
    if config.patience > 0 and len(graphs) > 1:   # before any folder is claimed
        raise TopocliError("--patience stops each run at its own epoch, so a run's result "
                           "would depend on its stack; train with --stack 1")
    if config.no_graph:
        graphs = [None] * len(graphs)
    return _train_runs(graphs, config, out_dirs=out_dirs, progress=progress,
                      combine=StackedNet if len(graphs) > 1 else None)
