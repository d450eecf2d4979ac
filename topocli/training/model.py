"""The RandWire-style network every graph becomes, with level-batched execution.

Architecture (Xie et al. 2019, "Exploring Randomly Wired Neural Networks"; Roberts et
al. 2019, "Deep Connectomics Networks"): a stem (one or two conv 3x3 -> BN -> ReLU), one
or more DAG stages, and a head (``pool``, ``flatten`` or ``randwire``: see
:class:`RandWireNet`). A DAG node sums its inputs with learnable weights passed through a
sigmoid, then ReLU -> 3x3 depthwise conv -> 1x1 pointwise conv (a depthwise-separable
conv) -> BN. Nodes without inputs read the stage input (at the stage's stride, and with
the stage's input width: stages may grow C, 2C, 4C); nodes without outputs are averaged
into the stage output. ``frozen`` fixes every DAG-stage weight at its initial value
(DCN's frozen variant; BN still normalises with batch statistics). ``dag=None`` gives
DCN's baseline: the stem and the same head.

Execution. :meth:`DagStage.forward` runs the stage as one autograd function
(:class:`_StageFunction`) that walks the topological levels. All nodes of a level (or a
chunk of them, see below) are computed together: the depthwise conv is one grouped conv
with ``groups = nodes * C``, the pointwise conv one grouped 1x1 conv with
``groups = nodes``, BN one call, all channels-last. The per-edge work (the weighted
input sums before a level, and in the backward each node's output gradient summed from
its targets with the edge weights' dot products) runs on the CPU as one compiled pass
per level (:mod:`topocli.training._edge_kernels`, numba), blocked over positions so a
node shared by several nodes of the level is read from cache, with the ReLU and the
move to channels-last in the same pass, when torch runs on one thread; on other
devices, with more threads, and with ``DagStage.edge_kernels = False`` as one
multiply-add per DAG edge into node-major
rows followed by one pass for the ReLU and the layout. On the compiled path BN is
compiled too (:mod:`topocli.training._bn_kernels`): its forward writes the node-major
rows itself and its backward reads them where they are (the pull takes the sums it
needs), so no layout copy is left around BN. Training memory is
three tensors per node: the forward keeps the node outputs and each node's ReLU and
depthwise-conv outputs (the per-node loop keeps about five per node plus one per edge),
so the backward recomputes nothing; BN's backward runs from its output in one fused
call, and every node's kept activations and gradient are freed as soon as its backward
is done. Node outputs and gradients live in per-chunk tensors, never in one stage-wide
buffer: a fresh buffer of every node's activation (450 MB at C=32, 14x14, batch 64) is
new memory from the OS each step, and its page faults cost more than zero-filling it
(measured 298 ms for 450 MB against 32 ms for 279 separate 1.6 MB tensors).

On CPU, whole levels of large activations fall out of cache, so a level is processed in
node chunks of about ``CHUNK_BYTES`` per activation (measured with the stage-wide buffer:
1 MiB chunks 3.0 s/step, 4 MiB 3.6 s, 16 MiB 4.4 s on the Varshney DAG, C=32, batch 64,
14x14; with per-chunk storage on the digits default, 2 MiB chunks beat 1 MiB and one
node per chunk). At C=32, 14x14 a chunk is one node, where no layout copy happens at
all. Tried and not kept (figures in benchmarks/RESULTS-training.md): a CSR
``torch.sparse.mm`` aggregation, a dense masked matmul, and larger chunks.
:meth:`DagStage.forward_reference` is the plain per-node loop (every edge one multiply
and one add, every intermediate kept by autograd), with the same parameters, used by
tests and benchmarks as the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from topocli.training.config import HEADS
from topocli.training.dag import Dag

__all__ = ["HEADS", "DagStage", "RandWireNet", "complexity", "feature_size"]

BN_MOMENTUM = 0.1
BN_EPS = 1e-5
#: Activation bytes per node chunk (see :meth:`DagStage.chunk_nodes`).
CHUNK_BYTES = 2 << 20


def _crow(rows: torch.Tensor, n_rows: int) -> torch.Tensor:
    crow = torch.zeros(n_rows + 1, dtype=torch.long)
    crow[1:] = torch.bincount(rows, minlength=n_rows).cumsum(0)
    return crow


class _StageFunction(torch.autograd.Function):
    """A whole DAG stage with a hand-written, level-by-level backward.

    Forward (no autograd graph): every level, in node chunks, sums its inputs edge by
    edge into node rows, moves them to the channels-last layout the convolutions read in
    the same pass as the ReLU, and keeps BN's output node-major, ``(n, B, H', W', C)``: a
    node's output is a row of its chunk, never copied into a stage-wide buffer (for a
    one-node chunk no layout copy happens at all). Kept for the backward: each
    chunk's ReLU, depthwise and BN outputs (three tensors per node) and BN's inverse std.
    Backward, levels in reverse: BN's backward from its own output in one fused kernel
    (the normalised input is ``(out - beta) / gamma``, as in-place activated BN, Rota Bulo
    et al. 2018), both convs' backward from the kept ReLU and depthwise outputs. A node's
    output gradient is pulled from its targets when the node's chunk comes up: one
    multiply-add per out-edge from the target's input gradient, and one dot product with
    the node's own output for the edge weight (:func:`_pull_output_grad`). Nothing is
    zero-filled, and a chunk's kept outputs are freed as soon as its backward is done.
    """

    @staticmethod
    def forward(ctx, stage, x, *params):
        ctx.stage = stage
        y, rows, kept, invstds, ptrs = _stage_forward(stage, x, params, keep=True)
        ctx.training = stage.training
        ctx.save_for_backward(x, *params, *invstds)
        ctx.kept, ctx.rows = kept, rows     # no grad; freed level by level in the backward
        ctx.ptrs = ptrs
        return y

    @staticmethod
    def backward(ctx, grad_y):
        stage = ctx.stage
        x, *rest = ctx.saved_tensors
        kept, rows, ctx.kept, ctx.rows = ctx.kept, ctx.rows, None, None
        if kept is None:
            raise RuntimeError("DagStage: backward through the same graph twice is not "
                               "supported (its activations are freed after the first); "
                               "run the forward again")
        n_par = 5 * len(stage.levels)
        params, invstds = rest[:n_par], rest[n_par:]
        values = [torch.sigmoid(params[5 * k]) for k in range(len(stage.levels))]
        want_dots = [ctx.needs_input_grad[2 + 5 * k] for k in range(len(stage.levels))]
        per_edge = ctx.ptrs is None      # the per-edge torch path keeps its own host lists
        state = _BackwardState(
            rows=rows, grad_in=[None] * stage.dag.n, pending=[0] * stage.dag.n,
            # one host copy per level (the alphas)
            weights=[v.tolist() for v in values] if per_edge else None,
            dots=[[None] * len(lv.edge_pairs) if want and per_edge else None
                  for want, lv in zip(want_dots, stage.levels)],
            out_grads=stage.output_grads(grad_y), out_edges=stage.out_edges,
            grad_x=None, x_shape=tuple(x.shape))
        if not per_edge:
            state.compiled = _CompiledPull(stage, ctx.ptrs, values, state.out_grads,
                                           any(want_dots))
        chunk = stage.chunk_nodes(x)
        level_grads = []
        for k in reversed(range(len(stage.levels))):
            lv, p, invstd = stage.levels[k], params[5 * k:5 * k + 5], invstds[k]
            chunks = lv.node_chunks(chunk)
            pulled = [(None, None)] * len(chunks) if state.compiled is None else \
                state.compiled.pull_level(state, lv, chunks, p[4] if ctx.training else None)
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
                grad_edges = (torch.stack(state.dots[k]) if per_edge
                              else state.compiled.level_dots(k)) * v * (1 - v)
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
    weights: list | None    # level -> sigmoid of its edge weights, as floats (per-edge path)
    dots: list              # level -> per edge <grad_in[target], rows[source]>, or None
                            # (frozen level, or the compiled path: see _CompiledPull)
    out_grads: dict         # output node -> its gradient share of the stage output (flat)
    out_edges: list         # node -> (level, edge, target) of each edge out of it
    grad_x: torch.Tensor | None
    x_shape: tuple          # the stage input's shape
    compiled: _CompiledPull | None = None   # the compiled pull (CPU), else per-edge calls


class _CompiledPull:
    """The backward's per-edge work on the CPU: one
    :func:`~topocli.training._edge_kernels.pull_level` call per level over address
    tables of the node outputs (from the forward), of the output-gradient shares and of
    the targets' input gradients (filled level by level); the stage's edge weights and
    dot products as flat arrays; how many sources still have to read each target's input
    gradient."""

    def __init__(self, stage, out_ptrs: np.ndarray, values: list, out_grads: dict,
                 want_dots: bool):
        self.stage, self.out_ptrs, self.want_dots = stage, out_ptrs, want_dots
        self.weights = torch.cat(values).detach().numpy()
        self.dots = np.zeros_like(self.weights)
        self.grad_ptrs = np.zeros(stage.dag.n, dtype=np.int64)
        self.share_ptrs = np.zeros(stage.dag.n, dtype=np.int64)
        for v, share in out_grads.items():
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

    def set_input_grad(self, state: _BackwardState, j: int, grad: torch.Tensor) -> None:
        state.grad_in[j] = grad
        self.grad_ptrs[j] = grad.data_ptr()

    def level_dots(self, k: int) -> torch.Tensor:
        offsets = self.stage.edge_offsets
        return torch.from_numpy(self.dots[offsets[k]:offsets[k + 1]])


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


def _level_backward(training, lv, p, invstd, level_kept, state: _BackwardState, j0, j1,
                    g=None, bn_sums=None):
    """Gradients of nodes ``j0:j1`` of level ``lv`` from their kept ReLU, depthwise and BN
    outputs: pulls the nodes' output gradients from their targets (unless given: ``g``,
    ``(B, H, W, n, C)``, with ``bn_sums`` from the compiled pull: BN's backward is then
    compiled too), leaves the gradient of their summed inputs in
    ``state.grad_in`` (or adds it to ``state.grad_x``), frees the chunk's rows, and
    returns (dw, pw, gamma, beta) gradient slices."""
    r, d, out = level_kept
    n, c = j1 - j0, lv.channels
    ch = slice(j0 * c, j1 * c)
    gamma, beta, invstd = p[3][ch], p[4][ch], invstd[ch]
    b, h, w = out.shape[1:4]
    v0, v1 = lv.first + j0, lv.first + j1
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
        g = out.new_empty(n, b * h * w * c)
        for i, v in enumerate(range(v0, v1)):
            _pull_output_grad(state, v, g[i])
            state.rows[v] = None
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


def _convs_backward(lv, p, state: _BackwardState, grad_p, r, d, j0, j1, grad_gamma,
                    grad_beta):
    """Back through the pointwise and depthwise convs of nodes ``j0:j1`` from BN's input
    gradient ``grad_p`` (channels-last) and the kept ReLU and depthwise outputs; then
    the ReLU's backward into ``state``. Returns (dw, pw, gamma, beta) gradient slices."""
    _, dw, pw, _, _ = p
    n, c, c_in = j1 - j0, lv.channels, lv.in_channels
    ch, ch_in = slice(j0 * c, j1 * c), slice(j0 * c_in, j1 * c_in)
    b = grad_p.shape[0]
    conv_bwd = torch.ops.aten.convolution_backward
    grad_d, grad_pw, _ = conv_bwd(grad_p, d, pw[ch], None, [1, 1], [0, 0], [1, 1], False,
                                  [0, 0], n, [True, True, False])
    grad_r, grad_dw, _ = conv_bwd(grad_d, r, dw[ch_in], None, [lv.stride] * 2, [1, 1],
                                  [1, 1], False, [0, 0], n * c_in, [True, True, False])
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
        # The ReLU's backward writes node-major rows (one flat row per node, read by its
        # sources) in the same pass: no layout copy.
        grad_a = grad_r.new_empty(n, b, ha, wa, c_in)
        torch.ops.aten.threshold_backward.grad_input(
            grad_r.unflatten(1, (n, c_in)), r.unflatten(1, (n, c_in)), 0,
            grad_input=grad_a.permute(1, 0, 4, 2, 3))
        for j, grad_node in enumerate(grad_a.view(n, -1).unbind(0), lv.first + j0):
            if state.compiled is not None:
                state.compiled.set_input_grad(state, j, grad_node)
            else:
                state.grad_in[j] = grad_node
                state.pending[j] = lv.crow_host[j - lv.first + 1] - lv.crow_host[j - lv.first]
    return grad_dw, grad_pw, grad_gamma, grad_beta


def _stage_forward(stage, x, params, *, keep: bool):
    """The stage's forward without autograd: output ``(B, H', W', C)``, every node's
    output row, and, with ``keep``, each chunk's ReLU, depthwise and BN outputs and each
    level's BN inverse std (what the backward needs; without ``keep`` a chunk's
    intermediates are freed as soon as it is computed); last, with the compiled edge
    kernels, the rows' data addresses (else None)."""
    with torch.no_grad():
        rows: list = [None] * stage.dag.n     # node -> its output (B, H', W', C), a view
        ptrs = np.zeros(stage.dag.n, dtype=np.int64) if stage.uses_edge_kernels(x) else None
        invstds, kept = [], []
        chunk = stage.chunk_nodes(x)
        for lv, p in zip(stage.levels, _chunks(params, 5)):
            values = torch.sigmoid(p[0])
            values = values.numpy() if ptrs is not None else values.tolist()
            parts, level_kept = [], []
            chunks = lv.node_chunks(chunk)
            if ptrs is not None and not lv.is_input:   # the whole level in one pass
                inputs = lv.aggregate_compiled(rows, values, chunks, ptrs)
            else:                                      # chunk by chunk, as computed
                inputs = (lv.aggregate(x, rows, values, j0, j1) for j0, j1 in chunks)
            for (j0, j1), r in zip(chunks, inputs):
                out, invstd, d = lv.compute(r, p, j0, j1, fused_bn=ptrs is not None)
                rows[lv.first + j0:lv.first + j1] = out.unbind(0)
                if ptrs is not None:
                    ptrs[lv.first + j0:lv.first + j1] = out.data_ptr() + np.arange(
                        j1 - j0) * (out[0].numel() * out.element_size())
                if keep:
                    parts.append(invstd)
                    level_kept.append((r, d, out))
            if keep:
                invstds.append(torch.cat(parts))
                kept.append(level_kept)
        y = stage.average_outputs(rows)
    return y, rows, kept, invstds, ptrs


def _chunk_table(tensors: list, chunks: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each node of a level goes in its chunk's tensor (``(B, H, W, n, C)``):
    the tensor's address, the chunk's node count, the node's place in it."""
    sizes = [j1 - j0 for j0, j1 in chunks]
    return (np.repeat(np.asarray([t.data_ptr() for t in tensors], dtype=np.int64), sizes),
            np.repeat(np.asarray(sizes, dtype=np.int64), sizes),
            np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]))


def _chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


class _Level(nn.Module):
    """The parameters and wiring of one topological level of a stage.

    Nodes of the input level read the stage input (``in_channels``, which may differ from
    ``channels`` where a stage widens, as Xie et al.'s C, 2C, 4C); every other node reads
    ``channels``."""

    def __init__(self, nodes: np.ndarray, preds: list[np.ndarray], channels: int,
                 stride: int, in_channels: int | None = None):
        super().__init__()
        n, c = len(nodes), channels
        self.n, self.channels, self.stride = n, c, stride
        self.first = int(nodes[0])
        sources = np.unique(np.concatenate([preds[v] for v in nodes] + [np.zeros(0, int)]))
        self.is_input = len(sources) == 0
        c_in = in_channels if self.is_input and in_channels is not None else c
        self.in_channels = c_in
        edges = sorted((j, int(u)) for j, v in enumerate(nodes) for u in preds[v])
        rows = torch.as_tensor([j for j, _ in edges], dtype=torch.long)
        cols = torch.as_tensor([u for _, u in edges], dtype=torch.long)
        src_global = cols.tolist()
        self.register_buffer("rows", rows, persistent=False)
        # The edges as (target row, source node) pairs, sorted by target, and where each
        # target's edges start (CSR row offsets, as Python ints: slicing a chunk's edges
        # never waits on the device).
        self.crow_host = _crow(rows, n).tolist()
        self.edge_pairs = list(zip(rows.tolist(), cols.tolist()))
        # the same CSR for the compiled edge kernels
        self.crow_np = np.asarray(self.crow_host, dtype=np.int64)
        self.sources_np = np.asarray(src_global, dtype=np.int64)
        self.edge_sources = src_global           # for the per-node reference
        self.edge_weight = nn.Parameter(torch.zeros(len(rows)))   # sigmoid(0) = 0.5
        self.dw_weight = nn.Parameter(torch.empty(n * c_in, 1, 3, 3))
        self.pw_weight = nn.Parameter(torch.empty(n * c, c_in, 1, 1))
        self.bn_weight = nn.Parameter(torch.ones(n * c))
        self.bn_bias = nn.Parameter(torch.zeros(n * c))
        self.register_buffer("running_mean", torch.zeros(n * c))
        self.register_buffer("running_var", torch.ones(n * c))
        # Stacked training (topocli.training.stack): which graph's stage input each node
        # of an input level reads; None: the one stage input.
        self.register_buffer("input_graph", None, persistent=False)
        # Same init as nn.Conv2d (fan-in of each node's own conv).
        nn.init.kaiming_uniform_(self.dw_weight, a=math.sqrt(5))
        nn.init.kaiming_uniform_(self.pw_weight, a=math.sqrt(5))

    def params(self) -> list[torch.Tensor]:
        return [self.edge_weight, self.dw_weight, self.pw_weight, self.bn_weight,
                self.bn_bias]

    def node_chunks(self, size: int) -> list[tuple[int, int]]:
        return [(j, min(j + size, self.n)) for j in range(0, self.n, size)]

    def aggregate_compiled(self, rows: list, values: np.ndarray, chunks: list,
                           ptrs: np.ndarray) -> list[torch.Tensor]:
        """What :meth:`aggregate` gives for each chunk of a non-input level, all in one
        compiled pass (:func:`~topocli.training._edge_kernels.gather_level`) over the
        rows' addresses ``ptrs``; ``values``: the sigmoid of the edge weights."""
        from topocli.training import _edge_kernels
        like = rows[self.edge_pairs[0][1]]
        b, h, w, c = like.shape
        inputs = [like.new_empty(b, h, w, j1 - j0, c) for j0, j1 in chunks]
        _edge_kernels.gather_level(ptrs, self.crow_np, self.sources_np, values,
                                   *_chunk_table(inputs, chunks), c, like.numel(),
                                   like.numpy(), _edge_kernels.block_for(c))
        return [r.view(b, h, w, -1).permute(0, 3, 1, 2) for r in inputs]

    def aggregate(self, x: torch.Tensor, rows: list, values: list[float], j0: int,
                  j1: int) -> torch.Tensor:
        """ReLU of the input of nodes ``j0:j1``, ``(B, n*C, H, W)`` in channels-last memory.

        Input levels read the stage input ``x`` (B, C, H, W); other levels the weighted
        sum (``values`` = sigmoid of the edge weights) of earlier nodes' outputs
        (``rows``), one multiply-add per edge into node-major rows, then the ReLU and
        the move to the channels-last layout the depthwise conv reads in one pass.
        """
        n = j1 - j0
        if self.is_input and self.input_graph is not None:   # x: (B, H, W, K, C_in)
            a = F.relu(x.index_select(3, self.input_graph[j0:j1]))
            b, h, w, _, c_in = a.shape
            return a.view(b, h, w, n * c_in).permute(0, 3, 1, 2)
        if self.is_input:
            b, c_in, h, w = x.shape
            a = F.relu(x).permute(0, 2, 3, 1).unsqueeze(3).expand(b, h, w, n, c_in)
            return a.reshape(b, h, w, n * c_in).permute(0, 3, 1, 2)
        e0, e1 = self.crow_host[j0], self.crow_host[j1]
        b, h, w, c = rows[self.edge_pairs[e0][1]].shape
        a = rows[self.edge_pairs[e0][1]].new_empty(n, b, h, w, c)   # node-major: rows
        sums, target = a.unbind(0), -1
        for (j, u), weight in zip(self.edge_pairs[e0:e1], values[e0:e1]):
            if j != target:        # first edge into node j (edges are sorted by target)
                torch.mul(rows[u], weight, out=sums[j - j0])
                target = j
            else:
                sums[j - j0].add_(rows[u], alpha=weight)
        # ReLU and the move to channels-last in one pass (in place for a one-node chunk).
        a = a.permute(1, 2, 3, 0, 4)
        r = a if a.is_contiguous() else a.new_empty(b, h, w, n, c)
        torch.clamp_min(a, 0, out=r)
        return r.view(b, h, w, n * c).permute(0, 3, 1, 2)

    def compute(self, r: torch.Tensor, p, j0: int, j1: int, *, fused_bn: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Depthwise -> pointwise -> BN of nodes ``j0:j1`` from their ReLU'd input ``r``
        (no autograd).

        Returns BN's output node-major, ``(n, B, H', W', C)`` (a view for a one-node
        chunk, else a copy: the edges read and write whole node rows), BN's inverse std
        per channel, and the depthwise output (kept for the backward).
        Convolutions run channels-last, ``(B, n*C, H, W)``, which CPU depthwise kernels
        need to be fast (the NCHW depthwise backward measured ~5x slower). ``fused_bn``
        (the CPU's compiled path): BN writes its node-major output itself
        (:func:`~topocli.training._bn_kernels.bn_forward`), no copy.
        """
        _, dw, pw, gamma, beta = p
        b, nc_in = r.shape[:2]
        c, n = self.channels, j1 - j0
        ch, ch_in = slice(j0 * c, j1 * c), slice(j0 * self.in_channels, j1 * self.in_channels)
        rm, rv = self.running_mean[ch], self.running_var[ch]
        d = F.conv2d(r, dw[ch_in], stride=self.stride, padding=1, groups=nc_in)
        a = F.conv2d(d, pw[ch], groups=n)
        if fused_bn:
            from topocli.training import _bn_kernels
            h, w = a.shape[2:]
            a = a.permute(0, 2, 3, 1).contiguous()      # channels-last already: a view
            out = a.new_empty(n, b, h, w, c)
            invstd = a.new_empty(n * c)
            _bn_kernels.bn_forward(a.view(-1, n * c).numpy(), gamma[ch].detach().numpy(),
                                   beta[ch].detach().numpy(), rm.numpy(), rv.numpy(),
                                   invstd.numpy(), out.view(n, -1, c).numpy(), BN_EPS,
                                   BN_MOMENTUM, self.training)
            return out, invstd, d
        if self.training:
            a, _, invstd = torch.native_batch_norm(a, gamma[ch], beta[ch], rm, rv, True,
                                                   BN_MOMENTUM, BN_EPS)
        else:
            a = F.batch_norm(a, rm, rv, gamma[ch], beta[ch], False, 0.0, BN_EPS)
            invstd = (rv + BN_EPS).rsqrt()
        h, w = a.shape[2:]
        out = a.permute(0, 2, 3, 1).reshape(b, h, w, n, c).permute(3, 0, 1, 2, 4)
        return out.contiguous(), invstd, d

    def _bn(self, a, gamma, beta, update_stats, sl=slice(None)):
        if not self.training:
            return F.batch_norm(a, self.running_mean[sl], self.running_var[sl], gamma, beta,
                                False, 0.0, BN_EPS)
        if update_stats:
            return F.batch_norm(a, self.running_mean[sl], self.running_var[sl], gamma, beta,
                                True, BN_MOMENTUM, BN_EPS)
        return F.batch_norm(a, None, None, gamma, beta, True, 0.0, BN_EPS)


class DagStage(nn.Module):
    """One DAG stage: ``(B, C_in, H, W) -> (B, C, H', W')`` computed level by level.

    ``stride`` is that of the input nodes' depthwise conv (2 halves the resolution);
    ``in_channels`` (default ``channels``) is the width of the stage input.
    """

    def __init__(self, dag: Dag, channels: int, *, stride: int = 1,
                 in_channels: int | None = None, chunk_bytes: int | None = CHUNK_BYTES):
        super().__init__()
        self.dag, self.channels, self.chunk_bytes = dag, channels, chunk_bytes
        self.in_channels = in_channels or channels
        preds = dag.predecessors()
        self.levels = nn.ModuleList(
            _Level(nodes, preds, channels, stride if k == 0 else 1, self.in_channels)
            for k, nodes in enumerate(dag.levels()))
        self.output_nodes = [int(v) for v in dag.output_nodes()]
        # node -> (level, edge, target) of each edge out of it, for the backward's pull
        self.out_edges: list[list[tuple[int, int, int]]] = [[] for _ in range(dag.n)]
        for k, lv in enumerate(self.levels):
            for e, (j, u) in enumerate(lv.edge_pairs):
                self.out_edges[u].append((k, e, lv.first + j))
        # The same as CSR over nodes for the compiled pull: out-edges of node v are
        # out_ptr[v]:out_ptr[v+1], by stage-wide edge index (level k's edges start at
        # edge_offsets[k]) and target.
        self.edge_offsets = np.cumsum([0] + [len(lv.edge_pairs) for lv in self.levels])
        self.out_ptr = np.cumsum([0] + [len(out) for out in self.out_edges])
        self.out_edge = np.asarray([self.edge_offsets[k] + e for out in self.out_edges
                                    for k, e, _ in out], dtype=np.int64)
        self.out_target = np.asarray([j for out in self.out_edges for _, _, j in out],
                                     dtype=np.int64)

    #: Run the per-edge passes as compiled kernels on the CPU
    #: (:mod:`topocli.training._edge_kernels`); False: one torch call per edge (the path
    #: every other device takes, kept testable on the CPU).
    edge_kernels = True

    def uses_edge_kernels(self, x: torch.Tensor) -> bool:
        """The compiled passes run on one thread: they are taken on the CPU when torch
        runs on one thread too (every sweep worker; ``--threads 1``). With more, the
        per-edge torch calls use all of them, and measured as fast (digits, 2 threads:
        0.22-0.28 s/step either way)."""
        return (self.edge_kernels and x.device.type == "cpu"
                and x.dtype in (torch.float32, torch.float64)
                and torch.get_num_threads() == 1)

    def chunk_nodes(self, x: torch.Tensor) -> int:
        """Nodes computed per call: as many as fit ``chunk_bytes`` per activation, so a
        node chunk's intermediates stay in cache (``None``: whole levels)."""
        if self.chunk_bytes is None:
            return self.dag.n
        per_node = (x.shape[0] * x.shape[2] * x.shape[3] * max(self.channels, self.in_channels)
                    * x.element_size())
        return max(1, self.chunk_bytes // per_node)

    def average_outputs(self, rows: list) -> torch.Tensor:
        """The stage output from the node outputs ``rows`` (each ``(B, H, W, C)``): the
        mean of the output nodes, ``(B, H, W, C)``."""
        outputs = self.output_nodes
        y = rows[outputs[0]].clone(memory_format=torch.contiguous_format)
        for v in outputs[1:]:
            y.add_(rows[v])
        return y.div_(len(outputs))

    def output_grads(self, grad_y: torch.Tensor) -> dict[int, torch.Tensor]:
        """Each output node's share of the gradient ``grad_y`` of :meth:`average_outputs`,
        flat (one tensor shared by every output node)."""
        share = grad_y.reshape(-1) / len(self.output_nodes)
        return dict.fromkeys(self.output_nodes, share)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params = [t for lv in self.levels for t in lv.params()]
        if torch.is_grad_enabled() and (x.requires_grad or any(p.requires_grad
                                                               for p in params)):
            y = _StageFunction.apply(self, x, *params)   # (B, H, W, C)
        else:   # no backward will come: keep nothing for it (evaluation memory / 3)
            y = _stage_forward(self, x, params, keep=False)[0]
        return y.permute(0, 3, 1, 2)                     # (B, C, H, W), channels-last

    def forward_reference(self, x: torch.Tensor, *, channels_last: bool = False
                          ) -> torch.Tensor:
        """Plain per-node loop (community RandWire style), same parameters.

        Every edge is one multiply-add and every node's intermediates stay alive until
        the backward. ``channels_last`` runs it in the channels-last memory format.
        """
        c = self.channels
        x = x.contiguous(memory_format=torch.channels_last if channels_last
                         else torch.contiguous_format)
        node_out: dict[int, torch.Tensor] = {}
        for lv in self.levels:
            edges_into: dict[int, list[tuple[int, int]]] = {}
            for e, (j, u) in enumerate(zip(lv.rows.tolist(), lv.edge_sources)):
                edges_into.setdefault(j, []).append((e, u))
            for j in range(lv.n):
                if lv.is_input:
                    a = x
                else:
                    a = None
                    for e, u in edges_into[j]:
                        term = torch.sigmoid(lv.edge_weight[e]) * node_out[u]
                        a = term if a is None else a + term
                sl = slice(j * c, (j + 1) * c)
                c_in = lv.in_channels
                a = F.relu(a)
                a = F.conv2d(a, lv.dw_weight[j * c_in:(j + 1) * c_in], stride=lv.stride,
                             padding=1, groups=c_in)
                a = F.conv2d(a, lv.pw_weight[sl])
                node_out[lv.first + j] = lv._bn(a, lv.bn_weight[sl], lv.bn_bias[sl], True, sl)
        outs = [node_out[int(v)] for v in self.dag.output_nodes()]
        return torch.stack(outs).mean(0)


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
