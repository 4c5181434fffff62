"""The market step: charts, FX rates and share counts for a symbol set over a date range.

One chart request per symbol and one FX request per range, each landed raw before it is
transformed; an offline run's sources play the same landed responses back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import engine
from flows.run import Run, get_logger, with_retries
from newsdesk.extract.sessions import sessions_between
from newsdesk.http import FetchError
from newsdesk.landing import Landed
from newsdesk.sources.clients import Sources
from newsdesk.tables import empty
from newsdesk.transform.bookkeeping import loaded_rows
from newsdesk.transform.fx import screen_frankfurter
from newsdesk.transform.prices import ChartFrames, drop_unclosed_bars, normalise_charts
from newsdesk.transform.records import Malformed
from newsdesk.transform.shares import screen_companyfacts
from newsdesk.transform.valuations import market_caps

# Bump when newsdesk/transform/prices.py changes what it makes of a body: every body loads again.
CHART_TRANSFORM = "chart-1"
# A body with thousands of bad records names the first few in the log; dq_results counts all.
LOGGED_PER_KEY = 20
# What a transform can raise on a body it cannot read at all (orjson's errors are ValueErrors;
# polars' own errors must not escape either: one body never takes the run down).
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, pl.exceptions.PolarsError)


@dataclass
class MarketResult:
    """What the market step loaded, for the checks that follow."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    failed_symbols: dict[str, str] = field(default_factory=dict)
    # Records the transforms set aside (the rest loaded), and the sources they read.
    set_aside: list[Malformed] = field(default_factory=list)
    sources_read: set[str] = field(default_factory=set)


# A subflow, so the UI shows the market work of a run as one unit with its own tasks.
# `run` carries live clients and is not a JSON parameter: skip pydantic validation.
@flow(name="market", flow_run_name="market-{start}..{end}", validate_parameters=False)
def market_step(run: Run, symbols: Sequence[str], start: date, end: date) -> MarketResult:
    """Fetch (or replay), transform and load market data for symbols over [start, end]."""
    log = get_logger()
    window_start = start - timedelta(days=run.settings.market.lookback_days)
    tickers = run.warehouse.table("tickers")
    symbols = sorted(set(symbols))
    result = MarketResult()

    charts = _charts(run, symbols, window_start, end, result)
    already = run.warehouse.loaded_bodies("yahoo", CHART_TRANSFORM)
    fresh = {s: [x for x in landed if x.sha256 not in already] for s, landed in charts.items()}
    run.stats.reused["yahoo (already loaded)"] += sum(
        len(v) - len(fresh[k]) for k, v in charts.items()
    )
    frames, used = chart_batch(fresh, result.failed_symbols)
    result.set_aside.extend(frames.malformed)
    if used:
        result.sources_read.add("yahoo")
    currencies = _currencies(tickers, symbols)
    fx_frame = _fx(run, window_start, end, currencies, result)
    shares = _shares(run, tickers, symbols, result)

    batch = {
        "prices": frames.prices,
        "splits": frames.splits,
        "dividends": frames.dividends,
        "fx_rates": fx_frame,
        "shares_outstanding": shares,
    }
    # The record of loaded bodies commits with the rows they gave, or not at all.
    loaded = loaded_rows("yahoo", CHART_TRANSFORM, used)
    counts = run.warehouse.write({**batch, "loaded_bodies": loaded})
    run.stats.rows.update(counts)
    log.info("market: loaded %s", ", ".join(f"{t} {n}" for t, n in counts.items()))

    # Only the window: a nightly run must not recompute every symbol's whole history.
    inputs = run.warehouse.market_cap_inputs(symbols, window_start, end)
    valuations = market_caps(
        inputs["prices"], inputs["shares"], inputs["splits"], tickers, inputs["fx"]
    )
    run.stats.rows.update(run.warehouse.write({"valuations": valuations}))
    # The checks see every row the run covers, not only the ones new to this run: a re-run
    # that skips bodies already loaded must still show the watchlist's prices.
    result.frames = {**batch, "prices": inputs["prices"], "valuations": valuations}
    for symbol, reason in result.failed_symbols.items():
        log.error("market: %s failed: %s", symbol, reason)
    _log_set_aside(run, result.set_aside)
    return result


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


@task(name="fetch-chart", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_chart(sources: Sources, symbol: str, start: date, end: date) -> list[Landed]:
    """One chart request for a symbol over the whole range, landed raw."""
    return sources.chart(symbol, start, end)


@task(name="fetch-fx", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_fx(sources: Sources, start: date, end: date, quotes: list[str]) -> list[Landed]:
    """One Frankfurter request for the whole range, landed raw."""
    return sources.rates(start, end, quotes)


@task(name="fetch-companyfacts", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_companyfacts(sources: Sources, cik: str) -> list[Landed]:
    """One SEC companyfacts request per issuer, landed raw."""
    return sources.companyfacts(cik)


def _charts(
    run: Run, symbols: list[str], start: date, end: date, result: MarketResult
) -> dict[str, list[Landed]]:
    log = get_logger()
    found: dict[str, list[Landed]] = {}
    # The chart runs to today so that every split since the window is in the response.
    fetch_end = max(end, run.today)
    starts = fetch_starts(run, symbols, start, end)
    fetch = with_retries(run, fetch_chart)
    futures = {s: engine.submit(fetch, run.sources, s, starts[s], fetch_end) for s in symbols}
    for done, (symbol, future) in enumerate(futures.items(), start=1):
        try:
            found[symbol] = future.result()
        except FetchError as exc:
            result.failed_symbols[symbol] = str(exc)
        if done % 25 == 0 or done == len(futures):
            log.info("market: %d/%d charts fetched", done, len(futures))
    return found


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


def chart_batch(
    charts: Mapping[str, list[Landed]], failures: dict[str, str]
) -> tuple[ChartFrames, list[Landed]]:
    """Landed chart bodies → frames, and the bodies used; unreadable ones go to failures.

    Bars dated on or after the day a body was fetched are dropped: that session may not
    have closed yet, and the next fetch brings its final values.
    """
    readable: list[tuple[str, Landed, dict]] = []
    for symbol, responses in charts.items():
        # Oldest first, so that the newest response's bars win the upsert.
        for landed in sorted(responses, key=lambda x: x.fetched_at):
            payload = _chart_payload(symbol, landed, failures)
            if payload is not None:
                readable.append((symbol, landed, payload))
    try:
        frames = normalise_charts([payload for _, _, payload in readable])
    except UNREADABLE:
        # One body the transform cannot read at all: find it, and load the others.
        readable = [item for item in readable if _chart_readable(*item, failures)]
        frames = normalise_charts([payload for _, _, payload in readable])
    cutoffs: dict[str, date] = {}
    bodies: dict[str, list[str]] = defaultdict(list)
    for symbol, landed, _ in readable:
        cutoffs[symbol] = landed.fetched_at.astimezone(UTC).date()
        bodies[symbol].append(str(landed.body_path))
    malformed = tuple(
        replace(m, source="yahoo", raw_path=", ".join(bodies.get(m.key, ())))
        for m in frames.malformed
    )
    used = [landed for _, landed, _ in readable]
    prices = drop_unclosed_bars(frames.prices, cutoffs)
    return replace(frames, prices=prices, malformed=malformed), used


def _chart_readable(symbol: str, landed: Landed, payload: dict, failures: dict[str, str]) -> bool:
    try:
        normalise_charts([payload])
    except UNREADABLE as exc:
        failures[symbol] = f"chart unreadable ({exc}); kept at {landed.body_path}"
        return False
    return True


def _chart_payload(symbol: str, landed: Landed, failures: dict[str, str]) -> dict | None:
    try:
        payload = landed.json()
    except (ValueError, UnicodeDecodeError):
        failures[symbol] = f"response is not valid JSON (truncated?); kept at {landed.body_path}"
        return None
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        failures[symbol] = f"response is not a Yahoo chart; kept at {landed.body_path}"
        return None
    error = chart.get("error")
    if error:
        failures[symbol] = f"Yahoo says {error.get('code')}: {error.get('description')}"
        return None
    if not chart.get("result"):
        failures[symbol] = f"response has no chart result; kept at {landed.body_path}"
        return None
    return payload


def _currencies(tickers: pl.DataFrame, symbols: list[str]) -> list[str]:
    listed = tickers.filter(pl.col("symbol").is_in(symbols))["currency"].drop_nulls().to_list()
    return sorted({c for c in listed if c != "USD"})


def _fx(run: Run, start: date, end: date, extra: list[str], result: MarketResult) -> pl.DataFrame:
    quotes = sorted(set(run.settings.fx.quotes) | set(extra))
    try:
        landed = engine.call(with_retries(run, fetch_fx), run.sources, start, end, quotes)
    except FetchError as exc:
        result.failed_symbols["fx"] = str(exc)
        landed = []
    frames = []
    for item in landed:
        try:
            screened = screen_frankfurter(item.json())
        except UNREADABLE as exc:
            result.failed_symbols["fx"] = (
                f"Frankfurter response unreadable ({exc}); kept at {item.body_path}"
            )
            continue
        frames.append(screened.frame)
        result.sources_read.add("frankfurter")
        result.set_aside.extend(
            replace(m, source="frankfurter", key=item.key, raw_path=str(item.body_path))
            for m in screened.malformed
        )
    if not frames:
        return empty("fx_rates")
    return pl.concat(frames).unique(subset=["date", "base", "quote"], keep="last")


def _shares(
    run: Run, tickers: pl.DataFrame, symbols: list[str], result: MarketResult
) -> pl.DataFrame:
    ciks = sorted(
        set(tickers.filter(pl.col("symbol").is_in(symbols))["cik"].drop_nulls().to_list())
    )
    fetch = with_retries(run, fetch_companyfacts)
    frames = []
    for cik in ciks:
        try:
            landed = engine.call(fetch, run.sources, cik)
        except FetchError as exc:
            result.failed_symbols[f"CIK{cik}"] = str(exc)
            continue
        for item in landed:
            try:
                screened = screen_companyfacts(item.json())
            except UNREADABLE as exc:
                result.failed_symbols[f"CIK{cik}"] = (
                    f"companyfacts unreadable ({exc}); kept at {item.body_path}"
                )
                continue
            frames.append(screened.frame)
            result.sources_read.add("sec")
            result.set_aside.extend(
                replace(m, source="sec", key=item.key, raw_path=str(item.body_path))
                for m in screened.malformed
            )
    if not frames:
        return empty("shares_outstanding")
    return pl.concat(frames)
