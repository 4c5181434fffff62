"""Where the package data lives: the migrations, seeds, suites and the demo snapshot.

In the repo they are the top-level folders sql/, expectations/ and snapshot/; setup.py installs
them as the packages newsdesk.sql, newsdesk.expectations and newsdesk.snapshot, so a wheel
carries them and an editable install maps them back to the repo's folders.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    """The directory of a data package, as a path on disk."""
    try:
        folder = files(package)
    except ModuleNotFoundError:
        raise RuntimeError(
            f"the package data {package} is not installed: `make install` (or `pip install .`)"
        ) from None
    # DuckDB's read_csv and the GX runner take file names, which a zipped install lacks.
    if not isinstance(folder, Path):
        raise RuntimeError(f"{package} is not on the file system ({folder!r}); install unzipped")
    return folder


def sql_dir() -> Path:
    """The SQL folder: schema/ migrations, reads/, queries/ and the seed CSVs."""
    return _folder("newsdesk.sql")


def schema_dir() -> Path:
    """The numbered migrations."""
    return sql_dir() / "schema"


def seed_files() -> dict[str, Path]:
    """The seed CSVs by the variable their migration reads them from."""
    return {"tickers_csv": sql_dir() / "tickers.csv", "events_csv": sql_dir() / "events.csv"}


def expectations_dir() -> Path:
    """The Great Expectations suites, one JSON file per table."""
    return _folder("newsdesk.expectations")


def snapshot_dir() -> Path:
    """The demo snapshot: raw/ is a landing zone of recorded responses."""
    return _folder("newsdesk.snapshot")
