"""A trained network as plain inference ops, and a trained run read back from its folder.

:class:`InferenceNet` computes what :class:`~topocli.training.model.RandWireNet` computes
in eval mode (the same function as ``forward_reference``) with ops every exporter and
runtime knows: no custom kernels, no Python loop over nodes. Each DAG level is

- its weighted input sums as one matrix product: the level's ``(n_k, N)`` matrix of
  sigmoid edge weights (zero where there is no edge) times every earlier node's output,
  stacked node-major ``(N, B*C*H*W)``;
- ReLU, then the depthwise conv of all its nodes as one grouped conv
  (``groups = n_k * C_in``) and their pointwise convs as one (``groups = n_k``);
- BN (running statistics) folded into the pointwise conv's weight and bias.

The stage output is the mean of the output nodes (one more matrix product). The zero
entries of the sum matrices are multiplied by the runtime, not counted as MACs
(:mod:`topocli.training.cost` counts what the architecture needs).

:func:`load_run` rebuilds a run's network from its folder: ``config.json``, ``dag.json``
(written by the trainer when the run finishes) and ``checkpoint.pt`` (the weights the
test accuracy belongs to: the best validation epoch's under ``--patience``).
"""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from topocli.errors import TopocliError
from topocli.training.config import TrainConfig
from topocli.training.dag import dag_from_json
from topocli.training.model import RandWireNet, build_network, feature_size
from topocli.training.stage import BN_EPS, DagStage

__all__ = ["InferenceNet", "TrainedRun", "load_run"]


def _fold_bn(weight: torch.Tensor, gamma, beta, mean, var) -> tuple[torch.Tensor, torch.Tensor]:
    """Conv weight and bias with eval-mode BN folded in (in float64, then float32)."""
    scale = gamma.double() / (var.double() + BN_EPS).sqrt()
    w = weight.double() * scale.view(-1, *([1] * (weight.dim() - 1)))
    b = beta.double() - mean.double() * scale
    return w.float(), b.float()


class _InferenceStage(nn.Module):
    """One :class:`DagStage` in eval mode as level-batched plain ops (module docstring)."""

    def __init__(self, stage: DagStage, size: tuple[int, int]):
        super().__init__()
        self.channels, n = stage.channels, stage.dag.n
        # Shapes as Python ints, so the exported file holds constant shapes, not Shape ops.
        self.size = feature_size(size, (stage.levels[0].stride,))
        self.level_sizes, self.level_inputs, self.strides = [], [], []
        for k, lv in enumerate(stage.levels):
            self.level_sizes.append(lv.n)
            self.level_inputs.append(lv.in_channels)
            self.strides.append(lv.stride)
            w, b = _fold_bn(lv.pw_weight.detach(), lv.bn_weight.detach(),
                            lv.bn_bias.detach(), lv.running_mean, lv.running_var)
            self.register_buffer(f"dw{k}", lv.dw_weight.detach().clone())
            self.register_buffer(f"pw{k}", w)
            self.register_buffer(f"bias{k}", b)
            if not lv.is_input:
                sums = torch.zeros(lv.n, lv.first)
                rows = torch.as_tensor([j for j, _ in lv.edge_pairs])
                cols = torch.as_tensor([u for _, u in lv.edge_pairs])
                sums[rows, cols] = torch.sigmoid(lv.edge_weight.detach().float())
                self.register_buffer(f"sums{k}", sums)
        mean = torch.zeros(1, n)
        mean[0, stage.output_nodes] = 1.0 / len(stage.output_nodes)
        self.register_buffer("mean_outputs", mean)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, (h, w) = self.channels, self.size
        stack, done = None, 0   # every node output so far, node-major (N, B, C, H, W)
        for k, n_k in enumerate(self.level_sizes):
            if stack is None:   # the input level: every node reads the stage input
                a = F.relu(x).repeat(1, n_k, 1, 1)
            else:
                a = torch.matmul(getattr(self, f"sums{k}"), stack.reshape(done, -1))
                a = F.relu(a.reshape(n_k, -1, c, h, w).transpose(0, 1).reshape(-1, n_k * c, h, w))
            a = F.conv2d(a, getattr(self, f"dw{k}"), stride=self.strides[k], padding=1,
                         groups=n_k * self.level_inputs[k])
            a = F.conv2d(a, getattr(self, f"pw{k}"), getattr(self, f"bias{k}"), groups=n_k)
            a = a.reshape(-1, n_k, c, h, w).transpose(0, 1)
            stack = a if stack is None else torch.cat([stack, a], 0)
            done += n_k
        y = torch.matmul(self.mean_outputs, stack.reshape(done, -1))
        return y.reshape(-1, c, h, w)


class InferenceNet(nn.Module):
    """``model`` in eval mode as plain ops (module docstring) for ``(C, H, W)`` images
    ``input_shape``; its weights are copies.

    ``InferenceNet(model, input_shape)(x)`` equals ``model.eval()(x)`` to float rounding.
    """

    def __init__(self, model: RandWireNet, input_shape):
        super().__init__()
        model = copy.deepcopy(model).cpu().float().eval()
        self.stem = model.stem
        size = feature_size(tuple(input_shape[1:]), model.stem_strides)
        stages = []
        for stage in model.stages:
            stages.append(_InferenceStage(stage, size))
            size = stages[-1].size
        self.stages = nn.ModuleList(stages)
        self.head_kind, self.head_conv = model.head_kind, model.head_conv
        self.classifier = model.classifier
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return RandWireNet.head(self, x)   # the same head modules, the same code


@dataclass(frozen=True)
class TrainedRun:
    """A finished run read back: its network (eval mode, CPU), config and result."""

    folder: Path
    model: RandWireNet
    config: TrainConfig
    result: dict


def load_run(folder: str | Path) -> TrainedRun:
    """The trained network of the run in ``folder`` (``topocli train --out``).

    Raises :class:`TopocliError` (one line) where the folder holds no finished run with
    its weights: no ``result.json``, no ``dag.json`` (runs finished before topocli wrote
    it), or no ``checkpoint.pt`` (``checkpoint=False``).
    """
    folder = Path(folder)
    fix = "train one with topocli train GRAPH --out DIR, then export DIR"
    if not (folder / "result.json").is_file() or not (folder / "config.json").is_file():
        raise TopocliError(f"{folder} holds no finished training run (no result.json); {fix}")
    try:
        result = json.loads((folder / "result.json").read_text())
        config = TrainConfig.from_dict(dict(result["config"]))
    except (ValueError, KeyError, TypeError):
        raise TopocliError(f"{folder}/result.json is not a training result topocli can "
                           f"read; {fix}") from None
    dag = None
    if not config.no_graph:
        if not (folder / "dag.json").is_file():
            raise TopocliError(f"{folder} has no dag.json (the run finished before topocli "
                               f"saved its DAG); {fix}")
    if not (folder / "checkpoint.pt").is_file():
        raise TopocliError(f"{folder} has no checkpoint.pt, so no trained weights; {fix}")
    try:
        if not config.no_graph:
            dag = dag_from_json(json.loads((folder / "dag.json").read_text()))
        model_info = result.get("model") or {}
        model = build_network(dag, config, tuple(model_info["input_shape"]),
                              int(model_info["num_classes"]), model_info)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise TopocliError(f"{folder}'s dag.json or result.json does not describe a network "
                           f"topocli can rebuild ({type(exc).__name__}); {fix}") from None
    try:
        state = torch.load(folder / "checkpoint.pt", weights_only=True, map_location="cpu")
        best = (state.get("early") or {}).get("best_model")
        model.load_state_dict(best if best is not None else state["model"])
    except (RuntimeError, ValueError, KeyError, TypeError, EOFError, OSError,
            pickle.UnpicklingError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TopocliError(f"{folder}/checkpoint.pt does not fit the run's network "
                           f"({first[:120]}); {fix}") from None
    return TrainedRun(folder, model.eval(), config, result)
