"""Yahoo chart v8 payloads → prices, splits and dividends frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from newsdesk.tables import DIVIDENDS_SCHEMA, PRICES_SCHEMA, SPLITS_SCHEMA
from newsdesk.transform.records import (
    Malformed,
    NotAsked,
    Unusable,
    as_number,
    as_positive,
    describe,
)

_OHLC = ("open", "high", "low", "close")
# Every bar and event is collected with these, then dated by _local_date.
_BASE: dict[str, pl.DataType] = {
    "symbol": pl.Utf8(),
    "ts": pl.Int64(),
    "tz": pl.Utf8(),
    "offset": pl.Int64(),
}
_EVENT_FIELDS = {"splits": ("numerator", "denominator"), "dividends": ("amount",)}


class ChartError(Exception):
    """Yahoo answered with a non-null ``chart.error`` (e.g. an unknown symbol)."""

    def __init__(self, symbol: str, code: str, description: str) -> None:
        self.symbol = symbol
        self.code = code
        self.description = description
        super().__init__(f"Yahoo chart error for {symbol}: {code}: {description}")


@dataclass(frozen=True)
class ChartFrames:
    """The frames one or more chart payloads normalise to."""

    prices: pl.DataFrame
    splits: pl.DataFrame
    dividends: pl.DataFrame
    currency: str | None
    exchange_timezone: str | None
    malformed: tuple[Malformed, ...] = ()  # bars and events set aside, with the reason


class _Columns:
    """Column lists accumulated across payloads, turned into frames once."""

    def __init__(self) -> None:
        self.bars: dict[str, list[Any]] = {k: [] for k in (*_BASE, *_OHLC, "adj_close", "volume")}
        self.events: dict[str, dict[str, list[Any]]] = {
            kind: {k: [] for k in (*_BASE, *fields)} for kind, fields in _EVENT_FIELDS.items()
        }


def _result(payload: dict, symbol: str | None) -> dict | None:
    chart = payload.get("chart")
    if not isinstance(chart, dict):
        raise ValueError(f"not a Yahoo chart payload (no 'chart' object) for {symbol or '?'}")
    error = chart.get("error")
    if error:
        # Yahoo's error body does not repeat the symbol, so the caller's hint is all we have.
        raise ChartError(
            symbol or "?", str(error.get("code", "")), str(error.get("description", ""))
        )
    results = chart.get("result") or []
    return results[0] if results else None


def _collect(
    payload: dict,
    cols: _Columns,
    symbol: str | None,
    malformed: list[Malformed],
    refuse_other: bool = False,
) -> tuple[str | None, str | None]:
    """Append one payload's usable bars and events to ``cols``; return (currency, timezone).

    A bar or event that cannot be read goes to ``malformed`` instead; a payload that cannot
    be read at all (bar lists of different lengths, intraday bars) raises ValueError before
    anything of it is appended.
    """
    result = _result(payload, symbol)
    if result is None:
        return None, None
    meta = result.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError(f"{symbol or '?'}: chart meta is {type(meta).__name__}, not an object")
    named = meta.get("symbol")
    if (
        refuse_other
        and symbol
        and named is not None
        and str(named).strip().upper() != symbol.upper()
    ):
        # Rows are keyed by what was asked for; a body naming another symbol is not trusted.
        raise NotAsked(f"asked for {symbol}, the response is for {str(named)[:40]!r}")
    sym = symbol or named
    if not sym:
        raise ValueError("chart payload has no meta.symbol and no symbol was given")
    granularity = meta.get("dataGranularity")
    if granularity not in (None, "1d"):
        # prices is a table of daily bars: intraday bars would collide on (symbol, date).
        raise ValueError(f"{sym}: only 1d charts are supported, got interval {granularity!r}")
    tz = meta.get("exchangeTimezoneName")
    offset = int(meta.get("gmtoffset") or 0)
    bars = _bar_lists(sym, result)
    if not _plain_numbers(bars):
        bars = _readable_bars(sym, bars, offset, malformed)
    n = len(bars["ts"])
    for key, value in {"symbol": [sym] * n, "tz": [tz] * n, "offset": [offset] * n}.items():
        cols.bars[key].extend(value)
    for key, values in bars.items():
        cols.bars[key].extend(values)
    events = result.get("events") or {}
    for kind, fields in _EVENT_FIELDS.items():
        for name, event in (events.get(kind) or {}).items():
            try:
                values = _event(event, fields)
            except Unusable as exc:
                where = describe(f"events.{kind}[{name!r}]", event, ("date", *fields))
                malformed.append(Malformed(sym, where, str(exc)))
                continue
            row = {"symbol": sym, "tz": tz, "offset": offset} | values
            for key, value in row.items():
                cols.events[kind][key].append(value)
    return meta.get("currency"), tz


def _bar_lists(symbol: str, result: dict) -> dict[str, list]:
    """The chart's parallel lists (timestamps, OHLC, volume, adjclose), all of one length."""
    timestamps = result.get("timestamp") or []
    n = len(timestamps)
    indicators = result.get("indicators") or {}
    quote = (indicators.get("quote") or [{}])[0] or {}
    adj = ((indicators.get("adjclose") or [{}])[0] or {}).get("adjclose")
    lists = {"ts": timestamps, "adj_close": adj if adj is not None else [None] * n}
    for key in (*_OHLC, "volume"):
        lists[key] = quote.get(key) or [None] * n
    for key, values in lists.items():
        if not isinstance(values, list):
            raise ValueError(f"{symbol}: {key} is {type(values).__name__}, not a list")
        _check_length(symbol, "adjclose" if key == "adj_close" else key, values, n)
    return lists


_NUMBER_TYPES = {int, float, type(None)}


def _plain_numbers(bars: dict[str, list]) -> bool:
    """Every timestamp an int, every other value a number or null: the usual case, no bar
    needs a look of its own (the ranges are checked on the frame, see _out_of_range)."""
    # type() per value is a C-level pass, several times faster than reading bar by bar.
    if not set(map(type, bars["ts"])) <= {int}:
        return False
    return all(set(map(type, v)) <= _NUMBER_TYPES for k, v in bars.items() if k != "ts")


def _readable_bars(
    symbol: str, bars: dict[str, list], offset: int, malformed: list[Malformed]
) -> dict[str, list]:
    """The bars whose timestamp and prices are numbers; the others named in malformed.

    A null price is how Yahoo marks a session without trades: kept here, dropped later. A
    volume or adjclose that is no number is nulled, not the bar: verdicts read the close.
    """
    kept: dict[str, list] = {key: [] for key in bars}
    for i in range(len(bars["ts"])):
        row = {key: values[i] for key, values in bars.items()}
        try:
            row["ts"] = _timestamp(row["ts"])
            for key in _OHLC:
                row[key] = None if row[key] is None else as_number(row[key], key)
        except Unusable as exc:
            malformed.append(Malformed(symbol, _bar_name(i, bars, offset), str(exc)))
            continue
        for key in ("volume", "adj_close"):
            try:
                row[key] = None if row[key] is None else as_number(row[key], key)
            except Unusable as exc:
                where = f"{_bar_name(i, bars, offset)} {key}"
                malformed.append(Malformed(symbol, where, f"{exc}; the bar is kept without it"))
                row[key] = None
        for key, value in row.items():
            kept[key].append(value)
    return kept


def _timestamp(value: Any) -> int:
    number = as_number(value, "timestamp")
    if number != int(number):
        raise Unusable(f"timestamp {value!r} is not whole seconds")
    return int(number)


def _bar_name(i: int, bars: dict[str, list], offset: int) -> str:
    """'bar 3 (2024-02-16) close=…': the index in the chart's lists and, if readable, its day."""
    try:
        day = datetime.fromtimestamp(_timestamp(bars["ts"][i]) + offset, UTC).date()
    except (Unusable, OverflowError, OSError, ValueError):
        return f"bar {i} timestamp={bars['ts'][i]!r:.40}"
    return f"bar {i} ({day.isoformat()}) close={bars['close'][i]!r:.40}"


def _event(event: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise Unusable("not an object")
    values: dict[str, Any] = {"ts": _timestamp(event.get("date"))}
    for field in fields:
        values[field] = as_positive(event.get(field), field)
    return values


def _check_length(symbol: str, key: str, values: list, n: int) -> None:
    if len(values) != n:
        raise ValueError(f"{symbol}: {key} has {len(values)} values for {n} timestamps")


def _local_date(frame: pl.DataFrame) -> pl.Expr:
    """Exchange-local date of epoch ``ts``: by IANA zone, else by the fixed ``offset``."""
    expr = pl.from_epoch(pl.col("ts") + pl.col("offset"), time_unit="s").dt.date()
    for tz in frame.get_column("tz").drop_nulls().unique().sort().to_list():
        local = (
            pl.from_epoch(pl.col("ts"), time_unit="s")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(tz)
            .dt.date()
        )
        expr = pl.when(pl.col("tz") == tz).then(local).otherwise(expr)
    return expr


def _frame(columns: dict[str, list[Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    full = {**_BASE, **{k: v for k, v in schema.items() if k in columns and k not in _BASE}}
    if "volume" in full:
        # Volumes arrive as ints or as floats like 1.0 depending on the response; read as float.
        full["volume"] = pl.Float64()
    frame = pl.DataFrame(columns, schema=full)
    return frame.with_columns(date=_local_date(frame))


def _out_of_range(frame: pl.DataFrame, malformed: list[Malformed]) -> pl.DataFrame:
    """Set aside bars with a price at or below zero (or not finite); null a negative volume
    or a bad adjclose, naming each in malformed. Vectorised: most charts have none."""
    bad_price = pl.any_horizontal(
        (pl.col(k) <= 0) | pl.col(k).is_infinite() | pl.col(k).is_nan() for k in _OHLC
    ).fill_null(False)
    bad_adj = ((pl.col("adj_close") <= 0) | ~pl.col("adj_close").is_finite()).fill_null(False)
    bad_volume = ((pl.col("volume") < 0) | ~pl.col("volume").is_finite()).fill_null(False)
    flagged = frame.with_columns(_price=bad_price, _adj=bad_adj & ~bad_price,
                                 _volume=bad_volume & ~bad_price)  # fmt: skip
    problems = flagged.filter(pl.col("_price") | pl.col("_adj") | pl.col("_volume"))
    for row in problems.iter_rows(named=True):
        where = f"bar ({row['date']}) close={row['close']!r}"
        if row["_price"]:
            prices = ", ".join(f"{k} {row[k]!r}" for k in _OHLC if row[k] is not None)
            malformed.append(Malformed(row["symbol"], where, f"not all positive: {prices}"))
            continue
        for key, flag in (("adj_close", "_adj"), ("volume", "_volume")):
            if row[flag]:
                reason = f"{key} {row[key]!r} is out of range; the bar is kept without it"
                malformed.append(Malformed(row["symbol"], f"{where} {key}", reason))
    if problems.is_empty():
        return frame
    return (
        flagged.filter(~pl.col("_price"))
        .with_columns(
            adj_close=pl.when(pl.col("_adj")).then(None).otherwise(pl.col("adj_close")),
            volume=pl.when(pl.col("_volume")).then(None).otherwise(pl.col("volume")),
        )
        .drop("_price", "_adj", "_volume")
    )


def _prices(columns: dict[str, list[Any]], source: str, malformed: list[Malformed]) -> pl.DataFrame:
    frame = _out_of_range(_frame(columns, PRICES_SCHEMA), malformed)
    return (
        frame.drop_nulls(list(_OHLC))
        .with_columns(
            # Indexes report volume 0 or null; some responses omit adjclose entirely.
            pl.col("volume").fill_null(0).round().cast(pl.Int64),
            pl.coalesce("adj_close", "close").alias("adj_close"),
            source=pl.lit(source, pl.Utf8),
        )
        .sort("symbol", "date", "ts")
        # Yahoo can repeat the current day as a live bar; the later timestamp is the newer one.
        .unique(["symbol", "date"], keep="last", maintain_order=True)
        .select(list(PRICES_SCHEMA))
    )


def _splits(columns: dict[str, list[Any]], source: str) -> pl.DataFrame:
    return (
        _frame(columns, SPLITS_SCHEMA)
        .with_columns(
            ratio=pl.col("numerator") / pl.col("denominator"), source=pl.lit(source, pl.Utf8)
        )
        .sort("symbol", "date")
        .unique(["symbol", "date"], keep="last", maintain_order=True)
        .select(list(SPLITS_SCHEMA))
    )


def _dividends(columns: dict[str, list[Any]], source: str) -> pl.DataFrame:
    return (
        _frame(columns, DIVIDENDS_SCHEMA)
        .with_columns(source=pl.lit(source, pl.Utf8))
        .sort("symbol", "date")
        .unique(["symbol", "date"], keep="last", maintain_order=True)
        .select(list(DIVIDENDS_SCHEMA))
    )


def normalise_charts(
    payloads: Iterable[dict] | Mapping[str, dict],
    *,
    source: str = "yahoo",
    refuse_other: bool = False,
) -> ChartFrames:
    """Normalise many chart payloads at once; a Mapping's keys name the requested symbols.

    A key overrides ``meta.symbol`` (a local alias); with ``refuse_other`` a payload whose
    ``meta.symbol`` is not the key is refused instead (NotAsked): what the pipeline fetched
    is keyed by what it asked for, never by what the response says it is.
    """
    cols = _Columns()
    items = payloads.items() if isinstance(payloads, Mapping) else ((None, p) for p in payloads)
    currencies: set[str | None] = set()
    zones: set[str | None] = set()
    malformed: list[Malformed] = []
    for symbol, payload in items:
        currency, tz = _collect(payload, cols, symbol, malformed, refuse_other)
        currencies.add(currency)
        zones.add(tz)
    prices = _prices(cols.bars, source, malformed)
    # One currency/timezone is only meaningful when every payload agrees on it.
    return ChartFrames(
        prices=prices,
        splits=_splits(cols.events["splits"], source),
        dividends=_dividends(cols.events["dividends"], source),
        currency=currencies.pop() if len(currencies) == 1 else None,
        exchange_timezone=zones.pop() if len(zones) == 1 else None,
        malformed=tuple(malformed),
    )


def normalise_chart(
    payload: dict, *, source: str = "yahoo", symbol: str | None = None, refuse_other: bool = False
) -> ChartFrames:
    """Normalise one chart payload; ``symbol`` names it in errors and overrides meta.symbol
    (or, with ``refuse_other``, must be the symbol the payload names)."""
    payloads = {symbol: payload} if symbol else [payload]
    return normalise_charts(payloads, source=source, refuse_other=refuse_other)


def drop_unclosed_bars(prices: pl.DataFrame, cutoffs: Mapping[str, date]) -> pl.DataFrame:
    """Drop each symbol's bars dated on or after its cutoff (the day its body was fetched).

    That session may not have closed when the body was fetched; the next fetch brings its
    final values. Symbols without a cutoff keep every bar.
    """
    if not cutoffs:
        return prices
    limits = pl.DataFrame(
        {"symbol": list(cutoffs), "cutoff": list(cutoffs.values())},
        schema={"symbol": pl.Utf8, "cutoff": pl.Date},
    )
    return (
        prices.join(limits, on="symbol", how="left")
        .filter(pl.col("cutoff").is_null() | (pl.col("date") < pl.col("cutoff")))
        .drop("cutoff")
    )
