"""The market step: charts, FX rates and share counts for a symbol set over a date range.

One chart request per symbol and one FX request per range, each landed raw before
it is transformed; offline runs read the same landed responses back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.run import Run, get_logger, land_fetch
from newsdesk import landing
from newsdesk.extract.sessions import sessions_between
from newsdesk.http import FetchError
from newsdesk.landing import Landed
from newsdesk.sources import frankfurter, sec, yahoo
from newsdesk.transform.fx import normalise_frankfurter
from newsdesk.transform.prices import ChartFrames, normalise_charts
from newsdesk.transform.shares import normalise_companyfacts
from newsdesk.transform.valuations import market_caps

# Bump when flows/transform/prices.py changes what it makes of a body: every body loads again.
CHART_TRANSFORM = "chart-1"
SEC_REUSE_DAYS = 7  # cover pages change quarterly: a week-old companyfacts is fresh enough


@dataclass
class MarketResult:
    """What the market step loaded, for the checks that follow."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    failed_symbols: dict[str, str] = field(default_factory=dict)


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

    valuations = _valuations(run, tickers, symbols, window_start, end)
    run.stats.rows.update(run.warehouse.write({"valuations": valuations}))
    # The checks see every row the run covers, not only the ones new to this run: a re-run
    # that skips bodies already loaded must still show the watchlist's prices.
    held = run.warehouse.query(
        "select * from prices where symbol in (select unnest(?)) and date between ? and ?",
        [symbols, window_start, end],
    )
    result.frames = {**batch, "prices": held, "valuations": valuations}
    if result.failed_symbols:
        for symbol, reason in result.failed_symbols.items():
            log.error("market: %s failed: %s", symbol, reason)
    return result


@task(name="fetch-chart", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_chart(run: Run, symbol: str, start: date, end: date) -> Landed:
    """One chart request for a symbol over the whole range, landed raw."""
    base_url = run.settings.market.base_url
    return land_fetch(
        run, "yahoo", yahoo.chart_key(symbol, start, end), yahoo.chart_params(symbol, start, end),
        lambda: yahoo.fetch_chart(run.clients.market, base_url, symbol, start, end),
    )  # fmt: skip


def _charts(
    run: Run, symbols: list[str], start: date, end: date, result: MarketResult
) -> dict[str, list[Landed]]:
    log = get_logger()
    found: dict[str, list[Landed]] = {}
    if run.offline:
        for symbol in symbols:
            landed = landing.find_landed(run.raw_dir, "yahoo", key_prefix=landing.safe_key(symbol))
            if landed:
                found[symbol] = landed
                run.stats.reused["yahoo"] += len(landed)
            else:
                result.failed_symbols[symbol] = "offline: no chart response in the landing zone"
        return found
    # The chart runs to today so that every split since the window is in the response.
    fetch_end = max(end, run.today)
    starts = fetch_starts(run, symbols, start, end)
    fetch = fetch_chart.with_options(retries=run.settings.http.task_retries)
    futures = {s: fetch.submit(run, s, starts[s], fetch_end) for s in symbols}
    for done, (symbol, future) in enumerate(futures.items(), start=1):
        try:
            found[symbol] = [future.result()]
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
    held = run.warehouse.query(
        "select symbol, list(date) as days from prices "
        "where symbol in (select unnest(?)) and date between ? and ? group by symbol",
        [symbols, start, revise_from],
    )
    complete = {symbol for symbol, days in held.iter_rows() if expected <= set(days or [])}
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
    payloads: dict[str, dict] = {}
    cutoffs: dict[str, date] = {}
    used: list[Landed] = []
    for symbol, responses in charts.items():
        # Oldest first, so that the newest response's bars win the upsert.
        for landed in sorted(responses, key=lambda x: x.fetched_at):
            payload = _chart_payload(symbol, landed, failures)
            if payload is None:
                continue
            payloads[f"{symbol}\t{landed.sha256}"] = payload
            cutoffs[symbol] = landed.fetched_at.astimezone(UTC).date()
            used.append(landed)
    frames = normalise_charts(list(payloads.values()))
    if not cutoffs:
        return frames, used
    limits = pl.DataFrame(
        {"symbol": list(cutoffs), "cutoff": list(cutoffs.values())},
        schema={"symbol": pl.Utf8, "cutoff": pl.Date},
    )
    prices = (
        frames.prices.join(limits, on="symbol", how="left")
        .filter(pl.col("cutoff").is_null() | (pl.col("date") < pl.col("cutoff")))
        .drop("cutoff")
    )
    return replace(frames, prices=prices), used


def _chart_payload(symbol: str, landed: Landed, failures: dict[str, str]) -> dict | None:
    try:
        payload = landed.json()
    except (ValueError, UnicodeDecodeError):
        failures[symbol] = f"response is not valid JSON (truncated?); kept at {landed.body_path}"
        return None
    chart = payload.get("chart") if isinstance(payload, dict) else None
    error = (chart or {}).get("error")
    if error:
        failures[symbol] = f"Yahoo says {error.get('code')}: {error.get('description')}"
        return None
    if not (chart or {}).get("result"):
        failures[symbol] = f"response has no chart result; kept at {landed.body_path}"
        return None
    return payload


def loaded_rows(source: str, transform: str, used: Sequence[Landed]) -> pl.DataFrame:
    """`loaded_bodies` rows for the bodies a batch loaded."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "source": [source] * len(used),
            "sha256": [x.sha256 for x in used],
            "transform": [transform] * len(used),
            "loaded_at": [now] * len(used),
        },
        schema={
            "source": pl.Utf8,
            "sha256": pl.Utf8,
            "transform": pl.Utf8,
            "loaded_at": pl.Datetime("us"),
        },
    )


def _currencies(tickers: pl.DataFrame, symbols: list[str]) -> list[str]:
    listed = tickers.filter(pl.col("symbol").is_in(symbols))["currency"].drop_nulls().to_list()
    return sorted({c for c in listed if c != "USD"})


def _fx(run: Run, start: date, end: date, extra: list[str], result: MarketResult) -> pl.DataFrame:
    quotes = sorted(set(run.settings.fx.quotes) | set(extra))
    if run.offline:
        # Only responses whose range overlaps the run's, not every one ever landed.
        landed = landing.find_landed(
            run.raw_dir,
            "frankfurter",
            where=lambda x: (
                x.params.get("start", "") <= end.isoformat()
                and x.params.get("end", "9999-12-31") >= start.isoformat()
            ),
        )
        run.stats.reused["frankfurter"] += len(landed)
    else:
        landed = [_fetch_fx(run, start, end, quotes, result)]
    frames = []
    for item in landed:
        if item is None:
            continue
        try:
            frames.append(normalise_frankfurter(item.json()))
        except (KeyError, TypeError, ValueError) as exc:  # orjson's errors are ValueErrors
            result.failed_symbols["fx"] = (
                f"Frankfurter response unreadable ({exc}); kept at {item.body_path}"
            )
    if not frames:
        return normalise_frankfurter({"base": "USD", "rates": {}})
    return pl.concat(frames).unique(subset=["date", "base", "quote"], keep="last")


@task(name="fetch-fx", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_fx(run: Run, start: date, end: date, quotes: list[str]) -> Landed:
    """One Frankfurter request for the whole range, landed raw."""
    base_url = run.settings.fx.base_url
    return land_fetch(
        run, "frankfurter", frankfurter.fx_key(start, end),
        frankfurter.fx_params(start, end, quotes),
        lambda: frankfurter.fetch_rates(run.clients.fx, base_url, start, end, quotes),
    )  # fmt: skip


def _fetch_fx(
    run: Run, start: date, end: date, quotes: list[str], result: MarketResult
) -> Landed | None:
    try:
        return fetch_fx.with_options(retries=run.settings.http.task_retries)(
            run, start, end, quotes
        )
    except FetchError as exc:
        result.failed_symbols["fx"] = str(exc)
        return None


@task(name="fetch-companyfacts", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_companyfacts(run: Run, cik: str) -> Landed:
    """One SEC companyfacts request per issuer, landed raw."""
    base_url = run.settings.sec.base_url
    return land_fetch(
        run, "sec", sec.sec_key(cik), sec.sec_params(cik),
        lambda: sec.fetch_companyfacts(run.clients.sec, base_url, cik),
    )  # fmt: skip


def _shares(
    run: Run, tickers: pl.DataFrame, symbols: list[str], result: MarketResult
) -> pl.DataFrame:
    ciks = sorted(
        set(tickers.filter(pl.col("symbol").is_in(symbols))["cik"].drop_nulls().to_list())
    )
    fresh_after = datetime.now(UTC) - timedelta(days=SEC_REUSE_DAYS)
    frames = []
    for cik in ciks:
        landed = landing.find_landed(run.raw_dir, "sec", key_prefix=sec.sec_key(cik))
        if not run.offline and (not landed or landed[-1].fetched_at < fresh_after):
            if run.clients.sec is None:
                result.failed_symbols[f"CIK{cik}"] = (
                    "SEC requires a User-Agent naming you: set sec.user_agent "
                    "or NEWSDESK_SEC_USER_AGENT"
                )
                continue
            try:
                fetch = fetch_companyfacts.with_options(retries=run.settings.http.task_retries)
                landed = [fetch(run, cik)]
            except FetchError as exc:
                result.failed_symbols[f"CIK{cik}"] = str(exc)
                continue
        elif landed:
            run.stats.reused["sec"] += 1
        for item in landed[-1:]:
            try:
                frames.append(normalise_companyfacts(item.json()))
            except (KeyError, TypeError, ValueError) as exc:  # orjson's errors are ValueErrors
                result.failed_symbols[f"CIK{cik}"] = f"companyfacts unreadable ({exc})"
    if not frames:
        return normalise_companyfacts({"cik": 0, "facts": {}})
    return pl.concat(frames)


def _valuations(
    run: Run, tickers: pl.DataFrame, symbols: list[str], start: date, end: date
) -> pl.DataFrame:
    """Market caps for the symbols over the run's window, from what the warehouse holds."""
    wh = run.warehouse
    # Only the window: a nightly run must not recompute every symbol's whole history.
    prices = wh.query(
        "select * from prices where symbol in (select unnest(?)) and date between ? and ?",
        [symbols, start, end],
    )
    splits = wh.query("select * from splits")
    ciks = tickers.filter(pl.col("symbol").is_in(symbols))["cik"].drop_nulls().to_list()
    shares = wh.query("select * from shares_outstanding where cik in (select unnest(?))", [ciks])
    fx = wh.query("select * from fx_rates where base = 'USD'")
    return market_caps(prices, shares, splits, tickers, fx)
