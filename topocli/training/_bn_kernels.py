"""Compiled batch norm of a node chunk (numba), fused with the layout move around it.

A chunk's pointwise conv writes channels-last, ``(positions, n * C)``; the per-edge
kernels (:mod:`topocli.training._edge_kernels`) read and write node-major rows,
``(n, positions, C)``. With torch's batch norm, every chunk paid a layout copy on each
side: BN's output copied to node-major rows in the forward, and those rows copied back
to channels-last for BN's backward. Here BN's forward writes its output straight into
the node-major rows, and its backward reads them where they are, so both copies go:

- :func:`bn_forward`: per-channel batch statistics (training; running statistics in
  eval mode), the running statistics' momentum update, and the normalised output,
  node-major;
- :func:`bn_backward`: the batch-statistics gradient from BN's own output (the
  normalised input is ``(out - beta) / gamma``, as in-place activated BN, Rota Bulo et
  al. 2018), channels-last for the convolutions' backward, with gamma's and beta's
  gradients.

Each works node by node, so a node's C channels (one 64-byte line at C = 16 in float32)
are a contiguous run on both sides. Sums are taken in blocks of :data:`SUM_BLOCK`
positions in the data's dtype and added up in float64, and always of shifted values so
that a large mean does not cancel: the forward's variance from ``x - x_0`` (the first
position's value of the channel, within a few standard deviations of the mean), the
backward's ``sum g x (out - beta)`` with beta subtracted element by element (the pull
that takes it is given beta). Checked against float64 in the tests, including a mean
1,000 standard deviations from zero.
"""

from __future__ import annotations

import numba
import numpy as np

from topocli.system import ensure_numba_cache

ensure_numba_cache(__file__)   # a writable cache even on a read-only install

#: Fused multiply-adds only: no reassociation, which could turn a sum of ``x - x_0``
#: back into ``sum(x) - n x_0``. Every loop runs over channels, element-wise, so it
#: vectorises without it.
_FAST = {"contract"}
#: Positions summed in the data's dtype before a float64 accumulator takes the block.
SUM_BLOCK = 64


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def bn_forward(a, gamma, beta, running_mean, running_var, invstd, out, eps, momentum,
               train):
    """Batch norm of ``a`` (``(P, n * C)``, channels-last) into ``out`` (``(n, P, C)``,
    node-major). ``train``: batch statistics, and the running statistics (``(n * C,)``,
    updated in place) move by ``momentum`` towards the batch mean and unbiased variance,
    as ``torch.native_batch_norm``; else the running statistics normalise. ``invstd``
    (``(n * C,)``) receives the inverse standard deviation used."""
    n_pos = a.shape[0]
    n, _, c = out.shape
    ref = np.empty(c, a.dtype)      # subtracted first: x_0 (training) or the running mean
    scale = np.empty(c, a.dtype)
    offset = np.empty(c, a.dtype)   # out = (x - ref) * scale + offset
    part1 = np.empty(c, a.dtype)
    part2 = np.empty(c, a.dtype)
    for j in range(n):
        k0 = j * c
        if train:
            s1 = np.zeros(c, np.float64)   # sums of x - x_0 and of its square
            s2 = np.zeros(c, np.float64)
            ref[:] = a[0, k0:k0 + c]
            for p0 in range(0, n_pos, SUM_BLOCK):
                part1[:] = 0
                part2[:] = 0
                for p in range(p0, min(p0 + SUM_BLOCK, n_pos)):
                    row = a[p, k0:k0 + c]
                    for i in range(c):
                        x = row[i] - ref[i]
                        part1[i] += x
                        part2[i] += x * x
                for i in range(c):
                    s1[i] += part1[i]
                    s2[i] += part2[i]
            for i in range(c):
                k = k0 + i
                centred = s1[i] / n_pos           # mean - x_0
                var = max(s2[i] / n_pos - centred * centred, 0.0)
                inv = 1.0 / np.sqrt(var + eps)
                running_mean[k] = ((1 - momentum) * running_mean[k]
                                   + momentum * (ref[i] + centred))
                running_var[k] = ((1 - momentum) * running_var[k]
                                  + momentum * var * n_pos / max(n_pos - 1, 1))
                invstd[k] = inv
                scale[i] = gamma[k] * inv
                offset[i] = beta[k] - centred * gamma[k] * inv
        else:
            for i in range(c):
                k = k0 + i
                inv = 1.0 / np.sqrt(running_var[k] + eps)
                invstd[k] = inv
                ref[i] = running_mean[k]
                scale[i] = gamma[k] * inv
                offset[i] = beta[k]
        dest = out[j]
        for p in range(n_pos):
            row = a[p, k0:k0 + c]
            d = dest[p]
            for i in range(c):
                d[i] = (row[i] - ref[i]) * scale[i] + offset[i]


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def bn_backward(g, out, gamma, beta, invstd, sums, grad, grad_gamma, grad_beta):
    """Training-mode batch norm backward from BN's output ``out`` (``(n, P, C)``,
    node-major), the output gradient ``g`` (``(P, n * C)``, channels-last) and, per
    node and channel, the sums of ``g`` and ``g x (out - beta)`` (``sums``,
    ``(n, 2, C)``, from the pull that produced ``g``, :func:`add_block_sums`): the
    input gradient into
    ``grad`` (channels-last) in one pass, gamma's and beta's gradients into
    ``grad_gamma`` and ``grad_beta``. A gamma below 1e-6 in size is taken as 1e-6 to
    recover the normalised input (as the torch path does)."""
    n_pos = g.shape[0]
    n, _, c = out.shape
    k1 = np.empty(c, g.dtype)
    k_out = np.empty(c, g.dtype)
    k_0 = np.empty(c, g.dtype)
    for j in range(n):
        k0 = j * c
        for i in range(c):
            k = k0 + i
            gm = gamma[k]
            safe = gm if abs(gm) >= 1e-6 else 1e-6
            sum_g = sums[j, 0, i]
            sum_gx = sums[j, 1, i] / safe   # sum of g * xhat
            grad_beta[k] = sum_g
            grad_gamma[k] = sum_gx
            # grad = gamma invstd (g - mean(g) - xhat mean(g xhat)), xhat = (out - beta)/safe
            scale = gamma[k] * invstd[k]
            mean_gx = sum_gx / n_pos
            k1[i] = scale
            k_out[i] = -scale * mean_gx / safe
            k_0[i] = scale * (beta[k] * mean_gx / safe - sum_g / n_pos)
        src = out[j]
        for p in range(n_pos):
            o = src[p]
            row = g[p, k0:k0 + c]
            d = grad[p, k0:k0 + c]
            for i in range(c):
                d[i] = k1[i] * row[i] + k_out[i] * o[i] + k_0[i]


@numba.njit(cache=True, nogil=True, fastmath=_FAST, boundscheck=False)
def add_block_sums(g, out, m, c, part, sums, shift):
    """Add to ``sums`` (``(2, c)``, float64) one node's per-channel sums of ``g`` and of
    ``g x (out - shift)`` (``shift``: the node's beta) over a block of its node-major
    rows, ``m`` elements (``m // c`` positions), in partial sums of :data:`SUM_BLOCK`
    positions (``part``: ``(2, c)`` scratch): what :func:`bn_backward` takes, added up
    by the pull (:func:`~topocli.training._edge_kernels.pull_level`) while the
    gradient and the output blocks are in cache."""
    n_pos = m // c
    for q0 in range(0, n_pos, SUM_BLOCK):
        part[:] = 0
        for q in range(q0, min(q0 + SUM_BLOCK, n_pos)):
            gq = g[q * c:(q + 1) * c]
            oq = out[q * c:(q + 1) * c]
            for i in range(c):
                part[0, i] += gq[i]
                part[1, i] += gq[i] * (oq[i] - shift[i])
        for i in range(c):
            sums[0, i] += part[0, i]
            sums[1, i] += part[1, i]
