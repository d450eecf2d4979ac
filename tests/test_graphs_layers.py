"""``topocli.graphs`` is layered: each module imports only modules above it in the face's
table, and none imports the face (issue 27 item 6).

The vocabulary once imported the readers and the shipped data inside a function, a circle
``classes`` <-> ``io`` <-> ``bundled`` that a plain import never showed; so every import
counts here, those inside functions included.
"""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import topocli.graphs

PACKAGE = Path(topocli.graphs.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
FACE = "__init__"


def imported_names(source: str) -> list[str]:
    """The full name of everything ``source`` imports, anywhere in it (``pkg.mod`` for
    ``import pkg.mod``, ``pkg.mod.name`` for ``from pkg.mod import name``); a relative
    import is read as one from inside ``topocli.graphs``."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (".".join(["topocli.graphs"] + [node.module] * bool(node.module))
                    if node.level else node.module)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def graphs_imports(source: str, own: str = "") -> set[str]:
    """The ``topocli.graphs`` modules ``source`` imports; ``__init__`` for the face itself
    or a name taken from it."""
    found = set()
    for name in imported_names(source):
        parts = name.split(".")
        if parts[:2] == ["topocli", "graphs"]:
            found.add(parts[2] if len(parts) > 2 and parts[2] in MODULES else FACE)
    return found - {own}


def module_imports(module: str) -> set[str]:
    return graphs_imports((PACKAGE / f"{module}.py").read_text(), own=module)


def test_the_import_graph_sees_every_kind_of_import():
    source = ("from topocli.graphs import classes\n"
              "def f():\n"
              "    from topocli.graphs.bundled import index\n"
              "    import topocli.graphs.raw\n"
              "    from .fields import _first\n"
              "    import numpy\n")
    assert graphs_imports(source) == {"classes", "bundled", "raw", "fields"}
    for face in ("from topocli.graphs import load_graph", "from topocli import graphs",
                 "import topocli.graphs", "from . import GraphView"):
        assert graphs_imports(face) == {FACE}, face


def test_no_module_imports_the_face():
    offenders = {m: sorted(module_imports(m)) for m in MODULES if FACE in module_imports(m)}
    assert not offenders, f"import from the submodule, not topocli.graphs: {offenders}"


def test_the_modules_import_no_circle():
    graph = {m: module_imports(m) for m in MODULES}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle in topocli.graphs: {exc.args[1]}") from None


def test_the_face_lists_every_module_in_layer_order():
    listed = list(dict.fromkeys(re.findall(r":mod:`~topocli\.graphs\.(\w+)`",
                                           topocli.graphs.__doc__)))
    assert sorted(listed) == MODULES
    for i, module in enumerate(listed):
        below = set(listed[i:])
        assert not module_imports(module) & below, \
            f"{module} imports {sorted(module_imports(module) & below)}, listed below it"


def test_no_module_is_over_500_lines():
    long = {m: n for m in MODULES + [FACE]
            if (n := len((PACKAGE / f"{m}.py").read_text().splitlines())) > 500}
    assert not long
