"""The RandWire-style network every graph becomes: stem, DAG stage(s), head.

Architecture (Xie et al. 2019, "Exploring Randomly Wired Neural Networks"; Roberts et
al. 2019, "Deep Connectomics Networks"): a stem (one or two conv 3x3 -> BN -> ReLU), one
or more DAG stages (:class:`~topocli.training.stage.DagStage`: each DAG node sums its
inputs with sigmoid edge weights, then ReLU -> depthwise-separable conv -> BN), and a
head (``pool``, ``flatten`` or ``randwire``: see :class:`RandWireNet`). ``frozen`` fixes
every DAG-stage weight at its initial value (DCN's frozen variant; BN still normalises
with batch statistics). ``dag=None`` gives DCN's baseline: the stem and the same head.
:func:`complexity` counts parameters and multiply-accumulates per image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from topocli.training.config import HEADS, TrainConfig
from topocli.training.dag import Dag
from topocli.training.stage import BN_EPS, BN_MOMENTUM, DagStage

__all__ = ["BN_EPS", "BN_MOMENTUM", "HEADS", "DagStage", "RandWireNet", "build_network",
           "complexity", "feature_size"]

#: Width of Xie et al.'s head: a 1x1 conv to 1,280 channels before global pooling.
RANDWIRE_HEAD_WIDTH = 1280


class RandWireNet(nn.Module):
    """Stem -> DAG stage(s) -> head.

    Stem: one conv 3x3 + BN + ReLU (``stem_strides=(s,)``, DCN) or two, ``C/2`` then
    ``C`` channels (``(2, 2)``: Xie et al. 2019's small regime). Stage ``s`` has
    ``C * channel_growth**s`` channels; its input nodes run at ``stage_strides[s]``.
    Heads (``head``):

    - ``pool``: ReLU, global average pool, linear (``C`` numbers reach the classifier);
    - ``flatten``: ReLU, flatten, linear (the DCN paper's "one conv block and a fully
      connected layer" reading of its baseline, Roberts et al. 2019);
    - ``randwire``: ReLU, 1x1 conv to 1,280 channels, BN, ReLU, global average pool,
      linear (Xie et al. 2019, Table 1; kept by the DCN authors' code).

    Parameters
    ----------
    dag : Dag or None
        ``None`` gives the no-graph baseline: stem and the same head, so a frozen stage
        and the baseline train the same parameters (Roberts et al. 2019).
    in_channels, num_classes : int
    channels : int
        Channels ``C`` of the stem and of the first stage's nodes.
    stages : int
        Number of DAG stages (same DAG).
    stem_stride : int
        Stride of a one-conv stem (used when ``stem_strides`` is None).
    frozen : bool
        Keep every DAG-stage parameter at its initial value.
    head : {"pool", "flatten", "randwire"}
    input_size : (H, W)
        Needed by the ``flatten`` head (its linear layer's width).
    stem_strides : tuple of int, optional
        One stride per stem conv (length 1 or 2).
    stage_strides : tuple of int, optional
        Stride of each stage's input nodes; default 1 for the first stage, 2 after.
    channel_growth : int
        Channel multiplier from one stage to the next (Xie et al.: 2).
    head_width : int
        Channels of the ``randwire`` head's 1x1 conv.
    """

    def __init__(self, dag: Dag | None, *, in_channels: int, num_classes: int,
                 channels: int, stages: int = 1, stem_stride: int = 1, frozen: bool = False,
                 head: str = "pool", input_size: tuple[int, int] | None = None,
                 stem_strides: tuple[int, ...] | None = None,
                 stage_strides: tuple[int, ...] | None = None, channel_growth: int = 1,
                 head_width: int = RANDWIRE_HEAD_WIDTH):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; choose one of {', '.join(HEADS)}")
        stem_strides = tuple(stem_strides or (stem_stride,))
        stage_strides = tuple(stage_strides or (1,) + (2,) * (stages - 1))
        self.head_kind = head
        widths = [max(1, channels // 2), channels] if len(stem_strides) == 2 else [channels]
        layers, c_prev = [], in_channels
        for width, stride in zip(widths, stem_strides):
            layers += [nn.Conv2d(c_prev, width, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(width, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU()]
            c_prev = width
        self.stem = nn.Sequential(*layers)
        self.stem_strides, self.stage_strides = stem_strides, stage_strides
        stage_list = []
        if dag is not None:
            for s in range(stages):
                width = channels * channel_growth ** s
                stage_list.append(DagStage(dag, width, stride=stage_strides[s],
                                           in_channels=c_prev))
                c_prev = width
        self.stages = nn.ModuleList(stage_list)
        self.head_conv = None
        if head == "randwire":
            self.head_conv = nn.Sequential(
                nn.Conv2d(c_prev, head_width, 1, bias=False),
                nn.BatchNorm2d(head_width, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU())
            c_prev = head_width
        if head == "flatten":
            if input_size is None:
                raise ValueError("the flatten head needs input_size")
            h, w = feature_size(input_size, self.reductions())
            c_prev = c_prev * h * w
        self.classifier = nn.Linear(c_prev, num_classes)
        if frozen:
            for p in self.stages.parameters():
                p.requires_grad_(False)

    def reductions(self) -> tuple[int, ...]:
        """Strides in order: stem convs, then each stage's input nodes."""
        return self.stem_strides + tuple(stage.levels[0].stride for stage in self.stages)

    def forward(self, x: torch.Tensor, *, reference: bool = False,
                channels_last: bool = False) -> torch.Tensor:
        """Logits; ``reference=True`` runs the per-node loop (see :class:`DagStage`)."""
        if not reference or channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        x = self.stem(x)
        for stage in self.stages:
            x = stage.forward_reference(x, channels_last=channels_last) if reference \
                else stage(x)
        return self.head(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from the last stage's (or the stem's) output ``(B, C, H, W)``."""
        x = F.relu(x)
        if self.head_kind == "flatten":
            return self.classifier(x.flatten(1))
        if self.head_conv is not None:
            x = self.head_conv(x)
        return self.classifier(x.mean((2, 3)))


def _conv_out(size: int, stride: int) -> int:
    return (size + 2 - 3) // stride + 1


def feature_size(size: tuple[int, int], strides) -> tuple[int, int]:
    """Height and width after 3x3 convs (padding 1) with ``strides``, in order."""
    h, w = size
    for stride in strides:
        h, w = _conv_out(h, stride), _conv_out(w, stride)
    return h, w


def complexity(model: RandWireNet, input_shape: tuple[int, int, int]) -> dict[str, int]:
    """Parameters and multiply-accumulates per image of ``model`` on ``(C, H, W)`` input.

    MACs count convolutions, the head and the weighted input sums (one MAC per
    element per DAG edge: what the architecture needs, not the zero entries the batched
    execution multiplies). BN, ReLU, pooling and the output average are not counted.
    """
    _, h, w = input_shape
    macs = 0
    for conv in model.stem:
        if isinstance(conv, nn.Conv2d):
            h, w = _conv_out(h, conv.stride[0]), _conv_out(w, conv.stride[0])
            macs += conv.in_channels * conv.out_channels * 9 * h * w
    for stage in model.stages:
        c = stage.channels
        for lv in stage.levels:
            if lv.stride != 1:
                h, w = _conv_out(h, lv.stride), _conv_out(w, lv.stride)
            macs += len(lv.rows) * c * h * w          # weighted sums (before the conv)
            macs += lv.n * (9 * lv.in_channels + lv.in_channels * c) * h * w   # dw + pw
    if model.head_conv is not None:
        conv = model.head_conv[0]
        macs += conv.in_channels * conv.out_channels * h * w
    macs += model.classifier.in_features * model.classifier.out_features
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"params": int(params), "trainable_params": int(trainable), "macs": int(macs)}


def build_network(dag: Dag | None, config: TrainConfig, input_shape, num_classes: int,
                  strides: dict) -> RandWireNet:
    """The network of ``config`` on ``dag`` for ``(C, H, W)`` inputs, with the stem and
    stage strides :func:`setup_model` planned (``strides``: ``stem_strides`` and
    ``stage_strides``, as a result's ``model`` records them)."""
    c, h, w = input_shape
    return RandWireNet(dag, in_channels=c, num_classes=num_classes,
                       channels=config.channels, stages=config.stages,
                       stem_strides=tuple(strides["stem_strides"]),
                       stage_strides=tuple(strides["stage_strides"]),
                       channel_growth=config.channel_growth, head=config.head,
                       input_size=(h, w), frozen=config.frozen)
