"""What software produced a result: one version collector for every output of topocli."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version

from topocli import __version__

__all__ = ["PACKAGES", "graph_fingerprint", "versions"]

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


def graph_fingerprint(graph) -> str:
    """A short hash of an ``igraph.Graph``'s node names and edges (its content).

    Sweeps and training folders record it so that a resumed run is the same graph's.
    """
    h = hashlib.sha256()
    names = graph.vs["name"] if "name" in graph.vs.attributes() else range(graph.vcount())
    h.update(repr((graph.is_directed(), list(names))).encode())
    h.update(repr(graph.get_edgelist()).encode())
    return h.hexdigest()[:16]
