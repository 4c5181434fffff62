"""@flow: the nightly job for one date, and the pipeline a backfill shares with it.

news → market (watchlist + what the claims mention) → verify → checks → publish → report.
Orchestration only: every step's logic lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from prefect import flow
from prefect.states import State

from flows import engine
from flows.check import check_step
from flows.chunks import staging_store
from flows.market import MarketResult, market_step
from flows.news import NewsResult, news_step
from flows.plan import plan_step
from flows.progress import chained
from flows.report import reports_step
from flows.run import FAILURES, Run, failed_state, get_logger, open_run
from flows.status import publish_coverage
from flows.verify import publish_step, verify_step
from newsdesk.config import load_settings
from newsdesk.errors import RunFailed
from newsdesk.report.benchmarks import benchmarks_for
from newsdesk.staging import run_prefix
from newsdesk.transform.bookkeeping import run_row
from newsdesk.transform.news_frames import mentioned
from newsdesk.warehouse import WarehouseError

# The nightly run's coverage artifact shows the two weeks up to its date.
COVERAGE_DAYS = 14


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
    """Every step over [start, end]; records the run; raises RunFailed on a failure.

    One page, symbol, range or issuer that fails does not stop the others: the run loads
    what it can, then ends failed (RunFailed naming each) whenever anything failed.
    """
    log = get_logger()
    progress = chained(progress)  # the terminal's progress bar hears each step too
    _record(run, flow_name, end, "running")
    news: NewsResult | None = None
    context: set[str] = set()
    market: MarketResult | None = None
    try:
        plan_step(run, start, end, symbols=symbols, flow_name=flow_name)
        news = engine.call(news_step, run, start, end)
        progress("news")
        symbols_named, days = mentioned(news.claims)
        tickers = run.warehouse.table("tickers")
        known = set(tickers["symbol"].to_list())
        wanted = set(run.settings.market.watchlist) | set(symbols) | (set(symbols_named) & known)
        # Each symbol's market benchmark (QQQ, SPY) puts its moves in context in the report;
        # context only, so one that fails to load is a warning, not a failed run.
        context = set(benchmarks_for(wanted, tickers)) - wanted
        market_start = min([start, *days]) - timedelta(days=1)
        market_end = max([end, *days])
        # The market tables are checked before their batch commits (write–audit–publish).
        market = (
            engine.call(market_step, run, sorted(wanted | context), market_start, market_end, end)
            if wanted
            else None
        )
        progress("market")
        verdicts = verify_step(run, news)
        progress("verify")
        # Write–audit–publish: the judged claims are checked, then written with their articles;
        # until then the previous verdicts stay visible.
        frames = {"claims": verdicts.claims, "articles": news.articles, "events": news.events}
        quality = check_step(run, frames, end, set_aside=news.set_aside)
        publish_step(run, news, verdicts)
        progress("checks")
        # Reports only for the days this run judged claims for.
        report = reports_step(run, verdicts.claims, news.articles, start, end, quality.docs_index)
        progress("report")
    except RunFailed as exc:
        run.stats.failures.extend(_failures(news, getattr(exc, "market", market), context))
        _record(run, flow_name, end, "failed")
        log.error("%s", exc)
        raise
    except Exception as exc:  # recorded as failed before it propagates, never left "running"
        run.stats.failures.append(f"{type(exc).__name__}: {exc}")
        _record(run, flow_name, end, "failed")
        raise
    failures = _failures(news, market, context)
    run.stats.failures.extend(failures)
    if failures:
        _record(run, flow_name, end, "failed")
        raise RunFailed(
            f"{len(failures)} source(s) failed, the rest was loaded: {'; '.join(failures[:3])}"
            + (f"; and {len(failures) - 3} more" if len(failures) > 3 else "")
        )
    _record(run, flow_name, end, "completed")
    return Outcome(run.run_id, run.stats.as_dict(), report)


def _failures(
    news: NewsResult | None, market: MarketResult | None, context: Collection[str] = ()
) -> list[str]:
    """What failed, one line each: news pages first, then symbols, ranges and issuers.

    A benchmark fetched only for context that failed is logged, not counted.
    """
    found = dict(news.failed) if news else {}
    for key, reason in (market.failed_symbols if market else {}).items():
        if key in context:
            get_logger().warning("market: benchmark %s not loaded: %s", key, reason)
        else:
            found[key] = reason
    return [f"{key}: {reason}" for key, reason in found.items()]


def _record(run: Run, flow_name: str, run_date: date, status: str) -> None:
    stats = run.stats.as_dict()
    run.warehouse.write(
        {"runs": run_row(run.run_id, flow_name, run_date, run.started_at, status, stats)}
    )
    if status != "running":
        # Each step removes what its chunks staged once it is loaded; this takes the rest
        # (the run's folder itself, or what a step that raised left).
        staging_store(run.settings).remove(run_prefix(run.run_id))
        publish_read_copy(run)


def publish_read_copy(run: Run) -> None:
    """Swap in a fresh read copy after the run's last write, whatever its outcome: readers
    (newsdesk sql, the DuckDB CLI, notebooks) open the copy and never block the writer."""
    if not run.settings.warehouse.read_copy:
        return
    try:
        path = run.warehouse.publish_read_copy()
    except WarehouseError as exc:  # the run's data is written; only the copy is stale
        get_logger().warning("read copy not published: %s", exc)
        return
    get_logger().info("read copy: %s", path)


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
) -> dict | State:
    """Run the nightly job for one date (default: the day before the scheduled start).

    Args:
        run_date: The closed day to process, YYYY-MM-DD. Empty: the day before the run's
            scheduled start, in the schedule's timezone.
        offline: Replay the landing zone only: no request leaves the machine.
        config: Path of the newsdesk.toml to read (the deployment fills it in).
    """
    settings = load_settings(config)
    day = run_date or _scheduled_date(config)
    run = open_run(settings, offline)
    try:
        return run_pipeline(run, day, day, flow_name="nightly").as_dict()
    except FAILURES as exc:  # ops: the log ends in the one-line reason, not a traceback
        return failed_state(exc)
    finally:
        publish_coverage(run, day - timedelta(days=COVERAGE_DAYS - 1), day)  # ops
