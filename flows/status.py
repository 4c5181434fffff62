"""Coverage: what the warehouse holds per date, which dates are missing or failed.

A date's state:
- ``failed``: the last run whose range covers it failed or was interrupted;
- ``running``: that run is still running;
- ``missing``: no run covered it, or it was a session and a watchlist symbol has no bar;
- ``ok``: otherwise.

Gaps that a re-run cannot close (a mentioned symbol the vendor has no bar for, no ECB rate on
a European holiday, a warning-level data-quality failure) are shown but do not make a date
missing, so `backfill --missing` does not re-run them forever.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from newsdesk.config import Settings
from newsdesk.errors import UsageError
from newsdesk.extract.sessions import sessions_between

DEFAULT_DAYS = 14
MAX_DAYS = 5 * 366
COVERAGE_KEY = "coverage"
RERUN = ("missing", "failed")
COLUMNS = ("date", "watchlist", "mentioned", "fx", "articles", "claims", "dq_failures",
           "last_run", "state")  # fmt: skip
NUMERIC = ("fx", "articles", "claims", "dq_failures")


def coverage(
    path: Path, watchlist: Sequence[str], start: date, end: date, *, warehouse=None
) -> pl.DataFrame:
    """One row per date in [start, end]: the coverage read, the session flag and the state.

    A warehouse not created yet holds nothing: every date is missing.
    """
    from newsdesk.warehouse import Warehouse

    symbols = sorted(set(watchlist))
    if warehouse is None and not Path(path).exists():
        frame = _empty(start, end)
    else:
        warehouse = warehouse or Warehouse(path, migrate=False)
        frame = warehouse.read("coverage", start=start, end=end, symbols=symbols)
    sessions = set(sessions_between(start, end))
    frame = frame.with_columns(
        pl.col("date").is_in(list(sessions)).alias("session"),
        pl.lit(len(symbols)).alias("watchlist"),
    )
    return frame.with_columns(
        pl.when(pl.col("last_run_status").is_in(["failed", "interrupted"]))
        .then(pl.lit("failed"))
        .when(pl.col("last_run_status") == "running")
        .then(pl.lit("running"))
        .when(
            pl.col("last_run_id").is_null()
            | (pl.col("session") & (pl.col("watchlist_priced") < pl.col("watchlist")))
        )
        .then(pl.lit("missing"))
        .otherwise(pl.lit("ok"))
        .alias("state")
    )


def rerun_spans(frame: pl.DataFrame) -> list[tuple[date, date]]:
    """The missing or failed dates as contiguous spans of calendar days, oldest first.

    Each span is one backfill run: a span's sources are fetched once, and dates between two
    spans that are fine are not fetched again.
    """
    days = sorted(frame.filter(pl.col("state").is_in(RERUN))["date"].to_list())
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and day - spans[-1][1] == timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def status_command(settings: Settings, start: date | None, end: date | None, as_json: bool) -> int:
    """`newsdesk status`: coverage per date (default: the last two weeks up to yesterday)."""
    end = end or datetime.now(settings.tz).date() - timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise UsageError(f"status: end {end} is before start {start}")
    if (end - start).days > MAX_DAYS:
        raise UsageError(f"status: {start}..{end} is longer than five years; narrow it")
    path = settings.warehouse.path
    if not path.exists():
        raise UsageError(f"no warehouse at {path}: run `make demo` or `newsdesk backfill` first")
    frame = coverage(path, settings.market.watchlist, start, end)
    if as_json:
        print(json.dumps(as_dict(frame, start, end, settings.market.watchlist)))
    else:
        print_table(frame, start, end)
    return 0


def as_dict(frame: pl.DataFrame, start: date, end: date, watchlist: Sequence[str]) -> dict:
    """The coverage as one JSON-ready object."""
    rows = [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "watchlist": sorted(set(watchlist)),
        "dates": rows,
        "missing": [r["date"] for r in rows if r["state"] == "missing"],
        "failed": [r["date"] for r in rows if r["state"] == "failed"],
    }


def table_rows(frame: pl.DataFrame) -> list[dict[str, str]]:
    """The coverage as short strings per date, for the terminal and the run artifact."""
    out = []
    for r in frame.to_dicts():
        watch = f"{r['watchlist_priced']}/{r['watchlist']}" if r["session"] else "closed"
        mentioned = f"{r['mentioned_priced']}/{r['mentioned']}" if r["mentioned"] else ""
        run = (
            f"{r['last_run_flow']} {str(r['last_run_id'])[:8]} {r['last_run_status']}"
            if r["last_run_id"]
            else "none"
        )
        out.append(
            {
                "date": f"{r['date']} {r['date']:%a}",
                "watchlist": watch,
                "mentioned": mentioned,
                "fx": str(r["fx_quotes"]),
                "articles": str(r["articles"]),
                "claims": str(r["claims_judged"]),
                "dq_failures": str(r["dq_failures"]),
                "last_run": run,
                "state": r["state"],
            }
        )
    return out


def print_table(frame: pl.DataFrame, start: date, end: date) -> None:
    """A rich table: missing dates in yellow, failed ones in red, gaps in a date's cells too."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"coverage {start}..{end}", title_justify="left", box=box.SIMPLE_HEAD)
    for name in COLUMNS:
        table.add_column(name, justify="right" if name in NUMERIC else "left", no_wrap=True)
    states = frame.to_dicts()
    for raw, row in zip(states, table_rows(frame), strict=True):
        style = {"failed": "bold red", "missing": "yellow", "running": "cyan"}.get(raw["state"])
        cells = dict(row)
        if raw["session"] and raw["watchlist_priced"] < raw["watchlist"]:
            cells["watchlist"] = f"[bold yellow]{row['watchlist']}[/]"
        if raw["mentioned_priced"] < raw["mentioned"]:
            cells["mentioned"] = f"[yellow]{row['mentioned']}[/]"
        if raw["session"] and not raw["fx_quotes"]:
            cells["fx"] = "[yellow]0[/]"
        if raw["dq_failures"]:
            cells["dq_failures"] = f"[red]{row['dq_failures']}[/]"
        table.add_row(*cells.values(), style=style)
    # A pipe or a file gets the whole table, not one folded to 80 columns.
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    console.print(table)
    counts = frame["state"].value_counts().sort("state").iter_rows()
    console.print(", ".join(f"{n} {s}" for s, n in counts), highlight=False)
    spans = rerun_spans(frame)
    if spans:
        console.print(
            f"re-run them: newsdesk backfill --missing --start {start} --end {end}",
            highlight=False,
        )


def publish_coverage(run, start: date, end: date, symbols: Sequence[str] = ()) -> None:
    """The coverage of [start, end] as a table artifact of the current flow run.

    Never fails the run: a coverage that cannot be read is logged as a warning.
    """
    from flows.engine import in_flow_run
    from flows.run import get_logger

    if not in_flow_run():
        return
    from prefect.artifacts import create_table_artifact

    try:
        watchlist = sorted(set(run.settings.market.watchlist) | set(symbols))
        frame = coverage(run.warehouse.path, watchlist, start, end, warehouse=run.warehouse)
        create_table_artifact(
            table=table_rows(frame), key=COVERAGE_KEY, description=f"coverage {start}..{end}"
        )
    except Exception as exc:  # an artifact must not turn a run's outcome around
        get_logger().warning("coverage artifact not published: %s: %s", type(exc).__name__, exc)


def _empty(start: date, end: date) -> pl.DataFrame:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    zero = pl.Series([0] * len(days), dtype=pl.Int64)
    none = pl.Series([None] * len(days), dtype=pl.Utf8)
    return pl.DataFrame(
        {
            "date": days,
            **{c: zero for c in ("watchlist_priced", "mentioned", "mentioned_priced",
                                 "fx_quotes", "articles", "claims_judged", "dq_failures")},
            **{c: none for c in ("last_run_id", "last_run_flow", "last_run_status")},
            "last_run_started_at": pl.Series([None] * len(days), dtype=pl.Datetime),
        }
    )  # fmt: skip
