"""Which torch device a run uses: ``--device auto|cpu|cuda|cuda:N|mps``.

``auto`` takes the first CUDA GPU, then Apple's MPS, then the CPU. A device that was asked
for by name and is not there is a :class:`TopocliError` (one line, exit 2), never a silent
fall-back to the CPU: a GPU benchmark that quietly ran on the CPU would be a wrong number.
"""

from __future__ import annotations

import re

import torch

from topocli.errors import TopocliError

__all__ = ["DEVICES", "check_device_name", "resolve_device", "worker_device"]

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
