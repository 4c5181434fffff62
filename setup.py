"""Ship the top-level data folders inside the package, as newsdesk.sql, .expectations, .snapshot.

Everything else is in pyproject.toml. This file exists because a `package-dir` mapping of
subpackages needs the package list spelled out, and pyproject.toml cannot add three names to
what `packages.find` discovers.
"""

from setuptools import find_packages, setup

# sql/, expectations/ and snapshot/ stay at the top of the repo; installed, they live in
# newsdesk/ and are read with importlib.resources (newsdesk/resources.py).
DATA_PACKAGES = {
    "newsdesk.sql": "sql",
    "newsdesk.expectations": "expectations",
    "newsdesk.snapshot": "snapshot",
}

setup(
    packages=[
        *find_packages(include=["newsdesk", "newsdesk.*", "flows", "flows.*"]),
        *DATA_PACKAGES,
    ],
    package_dir=DATA_PACKAGES,
)
