"""The shape of the code, read with ast.

The house plan: `newsdesk/` is the library and `flows/` the application on top of it. The
library imports neither Prefect nor the application, only the warehouse module imports
DuckDB, and no module imports its way back to itself (imports inside functions count too).
Test modules share helpers through builders, never each other, and the dev tooling in
scripts/ and bench/ imports nothing from tests/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_MODULES = sorted((REPO / "tests").glob("test_*.py"))
TOOLING = sorted([*(REPO / "scripts").rglob("*.py"), *(REPO / "bench").rglob("*.py")])


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module a file of ``package`` imports, at any depth, relative imports resolved.

    For ``from m import x`` both ``m`` and ``m.x`` are named, as ``x`` may be a module.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            anchor = parts[: len(parts) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def package_of(path: Path) -> str:
    """The dotted package a file in the repo belongs to (``scripts``, ``bench``, ...)."""
    return ".".join(path.parent.relative_to(REPO).parts)


def test_there_are_modules_to_check() -> None:
    assert len(TEST_MODULES) > 30 and TOOLING


@pytest.mark.parametrize("path", TEST_MODULES, ids=lambda p: p.name)
def test_a_test_module_imports_no_other_test_module(path: Path) -> None:
    others = sorted(
        name
        for name in imported_modules(path, "tests")
        if name.startswith("tests.test_") or name.startswith("test_")
    )
    assert not others, f"{path.name} imports {others}: move shared helpers to tests/builders.py"


@pytest.mark.parametrize("path", TOOLING, ids=lambda p: str(p.relative_to(REPO)))
def test_scripts_and_benches_do_not_import_the_tests(path: Path) -> None:
    tests = sorted(
        name
        for name in imported_modules(path, package_of(path))
        if name == "tests" or name.startswith("tests.")
    )
    assert not tests, f"{path.relative_to(REPO)} imports {tests}: dev tooling lives in scripts/"


def test_the_checker_sees_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text(
        "import tests.test_a\n"
        "from tests.test_b import helper\n"
        "from tests import test_c\n"
        "from .test_d import helper\n"
        "from . import test_e\n"
        "def later():\n"
        "    from tests.test_f import helper\n",
        encoding="utf-8",
    )
    names = imported_modules(module, "tests")
    for letter in "abcdef":
        assert f"tests.test_{letter}" in names, letter
    # Relative imports resolve within the file's own package, not tests/.
    in_scripts = imported_modules(module, "scripts")
    assert "scripts.test_d" in in_scripts and "tests.test_d" not in in_scripts


# --- the house plan -----------------------------------------------------------------

PACKAGES = ("newsdesk", "flows")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _graph() -> dict[str, set[str]]:
    return {
        name: {i for i in imported_modules(path, package_of(path)) if i in MODULES and i != name}
        for name, path in MODULES.items()
    }


def test_both_packages_were_found() -> None:
    assert "newsdesk.warehouse" in MODULES and "flows.nightly" in MODULES


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("newsdesk")))
def test_the_library_imports_neither_prefect_nor_the_application(name: str) -> None:
    roots = {i.split(".")[0] for i in imported_modules(MODULES[name], package_of(MODULES[name]))}
    assert not roots & {"prefect", "flows"}


def test_only_the_warehouse_module_imports_duckdb() -> None:
    importers = sorted(
        name
        for name, path in MODULES.items()
        if "duckdb" in {i.split(".")[0] for i in imported_modules(path, package_of(path))}
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
