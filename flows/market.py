"""The market step: charts, FX rates and share counts for a symbol set over a date range.

One chart request per symbol and one FX request per range, each landed raw before it is
transformed; an offline run's sources play the same landed responses back. The symbols go
out in chunks (flows/chunks.py) that fetch, land and stage their charts and companyfacts
wherever the task runner puts them; the flow process fetches FX, checks and loads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import chunks
from flows.chart_stage import stage_charts
from flows.charts import CHART_TRANSFORM
from flows.check import check_step
from flows.chunks import MarketChunk, MarketChunkResult, retried, split, staging_store
from flows.run import Run, build_sources, get_logger
from newsdesk.errors import RunFailed
from newsdesk.extract.sessions import sessions_between
from newsdesk.landing import Landed
from newsdesk.sources.clients import LandedSources, Sources
from newsdesk.sources.frankfurter import BASE_CURRENCY
from newsdesk.staging import read_staged, run_prefix, stage_frame
from newsdesk.storage import Store
from newsdesk.tables import empty
from newsdesk.transform.bookkeeping import loaded_rows
from newsdesk.transform.fx import screen_frankfurter
from newsdesk.transform.quarantine import one_line, quarantine_rows, whole_body
from newsdesk.transform.records import Malformed, NotAsked
from newsdesk.transform.shares import screen_companyfacts
from newsdesk.transform.valuations import market_caps
from newsdesk.warehouse import Replace

# A body with thousands of bad records names the first few in the log; dq_results counts all.
LOGGED_PER_KEY = 20


@dataclass
class MarketResult:
    """What the market step loaded, for the checks that follow."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    failed_symbols: dict[str, str] = field(default_factory=dict)
    # Records the transforms set aside (the rest loaded), and the sources they read.
    set_aside: list[Malformed] = field(default_factory=list)
    sources_read: set[str] = field(default_factory=set)
    # The market tables' own checks, run before their batch committed (write–audit–publish).
    quality: Any = None


# A subflow, so the UI shows the market work of a run as one unit with its chunks.
# `run` carries live clients and is not a JSON parameter: skip pydantic validation.
@flow(name="market", flow_run_name="market-{start}..{end}", validate_parameters=False)
def market_step(
    run: Run, symbols: Sequence[str], start: date, end: date, run_date: date | None = None
) -> MarketResult:
    """Fetch (or replay), transform, check and load market data for symbols over [start, end].

    The symbols are split into chunks (``compute.chunk_symbols``) that fetch, land and stage
    their charts and their issuers' companyfacts wherever they run; this flow process is the
    one loader. Each response is read on its own: one that cannot be fetched, read or trusted
    fails its symbol, range or issuer and is quarantined, the others load. The batch is
    checked before it commits (write–audit–publish): a blocking failure leaves the previous
    data in place. ``run_date`` picks the day the watchlist's prices are expected (default
    ``end``).
    """
    window_start = start - timedelta(days=run.settings.market.lookback_days)
    symbols = sorted(set(symbols))
    store = staging_store(run.settings)
    try:
        return _load_market(run, symbols, window_start, end, run_date or end, store)
    finally:  # the staged frames are committed or refused by now: either way they are done
        store.remove(run_prefix(run.run_id, "market"))


def _load_market(
    run: Run, symbols: list[str], start: date, end: date, run_date: date, store: Store
) -> MarketResult:
    log = get_logger()
    tickers = run.warehouse.table("tickers")
    result = MarketResult()
    specs = market_chunks(run, symbols, start, end, tickers, store)
    staged = merge_market(chunks.run_chunks(market_chunk, specs, run.settings), result, run)
    # What the audit needs in memory: the window's bars (not every staged year of a long
    # backfill), and the small tables whole. The load itself streams the staged files.
    frames = {
        table: read_staged(store, staged.files.get(table, []), empty(table))
        for table in ("splits", "dividends", "shares_outstanding")
    }
    frames["prices"] = _window_prices(store, staged.files.get("prices", []), start, end)
    currencies = _currencies(tickers, symbols)
    fx_frame = _fx(run, start, end, currencies, result)
    # Issuers after the range, as one process reading them in turn put them.
    result.failed_symbols.update(staged.failed_issuers)
    result.set_aside.extend(staged.set_aside_issuers)
    _quarantine(run, result.set_aside)

    batch = {
        "prices": frames["prices"],
        "splits": frames["splits"],
        "dividends": frames["dividends"],
        "fx_rates": fx_frame,
        "shares_outstanding": frames["shares_outstanding"],
    }
    # Audit before publish: what the tables will hold over the window once the batch commits,
    # with the market caps made from it, is checked first.
    preview = preview_market(
        run.warehouse.market_cap_inputs(symbols, start, end), batch, staged.spans, start, end
    )
    valuations = market_caps(
        preview["prices"], preview["shares"], preview["splits"], tickers, preview["fx"]
    )
    result.frames = {**batch, "prices": preview["prices"], "valuations": valuations}
    for symbol, reason in result.failed_symbols.items():
        log.error("market: %s failed: %s", symbol, reason)
    _log_set_aside(run, result.set_aside)
    try:
        result.quality = check_step(
            run,
            result.frames,
            run_date,
            set_aside=result.set_aside,
            sources_read=sorted(result.sources_read),
            excused=result.failed_symbols,
        )
    except RunFailed as exc:  # nothing of the batch commits; the run names what failed to fetch
        exc.market = result  # type: ignore[attr-defined] - read by flows/nightly.run_pipeline
        raise

    # The record of loaded bodies commits with the rows they gave, or not at all; the span
    # a symbol's newest good body covers is replaced by it, even when it was loaded before.
    loaded = loaded_rows("yahoo", CHART_TRANSFORM, staged.used)
    staged_tables = ("prices", "splits", "dividends", "shares_outstanding")
    counts = run.warehouse.write_staged(
        {table: staged.files.get(table, []) for table in staged_tables},
        frames={"fx_rates": fx_frame, "valuations": valuations, "loaded_bodies": loaded},
        replace=span_replacements(staged.spans),
        store=store,
    )
    counts = {table: counts.get(table, 0) for table in (*staged_tables, *counts)}
    run.stats.rows.update(counts)
    log.info("market: loaded %s", ", ".join(f"{t} {n}" for t, n in counts.items()))
    return result


def _window_prices(store: Store, rels: Sequence[str], start: date, end: date) -> pl.DataFrame:
    """The staged bars within [start, end], read a file at a time."""
    parts = [
        read_staged(store, [rel], empty("prices")).filter(pl.col("date").is_between(start, end))
        for rel in rels
    ]
    if not parts:
        return empty("prices")
    return pl.concat(parts, how="vertical_relaxed").unique(
        ["symbol", "date"], keep="last", maintain_order=True
    )


def market_chunks(
    run: Run,
    symbols: list[str],
    start: date,
    end: date,
    tickers: pl.DataFrame,
    store: Store,
) -> list[MarketChunk]:
    """The run's symbols in chunks of compute.chunk_symbols, each with its issuers' CIKs
    (an issuer with several listed classes goes with the first chunk naming it)."""
    settings = run.settings
    # The chart runs to today so that every split since the window is in the response.
    fetch_end = max(end, run.today)
    starts = fetch_starts(run, symbols, start, end)
    store.remove(run_prefix(run.run_id, "market"))  # what a killed attempt of this run left
    already = sorted(run.warehouse.loaded_bodies("yahoo", CHART_TRANSFORM))
    already_rel = ""
    if already:  # one file every chunk reads, instead of the set in every spec
        already_rel = f"{run_prefix(run.run_id, 'market')}/already.parquet"
        stage_frame(
            store, already_rel, pl.DataFrame({"sha256": already}, schema={"sha256": pl.Utf8})
        )
    cik_of = dict(tickers.filter(pl.col("cik").is_not_null()).select("symbol", "cik").iter_rows())
    taken: set[str] = set()
    specs = []
    for index, part in enumerate(split(symbols, settings.compute.chunk_symbols)):
        ciks = sorted({cik_of[s] for s in part if s in cik_of} - taken)
        taken.update(ciks)
        specs.append(
            MarketChunk(
                settings=settings,
                offline=isinstance(run.sources, LandedSources),
                run_id=run.run_id,
                index=index,
                starts={s: starts[s] for s in part},
                fetch_end=fetch_end,
                ciks=tuple(ciks),
                already_rel=already_rel,
            )
        )
    return specs


@dataclass
class MergedMarket:
    """The market chunks' results taken together, in chunk order."""

    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    spans: dict[str, tuple[date, date]] = field(default_factory=dict)
    used: list[UsedBody] = field(default_factory=list)
    failed_issuers: dict[str, str] = field(default_factory=dict)
    set_aside_issuers: list[Malformed] = field(default_factory=list)


def merge_market(
    outcomes: Sequence[chunks.Outcome], result: MarketResult, run: Run
) -> MergedMarket:
    """The chunks' staged files, spans and findings; a chunk that failed whole fails each of
    its symbols and issuers with its reason. The chunks' counters go to the run's stats."""
    merged = MergedMarket()
    results = [r for _, r, _ in outcomes if r is not None]
    for spec, found, error in outcomes:
        if found is None:
            result.failed_symbols.update(dict.fromkeys(spec.symbols, f"chunk failed: {error}"))
            merged.failed_issuers.update(
                dict.fromkeys((f"CIK{c}" for c in spec.ciks), f"chunk failed: {error}")
            )
            continue
        for table, rels in found.staged.items():
            merged.files[table].extend(rels)
        merged.spans.update(found.spans)
        merged.used.extend(UsedBody(sha) for sha in found.used)
        result.failed_symbols.update(found.failed)
        result.set_aside.extend(found.set_aside)
        result.sources_read.update(found.sources_read)
        merged.failed_issuers.update(found.failed_issuers)
        merged.set_aside_issuers.extend(found.set_aside_issuers)
    run.stats.reused["yahoo (already loaded)"] += sum(r.skipped for r in results)
    chunks.tally(run.stats.requests, run.stats.reused, results)
    return merged


@dataclass(frozen=True)
class UsedBody:
    """A chart body a load used, by its digest (all `loaded_bodies` records of it)."""

    sha256: str


# --- a chunk: runs wherever the task runner puts it, with its own sources -----------------


@task(name="market-chunk", cache_policy=NO_CACHE)
def market_chunk(spec: MarketChunk) -> MarketChunkResult:
    """Fetch, land, transform and stage one chunk of symbols and their issuers."""
    return run_market_chunk(spec)


def run_market_chunk(spec: MarketChunk) -> MarketChunkResult:
    """The chunk's charts and companyfacts fetched (or replayed) with sources of its own,
    read body by body and staged as Parquet; what failed or was set aside is in the result."""
    settings = spec.settings
    sources = build_sources(settings, offline=spec.offline)
    store = staging_store(settings)
    prefix = run_prefix(spec.run_id, f"market/{spec.name}")
    failed: dict[str, str] = {}
    charts = _fetch_charts(sources, spec, failed, settings.http.task_retries)
    already = (
        frozenset(read_staged(store, [spec.already_rel])["sha256"].to_list())
        if spec.already_rel
        else frozenset()
    )
    staged = stage_charts(charts, store, prefix, already=already)
    failed.update(staged.failed)
    issuers = MarketResult()
    shares = _shares(sources, spec.ciks, issuers, settings.http.task_retries)
    files = dict(staged.files)
    if not shares.is_empty():
        files["shares_outstanding"] = [f"{prefix}/shares_outstanding.parquet"]
        stage_frame(store, files["shares_outstanding"][0], shares)
    read_yahoo = bool(staged.used) or any(charts.values())
    return MarketChunkResult(
        staged=files,
        spans=staged.spans,
        used=tuple(x.sha256 for x in staged.used),
        failed=failed,
        failed_issuers=issuers.failed_symbols,
        set_aside=tuple(staged.set_aside),
        set_aside_issuers=tuple(issuers.set_aside),
        sources_read=tuple(sorted(issuers.sources_read | ({"yahoo"} if read_yahoo else set()))),
        skipped=staged.skipped,
        counts=chunks.counted(sources),
        pid=chunks.here(),
    )


def _fetch_charts(
    sources: Sources, spec: MarketChunk, failed: dict[str, str], retries: int
) -> dict[str, list[Landed]]:
    """One chart request per symbol, several at a time (I/O-bound), each symbol's failure
    its own."""
    log = get_logger()
    found: dict[str, list[Landed]] = {}
    workers = max(1, min(spec.settings.compute.max_workers, len(spec.starts)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chart") as pool:
        futures = {
            s: pool.submit(retried, sources.chart, retries, s, start, spec.fetch_end)
            for s, start in spec.starts.items()
        }
        for done, (symbol, future) in enumerate(futures.items(), start=1):
            try:
                found[symbol] = future.result()
            except Exception as exc:  # any failure of one symbol's request is that symbol's alone
                failed[symbol] = one_line(exc)
            if done % 25 == 0 or done == len(futures):
                log.info("market: %s: %d/%d charts fetched", spec.name, done, len(futures))
    return found


def _shares(
    sources: Sources, ciks: Sequence[str], result: MarketResult, retries: int
) -> pl.DataFrame:
    frames = []
    for cik in ciks:
        try:
            landed = retried(sources.companyfacts, retries, cik)
        except Exception as exc:  # the issuer fails, not the run
            result.failed_symbols[f"CIK{cik}"] = one_line(exc)
            continue
        for item in landed:
            screen = partial(screen_companyfacts, cik=cik)
            screened = _screened(item, screen, "sec", f"CIK{cik}", f"CIK{cik}", result)
            if screened is not None:
                frames.append(screened.frame)
    if not frames:
        return empty("shares_outstanding")
    return pl.concat(frames)


def span_replacements(spans: Mapping[str, tuple[date, date]]) -> list[Replace]:
    """Delete each symbol's bars, splits and dividends within its newest body's span first."""
    by_span: dict[tuple[date, date], list[str]] = defaultdict(list)
    for symbol, span in sorted(spans.items()):
        by_span[span].append(symbol)
    return [
        Replace(table, "symbol", symbols, between=("date", low, high))
        for (low, high), symbols in by_span.items()
        for table in ("prices", "splits", "dividends")
    ]


def preview_market(
    held: Mapping[str, pl.DataFrame],
    batch: Mapping[str, pl.DataFrame],
    spans: Mapping[str, tuple[date, date]],
    start: date,
    end: date,
) -> dict[str, pl.DataFrame]:
    """What market_cap_inputs will return once the batch commits: held rows, the spans the
    batch replaces taken out, the batch's rows laid over them."""
    prices = batch["prices"].filter(pl.col("date").is_between(start, end))
    usd = batch["fx_rates"].filter(pl.col("base") == "USD")
    return {
        "prices": _overlay(_outside(held["prices"], spans), prices, ["symbol", "date"]).sort(
            "symbol", "date"
        ),
        "splits": _overlay(_outside(held["splits"], spans), batch["splits"], ["symbol", "date"]),
        "shares": _overlay(
            held["shares"], batch["shares_outstanding"], ["cik", "as_of", "accession"]
        ),
        "fx": _overlay(held["fx"], usd, ["date", "base", "quote"]).sort("date"),
    }


def _outside(frame: pl.DataFrame, spans: Mapping[str, tuple[date, date]]) -> pl.DataFrame:
    if not spans or frame.is_empty():
        return frame
    limits = pl.DataFrame(
        {
            "symbol": list(spans),
            "_low": [low for low, _ in spans.values()],
            "_high": [high for _, high in spans.values()],
        },
        schema={"symbol": pl.Utf8, "_low": pl.Date, "_high": pl.Date},
    )
    return (
        frame.join(limits, on="symbol", how="left")
        .filter(pl.col("_low").is_null() | ~pl.col("date").is_between("_low", "_high"))
        .drop("_low", "_high")
    )


def _overlay(held: pl.DataFrame, incoming: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """held's rows whose keys incoming lacks, then incoming's (as an upsert leaves them)."""
    if incoming.is_empty():
        return held
    incoming = incoming.unique(subset=keys, keep="last", maintain_order=True)
    kept = held.join(incoming.select(keys), on=keys, how="anti", nulls_equal=True)
    return pl.concat([kept, incoming.select(held.columns)], how="vertical_relaxed")


def _quarantine(run: Run, records: Sequence[Malformed]) -> None:
    """One quarantine row per response or record set aside, whatever the run does next."""
    if records:
        run.warehouse.append("quarantine", quarantine_rows(records, run.run_id))


def _log_set_aside(run: Run, records: Sequence[Malformed]) -> None:
    """One warning line per record set aside (the first few per key), counted in the stats."""
    log = get_logger()
    by_key: dict[str, list[Malformed]] = defaultdict(list)
    for record in records:
        by_key[f"{record.source} {record.key}"].append(record)
    for key, found in by_key.items():
        run.stats.set_aside[key] += len(found)
        for record in found[:LOGGED_PER_KEY]:
            log.warning("market: %s", record.line())
        if len(found) > LOGGED_PER_KEY:
            log.warning("market: %s: %d more records set aside", key, len(found) - LOGGED_PER_KEY)


def fetch_starts(run: Run, symbols: list[str], start: date, end: date) -> dict[str, date]:
    """Where each symbol's chart request starts: closed days already held are not re-fetched.

    Vendors revise the last few sessions, so those (``market.revise_days``) are always
    fetched again; a symbol missing any session before them is fetched in full.
    """
    revise_from = max(start, end - timedelta(days=run.settings.market.revise_days))
    expected = set(sessions_between(start, revise_from - timedelta(days=1)))
    if not expected:
        return dict.fromkeys(symbols, start)
    held = run.warehouse.held_sessions(symbols, start, revise_from)
    complete = {symbol for symbol, days in held.items() if expected <= days}
    starts = {s: (revise_from if s in complete else start) for s in symbols}
    reused = sum(1 for s in symbols if s in complete)
    if reused:
        run.stats.reused["yahoo (closed days held)"] += reused
    return starts


def _currencies(tickers: pl.DataFrame, symbols: list[str]) -> list[str]:
    listed = tickers.filter(pl.col("symbol").is_in(symbols))["currency"].drop_nulls().to_list()
    return sorted({c for c in listed if c != "USD"})


def _fx(run: Run, start: date, end: date, extra: list[str], result: MarketResult) -> pl.DataFrame:
    quotes = sorted(set(run.settings.fx.quotes) | set(extra))
    try:
        # One request for the range, from the flow process with the run's own sources.
        landed = retried(run.sources.rates, run.settings.http.task_retries, start, end, quotes)
    except Exception as exc:  # the range fails, not the run
        result.failed_symbols["fx"] = one_line(exc)
        landed = []
    frames = []
    for item in landed:
        screen = partial(screen_frankfurter, base=BASE_CURRENCY)
        screened = _screened(item, screen, "frankfurter", item.key, "fx", result)
        if screened is not None:
            frames.append(screened.frame)
    if not frames:
        return empty("fx_rates")
    return pl.concat(frames).unique(subset=["date", "base", "quote"], keep="last")


def _screened(
    item: Landed,
    screen: Callable[[Any], Any],
    source: str,
    key: str,
    failed_as: str,
    result: MarketResult,
) -> Any:
    """One landed FX or SEC body through its screen; a body refused or unreadable fails
    `failed_as` and is set aside whole, the records the screen set aside are kept."""
    try:
        screened = screen(item.json())
    except Exception as exc:
        what = "Frankfurter response" if source == "frankfurter" else "companyfacts"
        reason = (
            f"response refused: {exc}"
            if isinstance(exc, NotAsked)
            else f"{what} unreadable ({one_line(exc)})"
        )
        result.failed_symbols[failed_as] = f"{reason}; kept at {item.body_path}"
        result.set_aside.append(whole_body(source, key, reason, str(item.body_path)))
        return None
    result.sources_read.add(source)
    result.set_aside.extend(
        replace(m, source=source, key=item.key, raw_path=str(item.body_path))
        for m in screened.malformed
    )
    return screened
