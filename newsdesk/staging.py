"""Staged Parquet: what a chunk transformed, handed to the one loader that writes DuckDB.

A chunk writes each table's part under ``<run_id>/<chunk>/`` of the staging store and returns
the locations; the loader reads them back (or DuckDB scans them) and the run's folder is
removed once its batch committed. Staged files are created once, never replaced.
"""

from __future__ import annotations

import io

import polars as pl

from newsdesk.storage import Store


def stage_frame(store: Store, rel: str, frame: pl.DataFrame) -> str:
    """Write one frame as a Parquet file at ``rel``; its full location."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    store.create(rel, buffer.getvalue())
    return store.location(rel)


def read_staged(store: Store, rels: list[str], schema: pl.DataFrame | None = None) -> pl.DataFrame:
    """The staged files read back as one frame (``schema``'s empty frame when there are none)."""
    frames = [pl.read_parquet(io.BytesIO(store.read(rel))) for rel in rels]
    if not frames:
        if schema is None:
            raise ValueError("no staged files and no schema to stand for them")
        return schema.clear()
    return pl.concat(frames, how="vertical_relaxed")


def run_prefix(run_id: str, chunk: int | str | None = None) -> str:
    """The staging folder of a run, or of one of its chunks."""
    return run_id if chunk is None else f"{run_id}/{chunk}"
