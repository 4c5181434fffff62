"""What each CLI command does, given parsed arguments and settings."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl

from flows import engine
from newsdesk.config import Settings
from newsdesk.errors import RunFailed, UsageError
from newsdesk.resources import snapshot_dir

DEMO_DATE = date(2024, 2, 20)
DEMO_SYMBOLS = ("ADBE", "SSTK", "GOOGL", "GOOG")


def run(settings: Settings, day: date, *, offline: bool) -> int:
    """`newsdesk run`: the nightly flow for one date."""
    if day >= datetime.now(settings.tz).date():
        raise UsageError(f"--date {day} is not in the past: the nightly job checks closed days")
    from flows.nightly import nightly

    result = engine.run_flow(nightly, run_date=day, offline=offline, config=_config(settings))
    _print_summary(result)
    return 0


def backfill(
    settings: Settings, start: date, end: date, *, offline: bool, symbols: list[str]
) -> int:
    """`newsdesk backfill`: the backfill flow over [start, end]."""
    from flows.backfill import backfill as backfill_flow
    from flows.backfill import validate_range

    validate_range(start, end, settings)
    result = engine.run_flow(
        backfill_flow,
        start=start,
        end=end,
        offline=offline,
        symbols=symbols,
        config=_config(settings),
    )
    _print_summary(result)
    return 0


def demo(settings: Settings) -> int:
    """`newsdesk demo`: the nightly job offline over the bundled snapshot; prints the report."""
    from flows.nightly import run_pipeline
    from flows.run import open_run
    from newsdesk.landing import find_landed

    snapshot_raw = snapshot_dir() / "raw"
    if not snapshot_raw.is_dir():
        raise UsageError(f"the demo snapshot is missing at {snapshot_raw}")
    raw_dir = settings.warehouse.raw_dir
    # The landing zone is never rewritten: copy only the snapshot files it lacks.
    for source in snapshot_raw.rglob("*"):
        target = raw_dir / source.relative_to(snapshot_raw)
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
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

    result = engine.run_flow(demo_flow)
    report = result["report"]
    print(Path(report).read_text(encoding="utf-8") if report else "no report written")
    print()
    _print_summary(result)
    print(f"warehouse: {settings.warehouse.path}")
    print("try: newsdesk sql \"select symbol, date, close from prices where date = '2024-02-16'\"")
    return 0


def sql(settings: Settings, query: str | None, fmt: str) -> int:
    """`newsdesk sql`: one read-only query, or an interactive shell."""
    if query is None:
        return _shell(settings, fmt)
    return _run_query(settings, query, fmt)


def check(settings: Settings, day: date) -> int:
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
    report = check_step(run_, frames, day)
    print(f"{len(report.outcomes)} expectations checked, all blocking ones passed")
    if report.docs_index:
        print(f"Data Docs: {report.docs_index}")
    return 0


def report(settings: Settings, day: date) -> int:
    """`newsdesk report`: the claims report for one date."""
    from flows.report import report_step
    from flows.run import Run, build_sources
    from newsdesk.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse.path)
    run_ = Run(settings, warehouse, build_sources(settings, offline=True))
    path = report_step(run_, day, None)
    print(f"{path}\n{path.with_suffix('.html')}")
    return 0


def serve(settings: Settings) -> int:
    """`newsdesk serve`: register and serve the deployments."""
    from flows.deployments import serve_deployments

    serve_deployments(settings)
    return 0


def _run_query(settings: Settings, query: str, fmt: str) -> int:
    from newsdesk.warehouse import QueryError, ReadOnlyViolation, WarehouseBusy, run_read_only

    path = settings.warehouse.path
    if not path.exists():
        raise UsageError(f"no warehouse at {path}: run `make demo` or `newsdesk run` first")
    try:
        frame = run_read_only(path, query)
    except (ReadOnlyViolation, QueryError) as exc:
        raise UsageError(str(exc)) from None
    except WarehouseBusy as exc:
        raise RunFailed(str(exc)) from None
    _print_frame(frame, fmt)
    return 0


def _shell(settings: Settings, fmt: str) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"newsdesk sql on {settings.warehouse.path} (read-only); end with ; — Ctrl-D quits")
    buffer = ""
    while True:
        try:
            line = input("newsdesk> " if interactive and not buffer else "")
        except EOFError:
            break
        buffer += line + "\n"
        if buffer.strip().endswith(";"):
            try:
                _run_query(settings, buffer, fmt)
            except (UsageError, RunFailed) as exc:
                print(f"error: {exc}", file=sys.stderr)
            buffer = ""
    if buffer.strip():
        _run_query(settings, buffer, fmt)
    return 0


def _print_frame(frame: pl.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(_flatten(frame).write_csv())
    elif fmt == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        with pl.Config(
            tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200,
            tbl_hide_dataframe_shape=True, fmt_table_cell_list_len=10, fmt_float="full",
        ):  # fmt: skip
            print(frame)
        print(f"({frame.height} row{'s' if frame.height != 1 else ''})")


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV has no lists: join list columns with '|'."""
    return frame.with_columns(
        pl.col(name).cast(pl.List(pl.Utf8)).list.join("|")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List)
    )


def _config(settings: Settings) -> str | None:
    return str(settings.source_file) if settings.source_file else None


def _print_summary(result: dict) -> None:
    stats = result.get("stats", {})
    rows = ", ".join(f"{k} {v}" for k, v in stats.get("rows", {}).items())
    print(f"run {result.get('run_id')}: loaded {rows or 'nothing'}")
    print(f"requests: {stats.get('requests', {})}  claims judged: {stats.get('claims_judged', 0)}")
    if result.get("report"):
        print(f"report: {result['report']}")
