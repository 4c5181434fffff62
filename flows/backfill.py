"""@flow: the nightly job over a date range, fetching each source once for the whole range."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow

from flows.config import Settings, load_settings
from flows.errors import UsageError
from flows.nightly import open_run, run_pipeline

MAX_RANGE_DAYS = 5 * 366


def validate_range(start: date, end: date, settings: Settings) -> None:
    """Refuse an end before its start, a range over five years, or a future date."""
    today = datetime.now(settings.tz).date()
    if end < start:
        raise UsageError(f"backfill: end {end} is before start {start}")
    if (end - start).days > MAX_RANGE_DAYS:
        raise UsageError(f"backfill: {start}..{end} is longer than five years; split it")
    if end >= today:
        raise UsageError(f"backfill: end {end} is not in the past (today is {today})")


@flow(name="backfill", flow_run_name="backfill-{start}..{end}", log_prints=True)
def backfill(
    start: date,
    end: date,
    offline: bool = False,
    symbols: list[str] | None = None,
    config: str | None = None,
) -> dict:
    """Run every step over [start, end]: one chart request per symbol, one FX request."""
    settings = load_settings(config)
    validate_range(start, end, settings)
    run = open_run(settings, offline)
    outcome = run_pipeline(run, start, end, flow_name="backfill", symbols=symbols or ())
    return {"run_id": outcome.run_id, "stats": outcome.stats, "report": str(outcome.report)}
