"""What software produced a result: one version collector for every output of topocli."""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from topocli import __version__

__all__ = ["PACKAGES", "code_revision", "graph_fingerprint", "versions"]

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


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@functools.lru_cache(maxsize=1)
def code_revision() -> str:
    """Which code produced a result: ``0.1.0+g<commit>`` (``.dirty`` when the package's
    tracked files have changes) when the package is a git checkout's own files, else the
    version alone.

    A sweep runs for hours and is resumed across sessions; if the code changes between
    two of its runs (a kernel that sums in another order, say), their numbers may differ
    by float rounding, and a study that mixes them compares code as well as graphs. Every
    sweep run records this (``runs.csv``'s ``code`` column); resuming a folder whose runs
    came from other code says so, and the report notes a sweep whose runs came from more
    than one.
    """
    package = Path(__file__).resolve().parent
    # the package's files must be tracked: an installed copy inside a checkout is not it
    if _git(package, "ls-files", "--error-unmatch", "__init__.py") is None:
        return __version__
    commit = _git(package, "rev-parse", "--short=12", "HEAD")
    if not commit:
        return __version__
    dirty = _git(package, "status", "--porcelain", "--untracked-files=no", "--", ".")
    return f"{__version__}+g{commit}{'.dirty' if dirty else ''}"
