"""Yahoo chart v8 payloads → prices, splits and dividends frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from newsdesk.tables import DIVIDENDS_SCHEMA, PRICES_SCHEMA, SPLITS_SCHEMA

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


def _collect(payload: dict, cols: _Columns, symbol: str | None) -> tuple[str | None, str | None]:
    """Append one payload's bars and events to ``cols``; return (currency, timezone)."""
    result = _result(payload, symbol)
    if result is None:
        return None, None
    meta = result.get("meta") or {}
    sym = symbol or meta.get("symbol")
    if not sym:
        raise ValueError("chart payload has no meta.symbol and no symbol was given")
    granularity = meta.get("dataGranularity")
    if granularity not in (None, "1d"):
        # prices is a table of daily bars: intraday bars would collide on (symbol, date).
        raise ValueError(f"{sym}: only 1d charts are supported, got interval {granularity!r}")
    tz = meta.get("exchangeTimezoneName")
    offset = int(meta.get("gmtoffset") or 0)

    timestamps = result.get("timestamp") or []
    n = len(timestamps)
    if n:
        indicators = result.get("indicators") or {}
        quote = (indicators.get("quote") or [{}])[0]
        adj = (indicators.get("adjclose") or [{}])[0].get("adjclose")
        b = cols.bars
        b["symbol"].extend([sym] * n)
        b["ts"].extend(timestamps)
        b["tz"].extend([tz] * n)
        b["offset"].extend([offset] * n)
        for key in _OHLC:
            values = quote.get(key) or [None] * n
            _check_length(sym, key, values, n)
            b[key].extend(values)
        volume = quote.get("volume") or [None] * n
        _check_length(sym, "volume", volume, n)
        b["volume"].extend(volume)
        adj = adj if adj is not None else [None] * n
        _check_length(sym, "adjclose", adj, n)
        b["adj_close"].extend(adj)

    events = result.get("events") or {}
    for kind, fields in _EVENT_FIELDS.items():
        columns = cols.events[kind]
        for event in (events.get(kind) or {}).values():
            row = {"symbol": sym, "ts": event["date"], "tz": tz, "offset": offset}
            for key, value in (row | {f: event[f] for f in fields}).items():
                columns[key].append(value)
    return meta.get("currency"), tz


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


def _prices(columns: dict[str, list[Any]], source: str) -> pl.DataFrame:
    frame = _frame(columns, PRICES_SCHEMA)
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
    payloads: Iterable[dict] | Mapping[str, dict], *, source: str = "yahoo"
) -> ChartFrames:
    """Normalise many chart payloads at once; a Mapping's keys name the requested symbols."""
    cols = _Columns()
    items = payloads.items() if isinstance(payloads, Mapping) else ((None, p) for p in payloads)
    currencies: set[str | None] = set()
    zones: set[str | None] = set()
    for symbol, payload in items:
        currency, tz = _collect(payload, cols, symbol)
        currencies.add(currency)
        zones.add(tz)
    # One currency/timezone is only meaningful when every payload agrees on it.
    return ChartFrames(
        prices=_prices(cols.bars, source),
        splits=_splits(cols.events["splits"], source),
        dividends=_dividends(cols.events["dividends"], source),
        currency=currencies.pop() if len(currencies) == 1 else None,
        exchange_timezone=zones.pop() if len(zones) == 1 else None,
    )


def normalise_chart(
    payload: dict, *, source: str = "yahoo", symbol: str | None = None
) -> ChartFrames:
    """Normalise one chart payload; ``symbol`` names it in errors and overrides meta.symbol."""
    return normalise_charts({symbol: payload} if symbol else [payload], source=source)


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
