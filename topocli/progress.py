"""How library code reports progress: a callback, never a display.

A long-running library function takes ``progress: ProgressFn | None`` and calls
``progress(label, done, total, note)`` as work finishes (``label`` names the phase, e.g.
``"runs"`` or ``"epoch 3/10"``; ``note`` is extra text such as ``"1 failed"``, else ``""``).
This is the one signature: every library function that reports progress takes a
:data:`ProgressFn` and calls it through :func:`report`. Drawing it is the caller's business:
the commands pass :class:`topocli.cli.progress.ProgressLine`, tests pass nothing or a
recording function.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressFn", "format_seconds", "part_of", "report"]

#: ``progress(label, done, total, note)``.
ProgressFn = Callable[[str, int, int, str], None]


def report(progress: ProgressFn | None, label: str, done: int, total: int,
           note: str = "") -> None:
    """Call ``progress`` if there is one (so callers need no ``if`` of their own)."""
    if progress is not None and callable(progress):
        progress(label, done, total, note)


def part_of(progress: ProgressFn | None, before: int, total: int) -> ProgressFn | None:
    """The callback for one part of a larger job: the part's ``done`` is reported as
    ``before + done`` of the whole job's ``total`` (e.g. a grid point's nulls among every
    null a ``rewire`` writes), so one count runs from 0 to ``total`` across the parts."""
    if progress is None or not callable(progress):
        return None

    def heard(label: str, done: int, _part_total: int, note: str = "") -> None:
        progress(label, before + done, total, note)

    return heard


def format_seconds(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
