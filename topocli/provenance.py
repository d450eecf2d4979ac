"""What software produced a result: one version collector for every output of topocli."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from topocli import __version__

__all__ = ["PACKAGES", "versions"]

#: The packages whose versions every result records (absent ones say "absent").
PACKAGES = ("igraph", "leidenalg", "networkx", "numpy", "scipy", "pandas", "matplotlib",
            "torch", "joblib", "dask", "distributed")


def versions() -> dict[str, str]:
    """Versions of Python, topocli and :data:`PACKAGES`, for a result's ``config.json``.

    Reads installed metadata only (no imports), so it is cheap and never imports torch.
    """
    found = {"python": platform.python_version(), "topocli": __version__}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found
