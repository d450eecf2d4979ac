"""Compiled inner loop of the degree-preserving swap chains (numba).

Kept apart from :mod:`topocli.nullmodels.rewiring` so that importing topocli does not
import numba; the first call compiles (a few seconds) and caches the machine code next to
this file (numba's ``cache=True``), so later processes load it in a fraction of a second.
"""

from __future__ import annotations

import numba
import numpy as np

from topocli.system import ensure_numba_cache

ensure_numba_cache(__file__)   # a writable cache even on a read-only install


@numba.njit(cache=True, nogil=True)
def swap_trials(src: np.ndarray, dst: np.ndarray, adj: np.ndarray, n: int, symmetric: bool,
                first: np.ndarray, second: np.ndarray, coin: np.ndarray, n_single: int,
                n_pairs: int, order: np.ndarray) -> int:
    """Run one chunk of swap trials of one chain in place; return the accepted count.

    ``src``/``dst``: the units' ends (``units[:n_single]`` arcs, then pairs, as
    ``rewiring._Units``); ``adj``: the n*n byte adjacency, both directions of every unit
    when ``symmetric``. ``first``, ``second`` and ``coin`` are the chunk's raw draws
    (``rewiring._raw_draws``): the first unit; the second unit's draw (an int below
    ``m - 1`` for one kind of unit, else a float in [0, 1) scaled to the first unit's
    kind); the flip of a pair's ends (empty when there are no pairs). ``order``: ring
    positions for latticisation (empty otherwise): a trial that moves the two edges away
    from the ring's diagonal is refused.
    """
    accepted = 0
    mixed = n_single > 0 and n_pairs > 0
    has_coin = coin.shape[0] > 0
    lattice = order.shape[0] > 0
    for t in range(first.shape[0]):
        e1 = first[t]
        if mixed:
            is_pair = e1 >= n_single
            size = n_pairs if is_pair else n_single
            base = n_single if is_pair else 0
            # Same float product and truncation as numpy's (second * (size - 1)).astype.
            e2 = np.int64(second[t] * (size - 1))
            if e2 >= e1 - base:
                e2 += 1                  # uniform over the other units of e1's kind
            if size > 1:
                e2 += base
            else:
                e2 = e1                  # a kind with one unit: refused below (a == c)
            flip = has_coin and is_pair and coin[t] == 1
        else:
            e2 = np.int64(second[t])
            if e2 >= e1:
                e2 += 1                  # uniform over the other m - 1 units
            flip = has_coin and coin[t] == 1
        a, b = src[e1], dst[e1]
        if flip:
            c, d = dst[e2], src[e2]
        else:
            c, d = src[e2], dst[e2]
        if a == c or b == d or a == d or b == c or adj[a * n + d] or adj[c * n + b]:
            continue
        if lattice:
            pa, pb, pc, pd = order[a], order[b], order[c], order[d]
            before = min(abs(pa - pb), n - abs(pa - pb)) + min(abs(pc - pd), n - abs(pc - pd))
            after = min(abs(pa - pd), n - abs(pa - pd)) + min(abs(pc - pb), n - abs(pc - pb))
            if after > before:
                continue
        adj[a * n + b] = 0
        adj[c * n + d] = 0
        adj[a * n + d] = 1
        adj[c * n + b] = 1
        if symmetric:
            adj[b * n + a] = 0
            adj[d * n + c] = 0
            adj[d * n + a] = 1
            adj[b * n + c] = 1
        dst[e1] = d
        if flip:                         # d sat in e2's first slot: c->d becomes b-c there
            src[e2] = b
        else:
            dst[e2] = b
        accepted += 1
    return accepted


@numba.njit(cache=True, nogil=True)
def weakly_connected(src: np.ndarray, dst: np.ndarray, n: int) -> bool:
    """Whether the graph on nodes ``0..n-1`` with edges ``src[i]-dst[i]`` is (weakly)
    connected: union-find with path halving, a few microseconds for a connectome."""
    parent = np.arange(n)
    parts = n
    for i in range(src.shape[0]):
        x, y = src[i], dst[i]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x != y:
            parent[x] = y
            parts -= 1
    return parts <= 1
