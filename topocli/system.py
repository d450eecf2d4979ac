"""What this process may use of the machine (shared by every command that runs in parallel)."""

from __future__ import annotations

import logging
import os

__all__ = ["cap_jobs", "cpu_count"]


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity / container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cap_jobs(jobs: int, work: int | None = None, *, what: str = "items") -> int:
    """Worker processes worth starting: ``jobs`` capped at the cores and the ``work``.

    More workers than cores only share the cores (and each holds its own memory); more
    than ``work`` items (None: not known yet) sit idle. Asking for more than the cores is
    said in one line on the ``topocli`` logger; capping at the work is silent.
    """
    jobs, cores = max(1, int(jobs)), cpu_count()
    capped = min(jobs, cores, work if work is not None else jobs)
    if jobs > cores:
        todo = f"; {work:,} {what} to do" if work is not None else ""
        logging.getLogger("topocli").warning(
            "--jobs %d capped at %d: this process may use %d core%s%s", jobs, max(1, capped),
            cores, "" if cores == 1 else "s", todo)
    return max(1, capped)
