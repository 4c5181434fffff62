"""@flow: the nightly job over a date range, fetching each source once for the whole range."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow
from prefect.states import Failed, State

from flows import engine
from flows.engine import in_flow_run
from flows.nightly import run_pipeline
from flows.progress import STEPS
from flows.run import FAILURES, Run, failed_state, get_logger, open_run
from flows.status import coverage, publish_coverage, rerun_spans
from newsdesk.config import Settings, load_settings, normalise_symbol
from newsdesk.errors import RunFailed, UsageError

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


class Progress:
    """Logs each finished step and moves the run's progress artifact along.

    The artifact is created at the first finished step, so the run's plan stays its first.
    """

    def __init__(self, title: str, steps: tuple[str, ...] = STEPS) -> None:
        self.title, self.steps, self.done = title, steps, 0
        self.artifact_id = None

    def step(self, name: str) -> None:
        """Mark one step finished."""
        from prefect.artifacts import create_progress_artifact, update_progress_artifact

        self.done += 1
        note = f"{self.title}: {name} done ({self.done}/{len(self.steps)})"
        get_logger().info("%s", note)
        if not in_flow_run():
            return
        share = 100.0 * self.done / len(self.steps)
        if self.artifact_id is None:
            self.artifact_id = create_progress_artifact(
                share, key="backfill-progress", description=note
            )
        else:
            update_progress_artifact(self.artifact_id, share, description=note)


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters or {}
    missing = "missing-" if params.get("missing") else ""
    return f"backfill-{missing}{params.get('start')}..{params.get('end')}"


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


@flow(name="backfill", flow_run_name=_flow_run_name, log_prints=True)
def backfill(
    start: date,
    end: date,
    offline: bool = False,
    symbols: list[str] | None = None,
    config: str | None = None,
    missing: bool = False,
) -> dict | State:
    """Run every step over [start, end]: one chart request per symbol, one FX request.

    Args:
        start: The first closed day of the range, YYYY-MM-DD.
        end: The last closed day of the range, YYYY-MM-DD (at most five years after start).
        offline: Replay the landing zone only: no request leaves the machine.
        symbols: Symbols to load besides the watchlist, e.g. ["ADBE", "SSTK"].
        config: Path of the newsdesk.toml to read (the deployment fills it in).
        missing: Re-run only the dates of the range that are missing or failed (see
            `newsdesk status`), one run per contiguous span of such dates.
    """
    settings = load_settings(config)
    try:
        validate_range(start, end, settings)
        # From the UI too: a symbol names a folder of the landing zone, so the grammar holds.
        symbols = list(dict.fromkeys(normalise_symbol(s, "symbols") for s in symbols or []))
    except UsageError as exc:  # fail at once, one line in the log, before opening anything
        get_logger().error("%s", exc)
        return Failed(message=str(exc))
    if missing:
        return _backfill_missing(settings, start, end, offline, symbols or [], config)
    title = f"backfill {start}..{end}"
    run = open_run(settings, offline)
    progress = Progress(title)
    try:
        outcome = run_pipeline(
            run, start, end, flow_name="backfill", symbols=symbols or (), progress=progress.step
        )
        return outcome.as_dict()
    except FAILURES as exc:  # the log ends in the one-line reason, not the engine's traceback
        return failed_state(exc)
    finally:
        publish_stats(run, title)
        publish_coverage(run, start, end, symbols or ())


def _backfill_missing(
    settings: Settings,
    start: date,
    end: date,
    offline: bool,
    symbols: list[str],
    config: str | None,
) -> dict | State:
    """Re-run the missing or failed dates of [start, end], one backfill per contiguous span.

    Each span runs as a backfill of its own (a subflow in a flow run, with its own run id,
    plan and artifacts); a span that fails does not stop the next; the run fails at the end
    naming the spans that failed.
    """
    log = get_logger()
    watchlist = sorted(set(settings.market.watchlist) | set(symbols))
    spans = rerun_spans(coverage(settings.warehouse.path, watchlist, start, end))
    days = sum((b - a).days + 1 for a, b in spans)
    described = ", ".join(a.isoformat() if a == b else f"{a}..{b}" for a, b in spans)
    log.info(
        "missing %s..%s: %d dates missing or failed%s",
        start, end, days, f", in {len(spans)} span(s): {described}" if spans else "",
    )  # fmt: skip
    results: list[dict] = []
    failed: list[str] = []
    for a, b in spans:
        try:
            result = engine.call(
                backfill, start=a, end=b, offline=offline, symbols=symbols, config=config
            )
        except FAILURES as exc:
            failed.append(f"{a}..{b}: {exc}")
            continue
        if isinstance(result, State):  # a subflow that returned its failure
            failed.append(f"{a}..{b}: {result.message}")
            continue
        results.append(result)
    summary = merged(results, spans)
    if failed:
        return failed_state(
            RunFailed(f"{len(failed)} of {len(spans)} span(s) failed; first: {failed[0]}")
        )
    return summary


def merged(results: list[dict], spans: list[tuple[date, date]]) -> dict:
    """One result for the CLI from the spans' results: counters summed, the last report."""
    stats: dict = {"requests": {}, "reused": {}, "rows": {}, "failures": [], "claims_judged": 0}
    for result in results:
        for kind in ("requests", "reused", "rows"):
            for name, n in result["stats"].get(kind, {}).items():
                stats[kind][name] = stats[kind].get(name, 0) + n
        stats["failures"] += result["stats"].get("failures", [])
        stats["claims_judged"] += result["stats"].get("claims_judged", 0)
    reports = [r["report"] for r in results if r.get("report")]
    return {
        "run_id": ",".join(r["run_id"] for r in results) or None,
        "stats": stats,
        "report": reports[-1] if reports else None,
        "spans": [[a.isoformat(), b.isoformat()] for a, b in spans],
    }
