"""One way to handle randomness everywhere.

Every function that draws random numbers takes ``seed``: an ``int``, a
:class:`numpy.random.Generator` or ``None`` (fresh entropy from the operating system).
Independent streams for sub-tasks (the i-th null graph, the k-th training seed) are
derived from a base seed and a key with :func:`derive_seed`, so a result row's
``(seed, key)`` alone reproduces it. A function that writes an output resolves ``None``
to a drawn int first (:func:`resolve_seed`) and records that int, so a run made with
fresh entropy can still be repeated.

igraph draws from one process-wide generator and has no getter for it:
:class:`igraph_rng` installs a seeded one for a block and puts back the one that was
installed before, which it knows because every topocli install goes through it.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from typing import Any

import numpy as np

SeedLike = "int | np.random.Generator | None"

__all__ = ["as_rng", "derive_seed", "fresh_seed", "igraph_rng", "int_seed", "resolve_seed"]


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator for ``seed`` (passed through if already a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int, a numpy Generator or None, not {seed!r}")
    return np.random.default_rng(seed)


def fresh_seed() -> int:
    """A new 63-bit seed from the operating system's entropy."""
    return secrets.randbits(63)


def resolve_seed(seed: int | np.random.Generator | None) -> int:
    """An int seed that reproduces the result: ``seed`` itself, drawn from a Generator,
    or fresh entropy for ``None``. Record what this returns."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    if seed is None:
        return fresh_seed()
    return int(as_rng(seed).integers(0, 2**63 - 1))


def derive_seed(seed: int | None, *keys: object) -> int:
    """A stable 63-bit seed for the stream named by ``keys`` under base ``seed``.

    Stable across processes, platforms and Python versions (unlike ``hash``), so a
    parallel or resumed run derives exactly the seeds a serial run would. ``seed=None``
    means fresh entropy (each call a different stream); callers that must reproduce a
    family of streams resolve ``None`` once with :func:`resolve_seed` and derive from that.
    """
    if seed is None:
        seed = fresh_seed()
    text = repr((seed,) + tuple(str(k) for k in keys)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") >> 1


def int_seed(seed: int | np.random.Generator | None) -> int:
    """An int seed for libraries that only take ints (igraph, torch, random.Random)."""
    return int(as_rng(seed).integers(0, 2**31 - 1))


# igraph's generator is process-wide and write-only; what topocli installed is tracked
# here (the bottom entry is python-igraph's default, the ``random`` module).
_IGRAPH_INSTALLED: list[Any] = [random]


class igraph_rng:
    """Seed igraph's generator for one block and restore the previous one afterwards.

    ``with igraph_rng(seed) as rng: ...`` installs ``random.Random(seed)``; on exit the
    generator installed before (by an enclosing ``igraph_rng`` or python-igraph's default)
    is installed again. Not for concurrent use from several threads: igraph has one
    generator per process.
    """

    def __init__(self, seed: int | np.random.Generator | None):
        self.seed = resolve_seed(seed)
        self._rng = random.Random(self.seed)

    def __enter__(self) -> random.Random:
        import igraph as ig

        ig.set_random_number_generator(self._rng)
        _IGRAPH_INSTALLED.append(self._rng)
        return self._rng

    def __exit__(self, *exc: object) -> None:
        import igraph as ig

        if _IGRAPH_INSTALLED and _IGRAPH_INSTALLED[-1] is self._rng:
            _IGRAPH_INSTALLED.pop()
        ig.set_random_number_generator(_IGRAPH_INSTALLED[-1])


def installed_igraph_rng() -> Any:
    """The generator igraph draws from now, as far as topocli installed it."""
    return _IGRAPH_INSTALLED[-1]
