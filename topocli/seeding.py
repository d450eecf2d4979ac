"""One way to handle randomness everywhere.

Every function that draws random numbers takes ``seed``: an ``int``, a
:class:`numpy.random.Generator` or ``None`` (fresh entropy). Independent streams for
sub-tasks (the i-th null graph, the k-th training seed) are derived from a base seed and
a key with :func:`derive_seed`, so a result row's ``(seed, key)`` alone reproduces it.
"""

from __future__ import annotations

import hashlib

import numpy as np

SeedLike = "int | np.random.Generator | None"


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator for ``seed`` (passed through if already a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int, a numpy Generator or None, not {seed!r}")
    return np.random.default_rng(seed)


def derive_seed(seed: int | None, *keys: object) -> int:
    """A stable 63-bit seed for the stream named by ``keys`` under base ``seed``.

    Stable across processes, platforms and Python versions (unlike ``hash``), so a
    parallel or resumed run derives exactly the seeds a serial run would.
    """
    text = repr((seed,) + tuple(str(k) for k in keys)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") >> 1


def int_seed(seed: int | np.random.Generator | None) -> int:
    """An int seed for libraries that only take ints (igraph, torch, random.Random)."""
    return int(as_rng(seed).integers(0, 2**31 - 1))
