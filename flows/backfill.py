"""@flow: the nightly job over a date range, fetching each source once for the whole range."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow
from prefect.states import Failed, State

from flows.engine import in_flow_run
from flows.nightly import run_pipeline
from flows.run import Run, get_logger, open_run
from newsdesk.config import Settings, load_settings
from newsdesk.errors import UsageError

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


STEPS = ("news", "market", "verify", "checks", "report")


class Progress:
    """Logs each finished step and moves the run's progress artifact along."""

    def __init__(self, title: str, steps: tuple[str, ...] = STEPS) -> None:
        from prefect.artifacts import create_progress_artifact

        self.title, self.steps, self.done = title, steps, 0
        self.artifact_id = (
            create_progress_artifact(0.0, key="backfill-progress", description=f"{title}: starting")
            if in_flow_run()
            else None
        )

    def step(self, name: str) -> None:
        """Mark one step finished."""
        from prefect.artifacts import update_progress_artifact

        self.done += 1
        note = f"{self.title}: {name} done ({self.done}/{len(self.steps)})"
        get_logger().info("%s", note)
        if self.artifact_id is None:
            return
        update_progress_artifact(
            self.artifact_id, 100.0 * self.done / len(self.steps), description=note
        )


def publish_stats(run: Run, title: str) -> None:
    """The run's stats (also in the `runs` table) as a table artifact."""
    from prefect.artifacts import create_table_artifact

    if not in_flow_run():
        return
    stats = run.stats.as_dict()
    rows = [{"stat": "run_id", "name": "", "value": run.run_id}]
    for kind in ("requests", "reused", "rows"):
        rows += [{"stat": kind, "name": k, "value": v} for k, v in sorted(stats[kind].items())]
    rows.append({"stat": "claims_judged", "name": "", "value": stats["claims_judged"]})
    rows += [{"stat": "failure", "name": "", "value": text} for text in stats["failures"]]
    create_table_artifact(rows, key="backfill-stats", description=f"{title}: run stats")


@flow(name="backfill", flow_run_name="backfill-{start}..{end}", log_prints=True)
def backfill(
    start: date,
    end: date,
    offline: bool = False,
    symbols: list[str] | None = None,
    config: str | None = None,
) -> dict | State:
    """Run every step over [start, end]: one chart request per symbol, one FX request."""
    settings = load_settings(config)
    try:
        validate_range(start, end, settings)
    except UsageError as exc:  # fail at once, one line in the log, before opening anything
        get_logger().error("%s", exc)
        return Failed(message=str(exc))
    title = f"backfill {start}..{end}"
    run = open_run(settings, offline)
    progress = Progress(title)
    try:
        outcome = run_pipeline(
            run, start, end, flow_name="backfill", symbols=symbols or (), progress=progress.step
        )
    finally:
        publish_stats(run, title)
    return outcome.as_dict()
