"""Claiming an ``--out`` folder: writable, topocli's own, and one command's at a time.

Every command that writes a results folder (``analyze``, ``train``, ``train-sweep``,
``control``) goes
through :func:`claim_folder` before it computes anything:

- :func:`probe_writable`: a folder that cannot be created or written (read-only, under a
  file, on a read-only file system) is one line now, not after an hour of work.
- ownership: a folder is used only if it is missing, empty (apart from its lock file), or
  holds a ``config.json`` whose ``kind`` is this command's; anything else is someone
  else's and is refused, so no user file is ever replaced.
- :class:`FolderLock`: an exclusive ``flock`` on ``<kind>.lock`` inside the folder, taken
  before ``config.json`` is read or written and held until the command ends (the kernel
  drops it when the process ends, even by kill -9). A second command on the same folder
  is refused with one line naming the holder. The lock file is opened without following
  links and must be a plain file with one name, so a crafted folder cannot make topocli
  truncate a file elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from topocli.errors import TopocliError

__all__ = ["FolderLock", "LOCK_NAMES", "claim_folder", "is_empty_folder", "probe_writable",
           "read_config"]

#: The lock files topocli's commands keep in their folders (ignored when asking whether a
#: folder is empty: a run that failed before writing anything leaves only its lock).
LOCK_NAMES = ("sweep.lock", "analyze.lock", "train.lock", "control.lock")


def probe_writable(out: str | Path, *, option: str = "--out") -> None:
    """Refuse, in one line, an ``out`` that cannot be created or written.

    Tries a temporary file in ``out`` or, when it does not exist yet, in its nearest
    existing parent (which must be a folder); leaves nothing behind.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise TopocliError(f"{option} {out} exists and is not a folder; choose another "
                           f"{option}")
    base = out
    while not base.exists() and base.parent != base:
        base = base.parent
    if not base.is_dir():
        raise TopocliError(f"cannot create {option} {out}: {base} is not a folder; choose "
                           f"another {option}")
    try:
        fd, probe = tempfile.mkstemp(dir=base, prefix=".topocli-probe-")
    except OSError as exc:
        raise TopocliError(f"cannot write {option} {out} ({base}: {exc.strerror or exc}); "
                           f"choose another {option}") from None
    os.close(fd)
    os.unlink(probe)


def is_empty_folder(out: Path) -> bool:
    """True if ``out`` is missing or holds nothing but topocli lock files."""
    if not out.exists():
        return True
    return all(entry.name in LOCK_NAMES for entry in out.iterdir())


def read_config(out: Path) -> dict | None:
    """``out/config.json`` as a dict; None if there is none; one line if it is not the
    JSON object topocli writes."""
    path = out / "config.json"
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise TopocliError(f"{path} is not a topocli config.json ({_reason(exc)}); choose "
                           "another --out folder") from None
    if not isinstance(data, dict):
        raise TopocliError(f"{path} is not a topocli config.json (not a JSON object); "
                           "choose another --out folder")
    return data


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return f"not JSON: {exc}" if isinstance(exc, ValueError) else str(exc)


class FolderLock:
    """An exclusive, non-blocking lock on the file ``path`` (created if missing).

    ``busy`` is the sentence after "``folder`` is in use by" when another process holds
    it, e.g. ``another train-sweep``. The file is opened without following a link and
    must be a plain file with a single name (a hard link to a user's file would otherwise
    be truncated when the holder's pid is written into it).
    """

    def __init__(self, path: str | Path, *, busy: str, advice: str):
        self.path = Path(path)
        self.busy, self.advice = busy, advice
        self.fd: int | None = None

    def acquire(self) -> FolderLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks, no guard
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | \
            getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            why = ("it is a link" if self.path.is_symlink() else exc.strerror or str(exc))
            raise TopocliError(f"cannot use the lock file {self.path} ({why}); topocli "
                               "writes a plain file there: remove it, or choose another "
                               "--out folder") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            why = "not a plain file" if not stat.S_ISREG(info.st_mode) else \
                "a hard link to another file"
            raise TopocliError(f"{self.path} is {why}, not topocli's lock file; remove it, "
                               "or choose another --out folder")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise TopocliError(f"{self.path.parent} is in use by {self.busy} ({holder}); "
                               f"{self.advice}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _check_owner(out: Path, kind: str, *, resume: bool) -> dict | None:
    """``out``'s config.json if it is this kind's (and ``resume`` allows it); None for
    an empty folder; one line for anything else."""
    if out.exists() and not out.is_dir():
        raise TopocliError(f"--out {out} exists and is not a folder; choose another --out")
    config = read_config(out) if out.exists() else None
    if config is None:
        if not is_empty_folder(out):
            raise TopocliError(f"{out} is not empty and holds no topocli {kind} config.json; "
                               "choose a new or empty --out folder (topocli replaces no "
                               "file it did not write)")
        return None
    if config.get("kind") != kind:
        found = config.get("kind")
        what = f"a topocli {found} result" if isinstance(found, str) else \
            "a config.json topocli did not write"
        raise TopocliError(f"{out} holds {what}, not a {kind}; choose another --out folder")
    if not resume:
        raise TopocliError(f"{out} already holds a result (a topocli {kind} config.json); "
                           "choose another --out folder or remove it")
    return config


@contextlib.contextmanager
def claim_folder(out: str | Path, kind: str, *, resume: bool = False,
                 busy: str | None = None, advice: str | None = None
                 ) -> Iterator[dict | None]:
    """Hold ``out`` for a ``kind`` command (``analyze``, ``train``, ``sweep``).

    Checks that ``out`` can be written and is missing, empty or this kind's own (with
    ``resume``: a folder holding a ``kind`` config.json is resumed, else refused), creates
    it, takes ``<kind>.lock`` and checks again under the lock (another process may have
    claimed it meanwhile). Yields the existing ``config.json`` (None for a new folder);
    the lock is held until the block ends.
    """
    out = Path(out)
    probe_writable(out)
    _check_owner(out, kind, resume=resume)   # before creating anything in someone's folder
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TopocliError(f"cannot create --out {out} ({exc.strerror or exc}); choose "
                           "another --out") from None
    command = "train-sweep" if kind == "sweep" else kind
    lock = FolderLock(out / f"{kind}.lock", busy=busy or f"another {command}",
                      advice=advice or "wait for it to finish, or choose another --out "
                                       "folder")
    with lock:
        try:
            yield _check_owner(out, kind, resume=resume)
        except BaseException:
            if created:   # failed before writing anything: leave no empty folder behind
                _remove_if_only(out, lock.path)
            raise


def _remove_if_only(out: Path, lock_path: Path) -> None:
    try:
        if [entry.name for entry in out.iterdir()] == [lock_path.name]:
            lock_path.unlink()
            out.rmdir()
    except OSError:
        pass
