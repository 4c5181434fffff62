"""The built wheel carries the migrations, suites and demo snapshot, and its demo runs anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# What the wheel is built from; copied aside so the build leaves no build/ in the repo.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "newsdesk", "flows")
DATA_FOLDERS = ("sql", "expectations", "snapshot")
DEMO_LINE = "13 judged: 0 contradicted, 2 unverifiable, 11 supported"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built into a wheel, offline, with the build backend of this venv."""
    source = tmp_path_factory.mktemp("source")
    for name in (*BUILD_INPUTS, *DATA_FOLDERS):
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*build, "--no-index", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"wheel build failed (make install?):\n{done.stderr[-3000:]}"
    (built,) = out.glob("newsdesk-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _repo_files(folder: str, pattern: str) -> list[str]:
    """Files of a top-level data folder, named as the wheel stores them under newsdesk/."""
    found = [p for p in sorted((REPO / folder).glob(pattern)) if p.is_file()]
    return [f"newsdesk/{p.relative_to(REPO).as_posix()}" for p in found]


@pytest.mark.parametrize(
    ("folder", "pattern", "at_least"),
    [
        ("sql", "**/*.sql", 18),  # migrations, named reads, analysts' queries
        ("sql", "*.csv", 3),  # the seeds and the entity aliases
        ("expectations", "*.json", 9),  # one suite per table
        ("snapshot", "raw/**/*", 24),  # the demo's landing zone, ^GSPC and ^IXIC included
        ("snapshot", "pages/*", 2),  # the demo's news pages
    ],
)
def test_the_wheel_carries_the_package_data(
    wheel_names: set[str], folder: str, pattern: str, at_least: int
) -> None:
    expected = _repo_files(folder, pattern)
    assert len(expected) >= at_least
    missing = [name for name in expected if name not in wheel_names]
    assert not missing, f"{len(missing)} files missing from the wheel, e.g. {missing[:3]}"


def test_the_wheel_carries_every_package(wheel_names: set[str]) -> None:
    packages = sorted(
        p.relative_to(REPO).as_posix()
        for root in ("newsdesk", "flows")
        for p in (REPO / root).rglob("__init__.py")
    )
    assert {"newsdesk/__init__.py", "flows/__init__.py"} <= set(packages)
    assert [p for p in packages if p not in wheel_names] == []


def _fresh_venv(root: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed, borrowing this venv's third-party packages."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Appended after the venv's own site-packages, so the wheel's newsdesk wins; a path
    # listed in a .pth is not itself scanned for .pth files, so the repo's editable finder
    # stays out.
    borrowed = sysconfig.get_paths()["purelib"]
    (Path(site) / "_borrowed_site_packages.pth").write_text(borrowed + "\n", encoding="utf-8")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    # --ignore-installed: pip sees the repo's editable newsdesk through the borrowed path and
    # must neither uninstall it nor count it as installed.
    done = [*install, "--no-deps", "--no-index", "--ignore-installed", str(wheel)]
    subprocess.run(done, check=True, timeout=300)
    return venv


def test_the_installed_wheel_runs_the_demo_outside_the_repo(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv = _fresh_venv(tmp_path_factory.mktemp("install"), wheel)
    work = tmp_path_factory.mktemp("elsewhere")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("NEWSDESK_", "PREFECT_", "PYTHON", "VIRTUAL_ENV"))
    }
    env |= {
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(work / ".prefect"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import flows, newsdesk.resources as r; "
            "print(flows.__file__); print(r.sql_dir()); print(r.snapshot_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).resolve().is_relative_to(venv.resolve()) for p in where), where

    demo = subprocess.run(
        [str(venv / "bin" / "newsdesk"), "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert DEMO_LINE in demo.stdout
    assert (work / "warehouse" / "newsdesk.duckdb").stat().st_size > 0
