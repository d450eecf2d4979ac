"""The package's shape (issue 27): no import circle anywhere in topocli, no module over
500 lines. Imports are read from the source with ``ast``, those inside functions too (a
function-level import is how a circle hides); ``from topocli.x import y`` counts as
importing ``topocli.x.y`` when that is a module, else ``topocli.x``."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "topocli"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.startswith("topocli"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("topocli")}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_no_import_circle_in_the_package():
    try:
        order = list(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import circle: {' -> '.join(exc.args[1])}")
    assert "topocli.cli" in order and "topocli.training.train" in order


def test_the_circle_check_sees_a_circle():
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())
    graph = import_graph()
    assert "topocli.cli.group" in graph["topocli.cli.train"]   # a command imports its group
    assert "topocli.nullmodels.registry" in graph["topocli.nullmodels.ensemble"]


def test_no_module_is_over_500_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long
