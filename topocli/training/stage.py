"""The DAG stage: a DAG's nodes as one module, computed level by level.

A DAG node (Xie et al. 2019) sums its inputs with learnable weights passed through a
sigmoid, then ReLU -> 3x3 depthwise conv -> 1x1 pointwise conv (a depthwise-separable
conv) -> BN. Nodes without inputs read the stage input (at the stage's stride, and with
the stage's input width: stages may grow C, 2C, 4C); nodes without outputs are averaged
into the stage output.

:class:`DagStage` holds one :class:`_Level` per topological level (its nodes' parameters
and wiring). Its forward runs all nodes of a level together: the depthwise conv is one
grouped conv with ``groups = nodes * C``, the pointwise conv one grouped 1x1 conv with
``groups = nodes``, BN one call, all channels-last, inside one autograd function with a
hand-written backward (:mod:`topocli.training._autograd`, where the compiled CPU passes
and the per-edge torch path meet behind one seam). On the CPU whole levels of large
activations fall out of cache, so a level is processed in node chunks of about
``CHUNK_BYTES`` per activation (the chunk sizes measured, and the formulations tried and
not kept: ``benchmarks/RESULTS-training.md``, sections 1 and 5).
:meth:`DagStage.forward_reference` is the plain per-node loop (every edge one multiply
and one add, every intermediate kept by autograd), with the same parameters: the
reference the tests hold every path to.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from topocli.training._autograd import LevelParams, run_stage, stage_output
from topocli.training.dag import Dag

__all__ = ["BN_EPS", "BN_MOMENTUM", "CHUNK_BYTES", "DagStage"]

BN_MOMENTUM = 0.1
BN_EPS = 1e-5
#: Activation bytes per node chunk (see :meth:`DagStage.chunk_nodes`).
CHUNK_BYTES = 2 << 20


def _crow(rows: torch.Tensor, n_rows: int) -> torch.Tensor:
    crow = torch.zeros(n_rows + 1, dtype=torch.long)
    crow[1:] = torch.bincount(rows, minlength=n_rows).cumsum(0)
    return crow


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

    def params(self) -> LevelParams:
        return LevelParams(self.edge_weight, self.dw_weight, self.pw_weight, self.bn_weight,
                           self.bn_bias)

    def node_chunks(self, size: int) -> list[tuple[int, int]]:
        return [(j, min(j + size, self.n)) for j in range(0, self.n, size)]

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

    def compute(self, r: torch.Tensor, p: LevelParams, j0: int, j1: int, *,
                fused_bn: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Depthwise -> pointwise -> BN of nodes ``j0:j1`` from their ReLU'd input ``r``
        (no autograd).

        Returns BN's output node-major, ``(n, B, H', W', C)`` (a view for a one-node
        chunk, else a copy: the edges read and write whole node rows), BN's inverse std
        per channel, and the depthwise output (kept for the backward).
        Convolutions run channels-last, ``(B, n*C, H, W)``, which CPU depthwise kernels
        need to be fast (RESULTS-training.md, section 1: channels-last). ``fused_bn``
        (the CPU's compiled path): BN writes its node-major output itself
        (:func:`~topocli.training._bn_kernels.bn_forward`), no copy.
        """
        _, dw, pw, gamma, beta = p   # LevelParams
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
        per-edge torch calls use all of them, and are as fast
        (``benchmarks/RESULTS-training.md``, section 8)."""
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
        params = [lv.params() for lv in self.levels]
        if torch.is_grad_enabled() and (x.requires_grad or any(
                t.requires_grad for p in params for t in p)):
            y = run_stage(self, x, params)               # (B, H, W, C)
        else:   # no backward will come: keep nothing for it
            y = stage_output(self, x, params)
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
