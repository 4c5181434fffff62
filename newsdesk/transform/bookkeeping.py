"""Rows of the warehouse's own bookkeeping tables: loaded_bodies and runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import polars as pl

from newsdesk.landing import Landed
from newsdesk.tables import LOADED_BODIES_SCHEMA, RUNS_SCHEMA


def loaded_rows(source: str, transform: str, used: Sequence[Landed]) -> pl.DataFrame:
    """`loaded_bodies` rows for the bodies a batch loaded."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "source": [source] * len(used),
            "sha256": [x.sha256 for x in used],
            "transform": [transform] * len(used),
            "loaded_at": [now] * len(used),
        },
        schema=LOADED_BODIES_SCHEMA,
    )


def run_row(
    run_id: str,
    flow: str,
    run_date: date,
    started_at: datetime,
    status: str,
    stats: Mapping[str, object],
) -> pl.DataFrame:
    """The `runs` row of a run; finished_at is set unless the run is still running."""
    finished = None if status == "running" else datetime.now(UTC).replace(tzinfo=None)
    row = {
        "run_id": run_id,
        "flow": flow,
        "run_date": run_date,
        "started_at": started_at.astimezone(UTC).replace(tzinfo=None),
        "finished_at": finished,
        "status": status,
        "stats": json.dumps(stats),
    }
    return pl.DataFrame([row], schema=RUNS_SCHEMA)
