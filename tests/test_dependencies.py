"""Declared dependencies match what topocli imports (no more, no less)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: the standard library has no TOML reader yet
    tomllib = None

ROOT = Path(__file__).resolve().parents[1]
# Import names whose distribution is called something else.
DISTRIBUTION = {"sklearn": "scikit-learn", "distributed": "dask", "igraph": "igraph"}


def _imported_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "topocli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "topocli" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _project() -> dict:
    text = (ROOT / "pyproject.toml").read_text()
    if tomllib is not None:
        return tomllib.loads(text)["project"]
    # the two tables this test reads, in the plain form pyproject.toml writes them
    deps = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M).group(1)
    extras = re.search(r"^\[project.optional-dependencies\]\n(.*?)\n\n", text,
                       re.S | re.M).group(1)
    return {"dependencies": re.findall(r'"([^"]+)"', deps),
            "optional-dependencies": {"all": re.findall(r'"([^"]+)"', extras)}}


def _declared() -> tuple[set[str], set[str]]:
    project = _project()

    def names(specs: list[str]) -> set[str]:
        return {re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0].lower() for spec in specs}

    optional = set().union(*(names(v) for v in project.get("optional-dependencies",
                                                           {}).values()))
    return names(project["dependencies"]), optional


def test_every_import_is_a_declared_dependency():
    required, optional = _declared()
    missing = {f"{module} ({', '.join(sorted(files))})"
               for module, files in _imported_modules().items()
               if DISTRIBUTION.get(module, module).lower() not in required | optional}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_every_declared_dependency_is_imported():
    required, _ = _declared()
    imported = {DISTRIBUTION.get(m, m).lower() for m in _imported_modules()}
    assert not required - imported, f"declared but never imported: {required - imported}"


def test_typing_extensions_is_not_needed():
    assert "typing_extensions" not in _imported_modules()
