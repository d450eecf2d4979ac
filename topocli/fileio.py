"""Writing result files so that a crash never leaves a half-written one.

Every file topocli writes into a results folder goes through these functions: the text is
written to a temporary file in the same folder (same file system, so the rename is atomic)
and renamed over the target. A reader sees the old file or the new one, never a mix.
The file gets the mode any new file gets under the process's umask (``mkstemp`` alone
would leave it 0600, unreadable to collaborators, a web server or a container's host).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from topocli.errors import TopocliError

__all__ = ["DISK_ERRORS", "current_umask", "write_bytes_atomic", "write_json_atomic",
           "write_text_atomic"]


#: errno values that say the disk or the folder failed, not the data: a full disk, a
#: quota, an I/O error, a read-only file system, no permission, a file too large.
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES,
                         errno.EPERM, errno.EFBIG})


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + rename); return the path.

    A path that cannot be written (missing folder, no permission, disk full, a folder in
    the way) is a :class:`TopocliError` naming it; the old file, if any, is untouched.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise TopocliError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TopocliError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return path


def current_umask() -> int:
    """The process's umask (read from /proc where it can be, without changing it)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)   # elsewhere: set and restore (not thread-safe, but brief)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON to ``path`` atomically; return the path."""
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
