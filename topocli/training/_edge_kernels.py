"""Compiled per-edge passes of the CPU stage (numba): a level's weighted input sums, and
the pull of its output gradients, each fused with the layout move that follows it.

The per-edge torch path (:mod:`topocli.training._autograd`) makes one or two library calls
per DAG edge (a multiply-add, and in the backward a dot product): thousands of calls per
step, each a full pass over a node's activation. These kernels take a whole level at
once, block by block over positions (``block`` elements, whole positions): for each
block, every node of the level sums its edges four at a time into a cache-resident
accumulator. So a partial sum (or a gradient) is read and written once per four edges
instead of once per edge; a source (or target) shared by several nodes of the level is
read from cache after its first use instead of from memory, which is what pays when a
node's activation is larger than the cache (C = 32 at 14x14: 1.6 MB); the edge-weight dot
products are taken in the same pass as the gradient sums; and each block goes straight
to the channels-last chunk layout the convolutions read, with the ReLU on the way.

Node activations are separate torch tensors (rows of a chunk's tensor), handed to the
kernels as tables of data addresses: every address must point at ``size`` contiguous
elements of the activations' dtype that stay alive during the call. Kept apart so that
importing topocli does not import numba; the first call compiles (seconds, per dtype)
and caches the machine code next to this file.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from topocli.system import ensure_numba_cache
from topocli.training._bn_kernels import add_block_sums

ensure_numba_cache(__file__)   # a writable cache even on a read-only install

#: Elements per block (rounded down to whole positions by :func:`block_for`); the
#: largest block measured was the fastest (benchmarks/RESULTS-training.md, section 8).
BLOCK = 16384
#: Reassociation lets the sums and dot products vectorise; no assumptions about NaN or
#: infinities, so a diverging run still shows NaN where torch would.
_FAST = {"reassoc", "contract"}


def block_for(channels: int) -> int:
    """The block the kernels take for nodes of ``channels`` channels: whole positions."""
    return max(1, BLOCK // channels) * channels


@intrinsic
def _voidptr(typingctx, address):
    """An int64 address as a ``void*`` (for :func:`numba.carray`)."""
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)
    return types.voidptr(address), codegen


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def _row(ptrs, v, size, like):
    return numba.carray(_voidptr(ptrs[v]), (size,), like.dtype)


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def _store(acc, out, b0, m, j, n, c, relu):
    """Write block ``acc[:m]`` (node-major elements ``b0:b0+m`` of local node ``j``) into
    ``out``, a chunk of ``n`` nodes in the layout ``(positions, n, c)``."""
    if n == 1:
        dest = out[b0:b0 + m]
        for i in range(m):
            value = acc[i]
            dest[i] = 0 if (relu and value <= 0) else value   # NaN stays NaN, as in torch
        return
    first = b0 // c
    for q in range(m // c):
        dest = out[(first + q) * n * c + j * c:(first + q) * n * c + (j + 1) * c]
        src = acc[q * c:(q + 1) * c]
        for i in range(c):
            value = src[i]
            dest[i] = 0 if (relu and value <= 0) else value


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def gather_level(ptrs, crow, sources, weights, dst_ptrs, dst_n, dst_j, c, size, like,
                 block):
    """ReLU of the weighted input sums of every node of a level, block by block over
    positions, so that a source shared by several targets of the level is read from
    cache after its first target. Node ``j``'s result goes to chunk ``dst_ptrs[j]``
    (``dst_n[j]`` nodes, channels-last) as its node ``dst_j[j]``."""
    n_targets = crow.shape[0] - 1
    acc = np.empty(min(block, size), like.dtype)
    for b0 in range(0, size, block):
        m = min(block, size - b0)
        a = acc[:m]
        for j in range(n_targets):
            e0, e1 = crow[j], crow[j + 1]
            s0 = _row(ptrs, sources[e0], size, like)[b0:b0 + m]
            w0 = weights[e0]
            for i in range(m):
                a[i] = w0 * s0[i]
            e = e0 + 1
            while e + 4 <= e1:
                s0 = _row(ptrs, sources[e], size, like)[b0:b0 + m]
                s1 = _row(ptrs, sources[e + 1], size, like)[b0:b0 + m]
                s2 = _row(ptrs, sources[e + 2], size, like)[b0:b0 + m]
                s3 = _row(ptrs, sources[e + 3], size, like)[b0:b0 + m]
                w0, w1, w2, w3 = weights[e], weights[e + 1], weights[e + 2], weights[e + 3]
                for i in range(m):
                    a[i] += w0 * s0[i] + w1 * s1[i] + w2 * s2[i] + w3 * s3[i]
                e += 4
            while e < e1:
                s0 = _row(ptrs, sources[e], size, like)[b0:b0 + m]
                w0 = weights[e]
                for i in range(m):
                    a[i] += w0 * s0[i]
                e += 1
            dst = _row(dst_ptrs, j, size * dst_n[j], like)
            _store(a, dst, b0, m, dst_j[j], dst_n[j], c, True)


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def pull_level(grad_ptrs, out_ptrs, share_ptrs, optr, oedge, otarget, weights, dots,
               dst_ptrs, dst_n, dst_j, v0, v1, c, size, like, want_dots, block, sums,
               shift):
    """The output gradient of every node ``v0:v1`` of a level, block by block over
    positions (a target shared by several sources is read from cache after the first):
    its share of the stage output's gradient plus, over its out-edges, weight x the
    target's input gradient, with each edge's dot product (target input gradient .
    node output) added to ``dots`` when ``want_dots``. Node ``v``'s gradient goes to
    chunk ``dst_ptrs[v - v0]`` as its node ``dst_j[v - v0]``. ``sums``, unless empty,
    ``(v1 - v0, 2, c)`` float64, receives per channel the sum of the gradient and of
    gradient x (output - ``shift``), ``shift`` ``(v1 - v0, c)``: with BN's beta, what
    BN's backward needs (:func:`~topocli.training._bn_kernels.bn_backward`), taken while
    both are in cache.
    """
    acc = np.empty(min(block, size), like.dtype)
    want_sums = sums.shape[0] > 0
    part = np.zeros((2, c), like.dtype)
    for b0 in range(0, size, block):
        m = min(block, size - b0)
        a = acc[:m]
        for v in range(v0, v1):
            e0, e1 = optr[v], optr[v + 1]
            if share_ptrs[v] != 0:
                share = _row(share_ptrs, v, size, like)[b0:b0 + m]
                for i in range(m):
                    a[i] = share[i]
            else:
                a[:] = 0
            s = _row(out_ptrs, v, size, like)[b0:b0 + m]
            e = e0
            while e + 4 <= e1:
                g0 = _row(grad_ptrs, otarget[e], size, like)[b0:b0 + m]
                g1 = _row(grad_ptrs, otarget[e + 1], size, like)[b0:b0 + m]
                g2 = _row(grad_ptrs, otarget[e + 2], size, like)[b0:b0 + m]
                g3 = _row(grad_ptrs, otarget[e + 3], size, like)[b0:b0 + m]
                w0, w1 = weights[oedge[e]], weights[oedge[e + 1]]
                w2, w3 = weights[oedge[e + 2]], weights[oedge[e + 3]]
                if want_dots:
                    d0 = d1 = d2 = d3 = w0 * 0
                    for i in range(m):
                        x0, x1, x2, x3, y = g0[i], g1[i], g2[i], g3[i], s[i]
                        a[i] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3
                        d0 += x0 * y
                        d1 += x1 * y
                        d2 += x2 * y
                        d3 += x3 * y
                    dots[oedge[e]] += d0
                    dots[oedge[e + 1]] += d1
                    dots[oedge[e + 2]] += d2
                    dots[oedge[e + 3]] += d3
                else:
                    for i in range(m):
                        a[i] += w0 * g0[i] + w1 * g1[i] + w2 * g2[i] + w3 * g3[i]
                e += 4
            while e < e1:
                g0 = _row(grad_ptrs, otarget[e], size, like)[b0:b0 + m]
                w0 = weights[oedge[e]]
                d0 = w0 * 0
                for i in range(m):
                    x0 = g0[i]
                    a[i] += w0 * x0
                    d0 += x0 * s[i]
                if want_dots:
                    dots[oedge[e]] += d0
                e += 1
            if want_sums:
                add_block_sums(a, s, m, c, part, sums[v - v0], shift[v - v0])
            dst = _row(dst_ptrs, v - v0, size * dst_n[v - v0], like)
            _store(a, dst, b0, m, dst_j[v - v0], dst_n[v - v0], c, False)


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def relu_backward_rows(grad, out, rows, n, c):
    """The ReLU's backward of a chunk of ``n`` nodes, moved to node-major rows:
    ``grad`` and ``out`` (the ReLU's output gradient and output) in the convolutions'
    layout ``(positions, n, c)``, ``rows`` ``(n, positions, c)``, all flat. Zero where
    the output is <= 0, as torch's ``threshold_backward`` (NaN passes the gradient)."""
    positions = grad.shape[0] // (n * c)
    for p in range(positions):
        for j in range(n):
            src, dst = (p * n + j) * c, (j * positions + p) * c
            for k in range(c):
                rows[dst + k] = 0 if out[src + k] <= 0 else grad[src + k]
