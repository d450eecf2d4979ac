"""Reading the files a user hands topocli, with a bound on what one file may cost.

A graph file or a dataset file is read whole into memory, so a small file must not be
able to stand for a huge one: a 3 MB ``.graphml.gz`` can expand to gigabytes (a gzip
bomb), a ``.graphml`` symlinked to ``/dev/zero`` never ends and a FIFO blocks forever.
:func:`read_input_bytes` therefore

- follows links, then refuses anything that is not a regular file (a folder, a FIFO, a
  device, a socket) before opening it, and opens without blocking in case the file is
  swapped for a FIFO in between;
- gunzips a file that starts with the gzip magic bytes, in bounded pieces;
- refuses a file larger than the cap, compressed or expanded, naming the cap and how to
  raise it.

The cap is :data:`DEFAULT_MAX_INPUT_MB` MiB (far above any connectome file or MNIST's
largest IDX file, 47 MB); the environment variable ``TOPOCLI_MAX_INPUT_MB`` raises or
lowers it.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from pathlib import Path

from topocli.errors import TopocliError

__all__ = ["DEFAULT_MAX_INPUT_MB", "MAX_INPUT_ENV", "gunzip_at_most", "max_input_bytes",
           "read_input_bytes"]

DEFAULT_MAX_INPUT_MB = 256
MAX_INPUT_ENV = "TOPOCLI_MAX_INPUT_MB"
_CHUNK = 1 << 20
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def max_input_bytes() -> int:
    """The cap on one input file, in bytes (``TOPOCLI_MAX_INPUT_MB`` or the default)."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_INPUT_MB << 20
    try:
        mb = float(text)
    except ValueError:
        mb = float("nan")
    if not (mb > 0 and mb < 1 << 40):
        raise TopocliError(f"{MAX_INPUT_ENV}={text!r} is not a size in MiB; give a positive "
                           f"number such as {DEFAULT_MAX_INPUT_MB * 4}")
    return int(mb * (1 << 20))


def _too_big(path: Path, what: str, cap: int) -> TopocliError:
    mib = cap / (1 << 20)
    return TopocliError(f"{path} {what} more than {mib:.4g} MiB, topocli's cap on one input "
                        f"file; if the file is genuine, raise the cap with "
                        f"{MAX_INPUT_ENV}={mib * 4:.4g}")


def _kind(mode: int) -> str | None:
    """What a non-regular file is (``None`` for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_input_bytes(path: str | Path) -> bytes:
    """The bytes of the regular file ``path``, gunzipped if gzipped, at most the cap.

    Raises
    ------
    TopocliError
        One line when ``path`` is missing, unreadable, not a regular file (after following
        links), larger than :func:`max_input_bytes` before or after decompression, or
        gzipped but damaged.
    """
    path = Path(path)
    cap = max_input_bytes()
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is None:
            # O_NONBLOCK: a FIFO swapped in after the stat must not block the open.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_NOCTTY", 0))
            with os.fdopen(fd, "rb") as fh:
                info = os.fstat(fh.fileno())
                kind = _kind(info.st_mode)
                if kind is None:
                    if info.st_size > cap:
                        raise _too_big(path, "is", cap)
                    data = fh.read(cap + 1)
    except OSError as exc:
        raise TopocliError(f"cannot read {path}: {exc.strerror or exc}") from None
    if kind is not None:
        raise TopocliError(f"{path} is {kind}, not a regular file; give the path of a file")
    if len(data) > cap:
        raise _too_big(path, "is", cap)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(path, data, cap)
    return data


def gunzip_at_most(data: bytes, cap: int) -> bytes | None:
    """``data`` decompressed (every gzip member) in pieces, or None once it expands past
    ``cap`` bytes; a damaged stream raises what :mod:`gzip` raises."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        while chunk := gz.read(_CHUNK):
            out.write(chunk)
            if out.tell() > cap:
                return None
    return out.getvalue()


def _gunzip(path: Path, data: bytes, cap: int) -> bytes:
    """Decompress a gzipped input file's ``data``, at most ``cap`` bytes."""
    try:
        out = gunzip_at_most(data, cap)
    except (OSError, EOFError, zlib.error) as exc:
        raise TopocliError(f"{path} looks gzipped but cannot be decompressed ({exc})") from None
    if out is None:
        raise _too_big(path, "expands to", cap)
    return out
