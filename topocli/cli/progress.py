"""The one progress display of every command.

Library code reports progress through a plain callback, ``progress(label, done, total,
note="")`` (:data:`topocli.progress.ProgressFn`), and never draws anything itself; the
commands pass a :class:`ProgressLine`. On a terminal the line rewrites itself; otherwise
(a log file, a pipe) a line is printed every tenth of the work or every 30 seconds and
when a label completes, so logs stay short. Lines start with ``topocli:`` like every
other message on stderr.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from topocli.progress import format_seconds

__all__ = ["ProgressLine", "format_seconds"]


class ProgressLine:
    """``topocli: runs 5/18 done, 1 failed, ~2m10s left`` on stderr.

    Parameters
    ----------
    stream : file, optional
        Default ``sys.stderr``.
    enabled : bool
        False shows nothing (``--quiet``, ``--json``).
    tty_only : bool
        Show only on a terminal (for short phases whose lines would only clutter a log).
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True,
                 tty_only: bool = False):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled and (self.tty or not tty_only)
        self.label: str | None = None
        self.start = self.last_print = time.monotonic()
        self.open_line = False

    def __call__(self, label: str, done: int, total: int, note: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if label != self.label:
            self._finish_line()
            self.label, self.start, self.last_print = label, now, now
        complete = done >= total
        step = max(1, total // 10)
        if not (self.tty or complete or done % step == 0 or now - self.last_print > 30):
            return
        self.last_print = now
        text = f"topocli: {self.line(label, done, total, note, now - self.start)}"
        if self.tty:
            self.stream.write(f"\r{text}\033[K" + ("\n" if complete else ""))
            self.open_line = not complete
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        if complete:
            self.label = None

    @staticmethod
    def line(label: str, done: int, total: int, note: str, elapsed: float) -> str:
        if done >= total:
            when = f"took {format_seconds(elapsed)}"
        elif done > 0:
            when = f"~{format_seconds(elapsed / done * (total - done))} left"
        else:
            when = ""
        parts = [f"{label} {done}/{total} done", note, when]
        return ", ".join(p for p in parts if p)

    def _finish_line(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False

    def close(self) -> None:
        """End a line left open on a terminal (work stopped before it completed)."""
        self._finish_line()

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
