"""A DAG stage as one autograd function: level-batched forward, hand-written backward.

:func:`run_stage` runs a :class:`~topocli.training.stage.DagStage` (or a stacked one)
without autograd inside, walking its topological levels: all nodes of a level (or a chunk
of them, :meth:`~topocli.training.stage.DagStage.chunk_nodes`) are computed together by
:meth:`~topocli.training.stage._Level.compute`. The forward keeps three tensors per node
(the ReLU, depthwise and BN outputs) and BN's inverse std, so the backward recomputes
nothing: BN's backward from its own output in one fused call (the normalised input is
``(out - beta) / gamma``, as in-place activated BN, Rota Bulo et al. 2018), both convs'
backward from the kept ReLU and depthwise outputs. A node's output gradient is pulled
from its targets when the node's chunk comes up (one multiply-add per out-edge from the
target's input gradient, and one dot product with the node's own output for the edge
weight). Nothing is zero-filled, and a chunk's kept outputs are freed as soon as its
backward is done; node outputs and gradients live in per-chunk tensors, never in one
stage-wide buffer (a fresh stage-wide buffer is new memory from the OS each step, whose
page faults cost more than filling it: ``benchmarks/RESULTS-training.md``, section 5).

A level's five trainable tensors travel as one :class:`LevelParams` record. The per-edge
work (the weighted input sums before a level, the pull of output gradients after it)
has two implementations behind one seam, :func:`edge_path`: :class:`_CompiledEdges`
(the CPU with one torch thread: one compiled pass per level each way,
:mod:`topocli.training._edge_kernels`, and BN compiled too, :mod:`~topocli.training.
_bn_kernels`) and :class:`_TorchEdges` (every other device and thread count, and
``DagStage.edge_kernels = False``: one torch call per DAG edge). Both give the same
numbers; ``tests/test_training.py`` checks each against the per-node reference
(:meth:`~topocli.training.stage.DagStage.forward_reference`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

__all__ = ["LevelParams", "depthwise_geometry", "edge_path", "run_stage", "stage_output"]



class LevelParams(NamedTuple):
    """The trainable tensors of one topological level, named as the level's attributes
    (:class:`~topocli.training.stage._Level`); nodes are contiguous blocks of channels."""

    edge_weight: torch.Tensor   #: ``(E,)``: an edge's weight is its sigmoid
    dw_weight: torch.Tensor     #: ``(n * C_in, 1, 3, 3)``: depthwise conv
    pw_weight: torch.Tensor     #: ``(n * C, C_in, 1, 1)``: pointwise conv
    bn_weight: torch.Tensor     #: ``(n * C,)``: BN's gamma
    bn_bias: torch.Tensor       #: ``(n * C,)``: BN's beta


def depthwise_geometry(rows: int, weight: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """The depthwise conv's weight and padding for its backward on an input ``rows`` high.

    On a one-row input (a 1-D signal such as MNIST-1D's) the 3x3 kernel's top and bottom
    rows only ever meet the zero padding, so the backward runs with the middle row alone
    (1x3, padding (0, 1)): the same input gradient, the weight gradient up to float
    rounding order (its other rows are 0), and on the CPU many times faster than the 3x3
    kernel's (``benchmarks/bench_step_parts.py``; the forward gains nothing and keeps
    3x3).
    """
    if rows == 1:
        return weight[:, :, 1:2, :], [0, 1]
    return weight, [1, 1]


def _flatten(levels: Sequence[LevelParams]) -> list:
    return [t for p in levels for t in p]


def _unflatten(flat: Sequence) -> list[LevelParams]:
    k = len(LevelParams._fields)
    return [LevelParams(*flat[i:i + k]) for i in range(0, len(flat), k)]


def run_stage(stage, x: torch.Tensor, levels: Sequence[LevelParams]) -> torch.Tensor:
    """The stage's output, ``(B, H', W', C)`` (``(K, B, H', W', C)`` for a stacked
    stage), differentiable with respect to ``x`` and every level's parameters."""
    return _StageFunction.apply(stage, x, *_flatten(levels))


def stage_output(stage, x: torch.Tensor, levels: Sequence[LevelParams]) -> torch.Tensor:
    """The same output when no backward will come: nothing is kept for one (the
    evaluation memory is a third)."""
    return _stage_forward(stage, x, levels, edge_path(stage, x), keep=False)[0]


class _StageFunction(torch.autograd.Function):
    """``run_stage`` as an autograd function: the flat parameters are the levels'
    :class:`LevelParams` in order (autograd tracks positional tensors only)."""

    @staticmethod
    def forward(ctx, stage, x, *flat):
        ctx.stage = stage
        edges = edge_path(stage, x)
        y, rows, kept, invstds = _stage_forward(stage, x, _unflatten(flat), edges, keep=True)
        ctx.training = stage.training
        ctx.save_for_backward(x, *flat, *invstds)
        ctx.kept, ctx.rows = kept, rows     # no grad; freed level by level in the backward
        ctx.edges = edges
        return y

    @staticmethod
    def backward(ctx, grad_y):
        stage, edges = ctx.stage, ctx.edges
        x, *rest = ctx.saved_tensors
        kept, rows, ctx.kept, ctx.rows = ctx.kept, ctx.rows, None, None
        if kept is None:
            raise RuntimeError("DagStage: backward through the same graph twice is not "
                               "supported (its activations are freed after the first); "
                               "run the forward again")
        n_par = len(LevelParams._fields) * len(stage.levels)
        params, invstds = _unflatten(rest[:n_par]), rest[n_par:]
        values = [torch.sigmoid(p.edge_weight) for p in params]
        want_dots = [need.edge_weight for need in _unflatten(ctx.needs_input_grad[2:])]
        state = _BackwardState(
            rows=rows, grad_in=[None] * stage.dag.n, pending=[0] * stage.dag.n,
            out_grads=stage.output_grads(grad_y), out_edges=stage.out_edges,
            grad_x=None, x_shape=tuple(x.shape), edges=edges)
        edges.start_backward(state, values, want_dots)
        chunk = stage.chunk_nodes(x)
        level_grads = []
        for k in reversed(range(len(stage.levels))):
            lv, p, invstd = stage.levels[k], params[k], invstds[k]
            chunks = lv.node_chunks(chunk)
            pulled = edges.pull_level(state, lv, chunks, p.bn_bias if ctx.training else None)
            grads = [_level_backward(ctx.training, lv, p, invstd, level_kept, state, j0, j1,
                                     *g)
                     for (j0, j1), level_kept, g
                     in reversed(list(zip(chunks, kept[k], pulled)))]
            kept[k] = None   # free this level's activations as soon as they are used
            grads.reverse()
            level_grads[:0] = [[torch.cat([g[i] for g in grads]) for i in range(4)]]
        grad_params = []
        for k, (lv, want, v, grads) in enumerate(zip(stage.levels, want_dots, values,
                                                     level_grads)):
            grad_edges = None
            if want and not lv.is_input:
                grad_edges = edges.level_dots(state, k) * v * (1 - v)
            grad_params += [grad_edges, *grads]
        grad_x = state.grad_x if ctx.needs_input_grad[1] else None
        return (None, grad_x, *grad_params)


@dataclass
class _BackwardState:
    """What the level-by-level backward shares between node chunks (all per node or per
    level; rows are flat views)."""

    rows: list              # node -> its output (B, H, W, C); dropped once its chunk is done
    grad_in: list           # node -> gradient of its summed input, kept until its sources
    pending: list           # node -> sources still to read grad_in[node]
    out_grads: dict         # output node -> its gradient share of the stage output (flat)
    out_edges: list         # node -> (level, edge, target) of each edge out of it
    grad_x: torch.Tensor | None
    x_shape: tuple          # the stage input's shape
    edges: _TorchEdges | _CompiledEdges
    weights: list | None = None   # level -> sigmoid of its edge weights as floats (torch)
    dots: list | None = None      # level -> per edge <grad_in[target], rows[source]>, or
                                  # None (frozen level; the compiled path keeps its own)


def _stage_forward(stage, x, params: Sequence[LevelParams], edges, *, keep: bool):
    """The stage's forward without autograd: output ``(B, H', W', C)``, every node's
    output row, and, with ``keep``, each chunk's ReLU, depthwise and BN outputs and each
    level's BN inverse std (what the backward needs; without ``keep`` a chunk's
    intermediates are freed as soon as it is computed)."""
    with torch.no_grad():
        rows: list = [None] * stage.dag.n     # node -> its output (B, H', W', C), a view
        invstds, kept = [], []
        chunk = stage.chunk_nodes(x)
        for lv, p in zip(stage.levels, params):
            values = edges.edge_values(p.edge_weight)
            parts, level_kept = [], []
            chunks = lv.node_chunks(chunk)
            for (j0, j1), r in zip(chunks, edges.gather(lv, x, rows, values, chunks)):
                out, invstd, d = lv.compute(r, p, j0, j1, fused_bn=edges.fused_bn)
                rows[lv.first + j0:lv.first + j1] = out.unbind(0)
                edges.record(lv, j0, j1, out)
                if keep:
                    parts.append(invstd)
                    level_kept.append((r, d, out))
            if keep:
                invstds.append(torch.cat(parts))
                kept.append(level_kept)
        y = stage.average_outputs(rows)
    return y, rows, kept, invstds


def edge_path(stage, x: torch.Tensor) -> _TorchEdges | _CompiledEdges:
    """The per-edge work's implementation for one forward (and its backward) of
    ``stage`` on ``x``: compiled where :meth:`~topocli.training.stage.DagStage.
    uses_edge_kernels` says so, torch calls otherwise."""
    return _CompiledEdges(stage) if stage.uses_edge_kernels(x) else _TorchEdges(stage)


class _TorchEdges:
    """The per-edge work as torch calls: one multiply-add per DAG edge into node-major
    rows, then one pass for the ReLU and the layout (:meth:`~topocli.training.stage.
    _Level.aggregate`); in the backward, each node's output gradient pulled edge by edge
    (:func:`_pull_output_grad`). BN runs as torch calls too."""

    fused_bn = False

    def __init__(self, stage):
        self.stage = stage

    def edge_values(self, edge_weight: torch.Tensor) -> list[float]:
        return torch.sigmoid(edge_weight).tolist()

    @staticmethod
    def relu_backward_rows(grad_r: torch.Tensor, r: torch.Tensor, n: int) -> torch.Tensor:
        return relu_backward_rows(grad_r, r, n)

    def gather(self, lv, x, rows: list, values, chunks: list):
        """Each chunk's ReLU'd input, computed as the chunk comes up."""
        return (lv.aggregate(x, rows, values, j0, j1) for j0, j1 in chunks)

    def record(self, lv, j0: int, j1: int, out: torch.Tensor) -> None:
        """(The compiled path notes where the chunk's rows are.)"""

    def start_backward(self, state: _BackwardState, values: list, want_dots: list) -> None:
        state.weights = [v.tolist() for v in values]   # one host copy per level
        state.dots = [[None] * len(lv.edge_pairs) if want else None
                      for want, lv in zip(want_dots, self.stage.levels)]

    def pull_level(self, state, lv, chunks: list, beta) -> list:
        """Nothing ahead of time: :meth:`pull_chunk` pulls chunk by chunk."""
        return [(None, None)] * len(chunks)

    def pull_chunk(self, state: _BackwardState, lv, j0: int, j1: int,
                   like: torch.Tensor) -> torch.Tensor:
        """Output gradients of nodes ``j0:j1``, ``(n, B*H*W*C)``; frees their rows."""
        g = like.new_empty(j1 - j0, like[0].numel())
        for i, v in enumerate(range(lv.first + j0, lv.first + j1)):
            _pull_output_grad(state, v, g[i])
            state.rows[v] = None
        return g

    def set_input_grad(self, state: _BackwardState, lv, j: int, grad: torch.Tensor) -> None:
        state.grad_in[j] = grad
        state.pending[j] = lv.crow_host[j - lv.first + 1] - lv.crow_host[j - lv.first]

    def level_dots(self, state: _BackwardState, k: int) -> torch.Tensor:
        return torch.stack(state.dots[k])


class _CompiledEdges:
    """The per-edge work on the CPU as compiled passes, one per level each way, blocked
    over positions with the ReLU and the layout move in the same pass: the forward's
    :func:`~topocli.training._edge_kernels.gather_level` over a table of the node rows'
    addresses, the backward's :func:`~topocli.training._edge_kernels.pull_level` over
    tables of the node outputs, of the output-gradient shares and of the targets' input
    gradients (filled level by level), with the stage's edge weights and dot products as
    flat arrays. BN is compiled too (:mod:`topocli.training._bn_kernels`): its forward
    writes the node-major rows itself and its backward reads them where they are (the
    pull takes the sums it needs), so no layout copy is left around BN."""

    fused_bn = True

    def __init__(self, stage):
        self.stage = stage
        self.out_ptrs = np.zeros(stage.dag.n, dtype=np.int64)   # node -> its row's address

    def edge_values(self, edge_weight: torch.Tensor) -> np.ndarray:
        return torch.sigmoid(edge_weight).numpy()

    def gather(self, lv, x, rows: list, values: np.ndarray, chunks: list):
        """Each chunk's ReLU'd input: the whole non-input level in one compiled pass."""
        if lv.is_input:
            return (lv.aggregate(x, rows, values, j0, j1) for j0, j1 in chunks)
        from topocli.training import _edge_kernels
        like = rows[lv.edge_pairs[0][1]]
        b, h, w, c = like.shape
        inputs = [like.new_empty(b, h, w, j1 - j0, c) for j0, j1 in chunks]
        _edge_kernels.gather_level(self.out_ptrs, lv.crow_np, lv.sources_np, values,
                                   *_chunk_table(inputs, chunks), c, like.numel(),
                                   like.numpy(), _edge_kernels.block_for(c))
        return [r.view(b, h, w, -1).permute(0, 3, 1, 2) for r in inputs]

    def record(self, lv, j0: int, j1: int, out: torch.Tensor) -> None:
        self.out_ptrs[lv.first + j0:lv.first + j1] = out.data_ptr() + np.arange(
            j1 - j0) * (out[0].numel() * out.element_size())

    def start_backward(self, state: _BackwardState, values: list, want_dots: list) -> None:
        stage = self.stage
        state.dots = [None] * len(stage.levels)
        self.want_dots = any(want_dots)
        self.weights = torch.cat(values).detach().numpy()
        self.dots = np.zeros_like(self.weights)
        self.grad_ptrs = np.zeros(stage.dag.n, dtype=np.int64)
        self.share_ptrs = np.zeros(stage.dag.n, dtype=np.int64)
        for v, share in state.out_grads.items():
            self.share_ptrs[v] = share.data_ptr()
        self.pending = np.bincount(stage.out_target, minlength=stage.dag.n)  # in-degrees

    def pull_level(self, state: _BackwardState, lv, chunks: list,
                   beta: torch.Tensor | None) -> list[tuple[torch.Tensor, np.ndarray | None]]:
        """Output gradients of every node of level ``lv``, one ``(B, H, W, n, C)`` tensor
        per chunk, in one compiled pass, each with (given the level's BN ``beta``) its
        nodes' per-channel sums for BN's backward (``(n, 2, C)``, else None); frees the
        level's rows and every input gradient whose last source was in this level."""
        from topocli.training import _edge_kernels
        stage, v0, v1 = self.stage, lv.first, lv.first + lv.n
        like = state.rows[v0]
        b, h, w, c = like.shape
        grads = [like.new_empty(b, h, w, j1 - j0, c) for j0, j1 in chunks]
        bn_sums = beta is not None
        sums = np.zeros((lv.n if bn_sums else 0, 2, c))
        shift = beta.detach().numpy().reshape(lv.n, c) if bn_sums else \
            np.zeros((0, c), like.numpy().dtype)
        _edge_kernels.pull_level(self.grad_ptrs, self.out_ptrs, self.share_ptrs,
                                 stage.out_ptr, stage.out_edge, stage.out_target,
                                 self.weights, self.dots, *_chunk_table(grads, chunks),
                                 v0, v1, c, like.numel(), like.numpy(), self.want_dots,
                                 _edge_kernels.block_for(c), sums, shift)
        targets = stage.out_target[stage.out_ptr[v0]:stage.out_ptr[v1]]
        np.subtract.at(self.pending, targets, 1)
        for j in np.unique(targets[self.pending[targets] == 0]).tolist():
            state.grad_in[j] = None
        state.rows[v0:v1] = [None] * lv.n
        return [(g, sums[j0:j1] if bn_sums else None) for g, (j0, j1) in zip(grads, chunks)]

    @staticmethod
    def relu_backward_rows(grad_r: torch.Tensor, r: torch.Tensor, n: int) -> torch.Tensor:
        """:func:`relu_backward_rows` in one compiled pass (no intermediate)."""
        from topocli.training import _edge_kernels
        b, nc, h, w = grad_r.shape
        rows = grad_r.new_empty(n, b, h, w, nc // n)
        _edge_kernels.relu_backward_rows(_flat_channels_last(grad_r), _flat_channels_last(r),
                                         rows.view(-1).numpy(), n, nc // n)
        return rows

    def pull_chunk(self, state, lv, j0, j1, like):
        raise AssertionError("the compiled pull gives every chunk's gradient ahead")

    def set_input_grad(self, state: _BackwardState, lv, j: int, grad: torch.Tensor) -> None:
        state.grad_in[j] = grad
        self.grad_ptrs[j] = grad.data_ptr()

    def level_dots(self, state: _BackwardState, k: int) -> torch.Tensor:
        offsets = self.stage.edge_offsets
        return torch.from_numpy(self.dots[offsets[k]:offsets[k + 1]])


def _level_backward(training, lv, p: LevelParams, invstd, level_kept,
                    state: _BackwardState, j0, j1, g=None, bn_sums=None):
    """Gradients of nodes ``j0:j1`` of level ``lv`` from their kept ReLU, depthwise and BN
    outputs: pulls the nodes' output gradients from their targets (unless given: ``g``,
    ``(B, H, W, n, C)``, with ``bn_sums`` from the compiled pull: BN's backward is then
    compiled too), leaves the gradient of their summed inputs in
    ``state.grad_in`` (or adds it to ``state.grad_x``), frees the chunk's rows, and
    returns (dw, pw, gamma, beta) gradient slices."""
    r, d, out = level_kept
    n, c = j1 - j0, lv.channels
    ch = slice(j0 * c, j1 * c)
    gamma, beta, invstd = p.bn_weight[ch], p.bn_bias[ch], invstd[ch]
    b, h, w = out.shape[1:4]
    if bn_sums is not None:
        # BN's backward reads the node-major output where it is (no layout copy), in one
        # pass: the pull took its sums
        from topocli.training import _bn_kernels
        grad_p = g.new_empty(b, h, w, n * c)
        grad_gamma, grad_beta = g.new_empty(n * c), g.new_empty(n * c)
        _bn_kernels.bn_backward(g.view(-1, n * c).numpy(), out.view(n, -1, c).numpy(),
                                gamma.detach().numpy(), beta.detach().numpy(),
                                invstd.numpy(), bn_sums, grad_p.view(-1, n * c).numpy(),
                                grad_gamma.numpy(), grad_beta.numpy())
        return _convs_backward(lv, p, state, grad_p.permute(0, 3, 1, 2), r, d, j0, j1,
                               grad_gamma, grad_beta)
    if g is not None:
        g = g.view(b, h, w, n * c).permute(0, 3, 1, 2)
    else:
        g = state.edges.pull_chunk(state, lv, j0, j1, out)
        # (B, n*C, H, W), channels-last (a copy if n > 1)
        g = g.view(n, b, h, w, c).permute(1, 2, 3, 0, 4).reshape(b, h, w, n * c).permute(
            0, 3, 1, 2)
    out = out.permute(1, 2, 3, 0, 4).reshape(b, h, w, n * c).permute(0, 3, 1, 2)
    # BN backward from its output: xhat = (out - beta) / gamma is BN's normalised input,
    # so native BN backward with mean := beta, invstd := 1 / gamma and weight :=
    # gamma^2 * invstd gives the batch-statistics gradient in one pass.
    safe = torch.where(gamma.abs() < 1e-6, torch.full_like(gamma, 1e-6), gamma)
    if training:
        grad_p, grad_gamma, grad_beta = torch.ops.aten.native_batch_norm_backward(
            g, out, safe * gamma * invstd, None, None, beta, safe.reciprocal(), True, 0.0,
            [True, True, True])
    else:
        shape = (1, n * c, 1, 1)
        xhat = (out - beta.view(shape)) / safe.view(shape)
        grad_beta, grad_gamma = g.sum((0, 2, 3)), (g * xhat).sum((0, 2, 3))
        grad_p = g * (gamma * invstd).view(shape)
    return _convs_backward(lv, p, state, grad_p, r, d, j0, j1, grad_gamma, grad_beta)


def _convs_backward(lv, p: LevelParams, state: _BackwardState, grad_p, r, d, j0, j1, grad_gamma,
                    grad_beta):
    """Back through the pointwise and depthwise convs of nodes ``j0:j1`` from BN's input
    gradient ``grad_p`` (channels-last) and the kept ReLU and depthwise outputs; then
    the ReLU's backward into ``state``. Returns (dw, pw, gamma, beta) gradient slices."""
    dw, pw = p.dw_weight, p.pw_weight
    n, c, c_in = j1 - j0, lv.channels, lv.in_channels
    ch, ch_in = slice(j0 * c, j1 * c), slice(j0 * c_in, j1 * c_in)
    b = grad_p.shape[0]
    conv_bwd = torch.ops.aten.convolution_backward
    grad_d, grad_pw, _ = conv_bwd(grad_p, d, pw[ch], None, [1, 1], [0, 0], [1, 1], False,
                                  [0, 0], n, [True, True, False])
    weight, padding = depthwise_geometry(r.shape[2], dw[ch_in])
    grad_r, grad_dw, _ = conv_bwd(grad_d, r, weight, None, [lv.stride] * 2, padding,
                                  [1, 1], False, [0, 0], n * c_in, [True, True, False])
    if grad_dw.shape[2] == 1:   # the one-row kernel: the 3x3 weight's other rows get 0
        grad_dw = torch.nn.functional.pad(grad_dw, (0, 0, 1, 1))
    ha, wa = r.shape[2:]
    if lv.is_input:
        grad_a = torch.ops.aten.threshold_backward(grad_r, r, 0).permute(0, 2, 3, 1).view(
            b, ha, wa, n, c_in)
        if lv.input_graph is not None:   # a stacked stage: x is (B, H, W, K, C_in)
            part = grad_a.new_zeros(state.x_shape).index_add_(3, lv.input_graph[j0:j1],
                                                              grad_a)
        else:
            part = grad_a.sum(3).permute(0, 3, 1, 2)
        state.grad_x = part if state.grad_x is None else state.grad_x.add_(part)
    else:
        grad_a = state.edges.relu_backward_rows(grad_r, r, n)
        for j, grad_node in enumerate(grad_a.view(n, -1).unbind(0), lv.first + j0):
            state.edges.set_input_grad(state, lv, j, grad_node)
    return grad_dw, grad_pw, grad_gamma, grad_beta


def relu_backward_rows(grad_r: torch.Tensor, r: torch.Tensor, n: int) -> torch.Tensor:
    """The ReLU's backward for a chunk of ``n`` nodes: from the gradient ``grad_r`` of its
    output ``r`` (both ``(B, n*C, H, W)``, channels-last) to node-major rows ``(n, B, H,
    W, C)`` (one flat row per node, read by its sources). The threshold runs in the
    convolutions' layout (one contiguous pass), then one copy moves it: writing the
    node-major rows from inside ``threshold_backward`` strides it over runs of C
    elements, about 9x slower (benchmarks/bench_step_parts.py)."""
    b, nc, h, w = grad_r.shape
    rows = grad_r.new_empty(n, b, h, w, nc // n)
    rows.permute(1, 2, 3, 0, 4).copy_(torch.ops.aten.threshold_backward(
        grad_r, r, 0).permute(0, 2, 3, 1).unflatten(3, (n, nc // n)))
    return rows


def _flat_channels_last(t: torch.Tensor) -> np.ndarray:
    """``t`` ``(B, C, H, W)`` as the flat array of its channels-last layout (a copy only
    if it is not laid out so)."""
    return t.permute(0, 2, 3, 1).contiguous().view(-1).numpy()


def _chunk_table(tensors: list, chunks: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each node of a level goes in its chunk's tensor (``(B, H, W, n, C)``):
    the tensor's address, the chunk's node count, the node's place in it."""
    sizes = [j1 - j0 for j0, j1 in chunks]
    return (np.repeat(np.asarray([t.data_ptr() for t in tensors], dtype=np.int64), sizes),
            np.repeat(np.asarray(sizes, dtype=np.int64), sizes),
            np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]))


def _pull_output_grad(state: _BackwardState, v: int, dest: torch.Tensor) -> None:
    """Write the gradient of node ``v``'s output into ``dest`` (flat): the sum over its
    out-edges of weight x its target's input gradient (plus its share of the stage
    output), and each out-edge's dot product for the edge-weight gradient. Pulling per
    source node keeps ``v``'s own rows in cache; a target's input gradient is read once
    per edge and released after its last source."""
    share = state.out_grads.get(v)
    first = share is None
    if not first:
        dest.copy_(share)
    src = state.rows[v].view(-1)
    for k, e, j in state.out_edges[v]:
        grad_in, weight = state.grad_in[j], state.weights[k][e]
        if first:
            torch.mul(grad_in, weight, out=dest)
            first = False
        else:
            dest.add_(grad_in, alpha=weight)
        if state.dots[k] is not None:
            state.dots[k][e] = torch.dot(grad_in, src)
        state.pending[j] -= 1
        if not state.pending[j]:
            state.grad_in[j] = None
