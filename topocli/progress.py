"""How library code reports progress: a callback, never a display.

A long-running library function takes ``progress: ProgressFn | None`` and calls
``progress(label, done, total, note)`` as work finishes (``label`` names the phase, e.g.
``"runs"`` or ``"epoch 3/10"``; ``note`` is optional extra text such as ``"1 failed"``).
Drawing it is the caller's business: the commands pass
:class:`topocli.cli.progress.ProgressLine`, tests pass nothing or a list's ``append``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressFn", "format_seconds", "report"]

ProgressFn = Callable[..., None]


def report(progress: ProgressFn | None, label: str, done: int, total: int,
           note: str = "") -> None:
    """Call ``progress`` if there is one (so callers need no ``if`` of their own)."""
    if progress is not None and callable(progress):
        progress(label, done, total, note)


def format_seconds(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
