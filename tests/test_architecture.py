"""The house plan, held: `newsdesk/` is the library, `flows/` the application on top of it.

The library imports neither Prefect nor the application, only the warehouse module imports
DuckDB, and no module imports its way back to itself (imports inside functions count too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("newsdesk", "flows")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(path: Path) -> Iterator[str]:
    """Every absolute module name the file imports, and `from X import y` as X and X.y."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    return {
        name: {i for i in _imported(path) if i in MODULES and i != name}
        for name, path in MODULES.items()
    }


def test_both_packages_were_found() -> None:
    assert "newsdesk.warehouse" in MODULES and "flows.nightly" in MODULES


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("newsdesk")))
def test_the_library_imports_neither_prefect_nor_the_application(name: str) -> None:
    roots = {i.split(".")[0] for i in _imported(MODULES[name])}
    assert not roots & {"prefect", "flows"}


def test_only_the_warehouse_module_imports_duckdb() -> None:
    importers = sorted(
        name
        for name, path in MODULES.items()
        if "duckdb" in {i.split(".")[0] for i in _imported(path)}
    )
    assert importers == ["newsdesk.warehouse"]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_its_way_back_to_itself() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
