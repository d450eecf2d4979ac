"""What this process may use of the machine (shared by every command that runs in parallel)."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["cap_jobs", "cpu_count", "ensure_numba_cache"]


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


def ensure_numba_cache(source_file: str) -> str | None:
    """Give numba a cache it can write for the kernels in ``source_file``.

    numba caches compiled kernels (``cache=True``) in ``__pycache__`` next to the source,
    else under the user's cache folder (``~/.cache/numba``); when neither can be written
    (``docker run -u``, a service or CI account, a shared read-only install) it refuses
    to compile at all (``RuntimeError: cannot cache function``). Then the cache goes to a
    per-user temporary folder (``NUMBA_CACHE_DIR``), so kernels compile and are reused
    for the life of that folder. Called by each kernel module before it defines its
    kernels; a ``NUMBA_CACHE_DIR`` the user set is left alone. Returns the folder chosen
    (None: numba's own choice).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if _can_write(Path(source_file).parent / "__pycache__") or _can_write(_user_cache()):
        return None
    folder = Path(tempfile.gettempdir()) / f"topocli-numba-{_uid()}"
    if not _can_write(folder):
        return None   # nothing writable at all: numba's own error stands
    os.environ["NUMBA_CACHE_DIR"] = str(folder)   # for worker processes started later
    numba = sys.modules.get("numba")
    if numba is not None:   # already imported: numba reads its config at import
        numba.config.CACHE_DIR = str(folder)
    return str(folder)


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "numba"


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _can_write(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (made if missing), by trying it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True
