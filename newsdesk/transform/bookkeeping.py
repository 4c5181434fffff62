"""Rows of the warehouse's own bookkeeping tables: loaded_bodies and runs.

A run's `runs` row names the process that runs it (``stats.process``: host, pid and the
process's start time), so a later run can tell a row whose process is gone — killed with
SIGKILL, or its machine lost — from one still running, and close it as ``interrupted``.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from newsdesk.landing import Landed, pid_alive
from newsdesk.tables import LOADED_BODIES_SCHEMA, RUNS_SCHEMA

RUNNING, INTERRUPTED = "running", "interrupted"


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
    finished = None if status == RUNNING else datetime.now(UTC).replace(tzinfo=None)
    row = {
        "run_id": run_id,
        "flow": flow,
        "run_date": run_date,
        "started_at": started_at.astimezone(UTC).replace(tzinfo=None),
        "finished_at": finished,
        "status": status,
        "stats": json.dumps({**stats, "process": this_process()}),
    }
    return pl.DataFrame([row], schema=RUNS_SCHEMA)


def this_process() -> dict[str, object]:
    """Host, pid and start time of this process: what a later run checks for liveness."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": process_started(pid)}


def process_started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def process_alive(owner: Mapping[str, object]) -> bool:
    """Whether the process a `runs` row names still runs on this host."""
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if not pid_alive(pid):
        return False
    started = owner.get("started")
    return started is None or started == process_started(pid)


def owner_of(stats: str | None) -> dict[str, object]:
    """The ``process`` entry of a row's stats JSON (empty for rows written before it)."""
    owner = _stats(stats).get("process")
    return owner if isinstance(owner, dict) else {}


def _stats(text: str | None) -> dict:
    """A row's stats JSON as a dict (empty when it is not one)."""
    try:
        parsed = json.loads(text or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def close_runs(
    runs: pl.DataFrame,
    should_close: Callable[[dict[str, object], dict[str, object]], bool],
    reason: str,
) -> pl.DataFrame:
    """The rows ``should_close(row, owner)`` accepts, as `interrupted` rows."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for row in runs.iter_rows(named=True):
        stats = _stats(row["stats"])
        owner = stats.get("process")
        if not isinstance(owner, dict) or not owner or not should_close(row, owner):
            continue
        failures = list(stats.get("failures") or [])
        stats["failures"] = [*failures, reason]
        finished = row["finished_at"] or now
        rows.append(
            row | {"status": INTERRUPTED, "finished_at": finished, "stats": json.dumps(stats)}
        )
    return pl.DataFrame(rows, schema=RUNS_SCHEMA)


def stale_runs(runs: pl.DataFrame, host: str | None = None) -> pl.DataFrame:
    """`running` rows whose process on this host is gone, closed as `interrupted`."""
    here = host or socket.gethostname()
    return close_runs(
        runs,
        lambda row, owner: (
            row["status"] == RUNNING and owner.get("host") == here and not process_alive(owner)
        ),
        "interrupted: its process ended without closing the run (killed?)",
    )


def own_runs(runs: pl.DataFrame, signal_name: str, since: datetime | None = None) -> pl.DataFrame:
    """This process's runs a signal cut short, closed as `interrupted`.

    A `running` row, and — started ``since`` (when the command began) — a `failed` one: the
    signal may surface as an error first (DuckDB turns it into "Query interrupted").
    """
    me = this_process()
    after = since.astimezone(UTC).replace(tzinfo=None) if since else None

    def cut_short(row: dict[str, object], owner: dict[str, object]) -> bool:
        if owner.get("host") != me["host"] or owner.get("pid") != me["pid"]:
            return False
        if row["status"] == RUNNING:
            return True
        started = row["started_at"]
        return row["status"] == "failed" and after is not None and started >= after  # type: ignore[operator]

    return close_runs(runs, cut_short, f"interrupted by {signal_name}")
