"""@flow: the nightly job for one date, and the pipeline a backfill shares with it.

news → market (watchlist + what the claims mention) → verify → checks → publish → report.
Orchestration only: every step's logic lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from prefect import flow

from flows import engine
from flows.check import check_step
from flows.market import market_step
from flows.news import news_step
from flows.progress import chained
from flows.report import report_step
from flows.run import Run, get_logger, open_run
from flows.verify import publish_step, verify_step
from newsdesk.config import load_settings
from newsdesk.errors import RunFailed
from newsdesk.transform.bookkeeping import run_row
from newsdesk.transform.news_frames import mentioned


@dataclass(frozen=True)
class Outcome:
    """What a completed run did, for the CLI and the flow's return value."""

    run_id: str
    stats: dict
    report: Path | None

    def as_dict(self) -> dict:
        """A JSON-ready view (a flow's return value is stored by Prefect)."""
        report = str(self.report) if self.report else None
        return {"run_id": self.run_id, "stats": self.stats, "report": report}


def run_pipeline(
    run: Run,
    start: date,
    end: date,
    *,
    flow_name: str,
    symbols: Sequence[str] = (),
    progress: Callable[[str], None] = lambda step: None,
) -> Outcome:
    """Every step over [start, end]; records the run; raises RunFailed on a failure."""
    log = get_logger()
    progress = chained(progress)  # the terminal's progress bar hears each step too
    _record(run, flow_name, end, "running")
    try:
        news = engine.call(news_step, run, start, end)
        progress("news")
        symbols_named, days = mentioned(news.claims)
        known = set(run.warehouse.table("tickers")["symbol"].to_list())
        wanted = set(run.settings.market.watchlist) | set(symbols) | (set(symbols_named) & known)
        market_start = min([start, *days]) - timedelta(days=1)
        market_end = max([end, *days])
        market = (
            engine.call(market_step, run, sorted(wanted), market_start, market_end)
            if wanted
            else None
        )
        progress("market")
        verdicts = verify_step(run, news)
        progress("verify")
        # Write–audit–publish: the judged claims are checked, then written with their articles.
        frames = dict(market.frames) if market else {}
        frames.update({"claims": verdicts.claims, "articles": news.articles, "events": news.events})
        quality = check_step(
            run,
            frames,
            end,
            set_aside=market.set_aside if market else (),
            sources_read=market.sources_read if market else (),
        )
        publish_step(run, news, verdicts)
        progress("checks")
        for day in run.warehouse.report_days(start, end - timedelta(days=1)):
            report_step(run, day, quality.docs_index)
        report = report_step(run, end, quality.docs_index)
        progress("report")
    except RunFailed as exc:
        _record(run, flow_name, end, "failed")
        log.error("%s", exc)
        raise
    except Exception as exc:  # recorded as failed before it propagates, never left "running"
        run.stats.failures.append(f"{type(exc).__name__}: {exc}")
        _record(run, flow_name, end, "failed")
        raise
    failures = dict(market.failed_symbols) if market else {}
    run.stats.failures.extend(f"{k}: {v}" for k, v in failures.items())
    if failures:
        _record(run, flow_name, end, "failed")
        first = next(iter(failures.items()))
        raise RunFailed(
            f"{len(failures)} source(s) failed, the rest was loaded; first: {first[0]}: {first[1]}"
        )
    _record(run, flow_name, end, "completed")
    return Outcome(run.run_id, run.stats.as_dict(), report)


def _record(run: Run, flow_name: str, run_date: date, status: str) -> None:
    stats = run.stats.as_dict()
    run.warehouse.write(
        {"runs": run_row(run.run_id, flow_name, run_date, run.started_at, status, stats)}
    )


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters or {}
    day = params.get("run_date") or _scheduled_date(params.get("config"))
    return f"nightly-{day}"


def scheduled_run_date(scheduled_start: datetime, tz: tzinfo) -> date:
    """The day a scheduled run processes: the day before its scheduled start, in tz."""
    if scheduled_start.tzinfo is None:  # the API speaks UTC
        scheduled_start = scheduled_start.replace(tzinfo=UTC)
    return scheduled_start.astimezone(tz).date() - timedelta(days=1)


def _scheduled_date(config: str | None = None) -> date:
    """The run's own date, from its scheduled start (now when run outside a deployment)."""
    from prefect.runtime import flow_run

    settings = load_settings(config)
    scheduled = flow_run.scheduled_start_time
    return scheduled_run_date(scheduled or datetime.now(UTC), settings.tz)


@flow(name="nightly", flow_run_name=_flow_run_name, log_prints=True)
def nightly(
    run_date: date | None = None,
    offline: bool = False,
    config: str | None = None,
) -> dict:
    """Run the nightly job for one date (default: the day before the scheduled start)."""
    settings = load_settings(config)
    day = run_date or _scheduled_date(config)
    run = open_run(settings, offline)
    return run_pipeline(run, day, day, flow_name="nightly").as_dict()
