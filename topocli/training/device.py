"""Which torch device a run uses: ``--device auto|cpu|cuda|cuda:N|mps``.

``auto`` takes the first CUDA GPU, then Apple's MPS, then the CPU. A device that was asked
for by name and is not there is a :class:`TopocliError` (one line, exit 2), never a silent
fall-back to the CPU: a GPU benchmark that quietly ran on the CPU would be a wrong number.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import torch

from topocli.errors import TopocliError

__all__ = ["DEVICES", "check_device_name", "resolve_device", "worker_device", "worker_slot"]

#: What ``--device`` accepts (``cuda:N`` picks one GPU).
DEVICES = ("auto", "cpu", "cuda", "mps")
_NAME = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def check_device_name(name: str) -> str:
    """Return ``name`` if it is a device name topocli accepts, else raise."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise TopocliError(f"unknown --device {name!r}; choose auto, cpu, cuda, cuda:N or mps")
    return name


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """The :class:`torch.device` for ``name``; raise if it is absent on this machine."""
    check_device_name(name)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not _mps_available():
            raise TopocliError("--device mps: Apple's MPS backend is not available here; "
                               "use --device cpu or auto")
        return torch.device("mps")
    if not torch.cuda.is_available():
        raise TopocliError(f"--device {name}: no CUDA GPU is available here (torch "
                           f"{torch.__version__}); use --device cpu or auto")
    index = int(name.split(":")[1]) if ":" in name else torch.cuda.current_device()
    count = torch.cuda.device_count()
    if index >= count:
        raise TopocliError(f"--device {name}: this machine has {count} CUDA GPU(s), "
                           f"numbered 0 to {count - 1}")
    return torch.device("cuda", index)


def worker_device(name: str, worker: int) -> str:
    """The device name worker number ``worker`` of a sweep should use.

    ``cuda`` (or ``auto`` on a machine with GPUs) spreads the workers over the GPUs
    round-robin, one GPU per worker; an explicit ``cuda:N``, ``cpu`` or ``mps`` is kept.
    """
    check_device_name(name)
    if name in ("cuda", "auto") and torch.cuda.is_available():
        return f"cuda:{worker % torch.cuda.device_count()}"
    return name


#: This process's worker slot once claimed, and the open lock file that holds it.
_SLOT: tuple[int, int] | None = None


def worker_slot(lock_dir: str | Path | None = None) -> int:
    """This process's worker number on this machine: 0 for the first worker, 1, 2, ...

    A sweep's local worker processes (joblib) and Dask workers do not know their own
    number, so each claims the lowest free slot: an exclusive ``flock`` on
    ``topocli-worker-<i>.lock`` in ``lock_dir`` (default: the temp folder), held for
    the life of the process and released by the kernel when it ends, even by kill -9.
    With :func:`worker_device` this spreads workers round-robin over the GPUs. The
    claim is made once per process; later calls return the same slot.
    """
    global _SLOT
    if _SLOT is not None:
        return _SLOT[0]
    import fcntl

    folder = Path(lock_dir) if lock_dir is not None else \
        Path(tempfile.gettempdir()) / f"topocli-workers-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    slot = 0
    while True:
        fd = os.open(folder / f"topocli-worker-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            slot += 1
            continue
        _SLOT = (slot, fd)
        return slot
