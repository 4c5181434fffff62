"""What each CLI command does, given parsed arguments and settings."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout, suppress
from dataclasses import replace
from datetime import date
from pathlib import Path

from flows import engine
from newsdesk.config import Settings
from newsdesk.errors import RunFailed, UsageError
from newsdesk.resources import snapshot_dir

DEMO_DATE = date(2024, 2, 20)
DEMO_SYMBOLS = ("ADBE", "SSTK", "GOOGL", "GOOG")


def run(settings: Settings, day: date, *, offline: bool, as_json: bool = False) -> int:
    """`newsdesk run`: the nightly flow for one date (flows/cli.py checked it is closed)."""
    from flows.nightly import nightly

    with _terminal(f"run {day}", as_json):
        result = engine.run_flow(nightly, run_date=day, offline=offline, config=_config(settings))
    _print_summary(result, settings, "run", day, day, as_json)
    return 0


def backfill(
    settings: Settings,
    start: date,
    end: date,
    *,
    offline: bool,
    symbols: list[str],
    missing: bool = False,
    as_json: bool = False,
) -> int:
    """`newsdesk backfill`: the backfill flow over [start, end] (only the missing dates);
    flows/cli.py checked the range."""
    from flows.backfill import backfill as backfill_flow

    with _terminal(f"backfill {start}..{end}", as_json):
        result = engine.run_flow(
            backfill_flow,
            start=start,
            end=end,
            offline=offline,
            symbols=symbols,
            config=_config(settings),
            missing=missing,
        )
    _print_summary(result, settings, "backfill", start, end, as_json)
    return 0


def demo(settings: Settings, *, as_json: bool = False) -> int:
    """`newsdesk demo`: the nightly job offline over the bundled snapshot; prints its summary."""
    from flows.nightly import run_pipeline
    from flows.run import open_run
    from newsdesk.landing import find_landed
    from newsdesk.storage import Store

    snapshot_raw = snapshot_dir() / "raw"
    if not snapshot_raw.is_dir():
        raise UsageError(f"the demo snapshot is missing at {snapshot_raw}")
    raw = Store.at(settings.warehouse.raw_dir, settings.storage)
    # The landing zone is never rewritten: copy only the snapshot files it lacks, each body
    # before its meta (sorted), so an interrupted copy leaves no meta without its body.
    for source in sorted(snapshot_raw.rglob("*")):
        rel = source.relative_to(snapshot_raw).as_posix()
        if source.is_file() and not raw.exists(rel):
            with suppress(FileExistsError):  # another demo copied it meanwhile
                raw.create(rel, source.read_bytes())
    pages = tuple(landed.params["url"] for landed in find_landed(snapshot_raw, "news"))
    settings = replace(
        settings,
        news=replace(settings.news, pages=pages, feeds=()),
        market=replace(settings.market, watchlist=DEMO_SYMBOLS),
    )
    from prefect import flow

    @flow(name="demo", flow_run_name=f"demo-{DEMO_DATE}")
    def demo_flow() -> dict:
        run_ = open_run(settings, offline=True)
        outcome = run_pipeline(run_, DEMO_DATE, DEMO_DATE, flow_name="demo")
        return outcome.as_dict()

    with _terminal(f"demo {DEMO_DATE}", as_json):
        result = engine.run_flow(demo_flow)
    _print_summary(result, settings, "demo", DEMO_DATE, DEMO_DATE, as_json)
    if not as_json:
        print(f"warehouse  {settings.warehouse.path}")
        query = "select symbol, date, close from prices where date = '2024-02-16'"
        print(f'try        .venv/bin/newsdesk sql "{query}"')
    return 0


def sql(
    settings: Settings,
    query: str | None,
    fmt: str,
    *,
    file: Path | None = None,
    allow_files: bool = False,
) -> int:
    """`newsdesk sql`: read-only statements from QUERY or -f FILE, or an interactive shell."""
    from flows import shell

    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"-f {file}: cannot read it ({exc})") from None
    if query is None:
        return shell.interactive(settings.warehouse.path, fmt, allow_files=allow_files)
    return shell.run_statements(settings.warehouse.path, query, fmt, allow_files=allow_files)


def check(settings: Settings, day: date, *, as_json: bool = False) -> int:
    """`newsdesk check`: the data-quality suites over what the warehouse holds."""
    from flows.check import check_step
    from flows.run import Run, build_sources
    from newsdesk.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse.path)
    run_ = Run(settings, warehouse, build_sources(settings, offline=True))
    frames = {
        name: warehouse.table(name)
        for name in ("tickers", "prices", "splits", "fx_rates", "shares_outstanding",
                     "valuations", "articles", "claims", "events")
    }  # fmt: skip
    from flows.summary import check_summary, print_check, print_json

    with _quiet_stdout(as_json):
        report = check_step(run_, frames, day)
    summary = check_summary(report, day)
    print_json(summary) if as_json else print_check(summary)
    return 0


def report(settings: Settings, day: date) -> int:
    """`newsdesk report`: the claims report for one date."""
    from flows.report import report_step
    from flows.run import Run, build_sources
    from newsdesk.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse.path)
    run_ = Run(settings, warehouse, build_sources(settings, offline=True))
    docs_index = settings.warehouse.dq_dir / "index.html"  # linked when a run has built it
    path = report_step(run_, day, docs_index if docs_index.exists() else None)
    print(f"{path}\n{path.with_suffix('.html')}")
    return 0


def serve(settings: Settings) -> int:
    """`newsdesk serve`: register and serve the deployments."""
    from flows.deployments import serve_deployments

    serve_deployments(settings)
    return 0


def deploy(settings: Settings, pool: str | None) -> int:
    """`newsdesk deploy`: the work pool, the limits and the deployments on the pool."""
    from flows.deployments import deploy as deploy_on_pool
    from flows.deployments import pool_name

    deploy_on_pool(settings, pool_name(settings, pool))
    return 0


def _config(settings: Settings) -> str | None:
    return str(settings.source_file) if settings.source_file else None


def _print_summary(
    result: dict, settings: Settings, command: str, start: date, end: date, as_json: bool
) -> None:
    from flows.summary import print_json, print_run, run_summary

    if not isinstance(result, dict):  # a flow that returned its failure as a Prefect state
        raise RunFailed(str(getattr(result, "message", None) or result))
    summary = run_summary(
        result, command=command, start=start, end=end, warehouse=settings.warehouse.path
    )
    print_json(summary) if as_json else print_run(summary)


@contextmanager
def _terminal(title: str, as_json: bool) -> Iterator[None]:
    """While a run runs: a progress bar on a terminal; with --json, stdout kept for the JSON."""
    from flows.progress import terminal_bar

    with _quiet_stdout(as_json), terminal_bar(title, enabled=None if not as_json else False):
        yield


@contextmanager
def _quiet_stdout(as_json: bool) -> Iterator[None]:
    """With --json, whatever the run prints goes to stderr: stdout holds one JSON object."""
    if not as_json:
        yield
        return
    with redirect_stdout(sys.stderr):
        yield
