"""The shape of the test code: test modules share helpers through builders, never each other."""

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
