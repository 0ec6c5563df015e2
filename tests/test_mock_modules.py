"""The mock's modules import one another without cycles, type-only imports included."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "scripts" / "plivo_mock"


def _imports(path: Path) -> set[str]:
    """The sibling modules `path` imports (`from .x`, `from plivo_mock.x`, `from . import x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1 and node.module is None:
            found.update(alias.name for alias in node.names)
        elif node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif node.level == 0 and node.module and node.module.startswith("plivo_mock."):
            found.add(node.module.split(".")[1])
    return found


def test_the_mock_has_no_import_cycle() -> None:
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    graph = {name: _imports(path) & set(modules) for name, path in modules.items()}
    assert graph["app"] >= {"plivo_api", "control_api", "spec"}  # the walk sees imports
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle
