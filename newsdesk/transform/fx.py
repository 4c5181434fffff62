"""Frankfurter (ECB reference rate) payloads → fx_rates frames, and as-of USD rates per row."""

from __future__ import annotations

import re

import polars as pl

from newsdesk.tables import FX_SCHEMA
from newsdesk.transform.records import (
    Malformed,
    NotAsked,
    Screened,
    Unusable,
    as_iso_date,
    as_positive,
)

_PIVOT = "USD"
_CODE = re.compile(r"^[A-Z]{3}$")


def screen_frankfurter(payload: dict, *, source: str = "ecb", base: str | None = None) -> Screened:
    """fx_rates rows (quote per 1 base) from a range or single-day answer; name rates set aside.

    A day keyed by something that is not a date loses its rates; a rate that is not a
    positive number, or a quote that is not an ISO 4217 code, loses only itself. ``base`` is
    the base requested: an answer quoted against another is refused (NotAsked).
    """
    named = payload["base"]
    if base is not None and named != base:
        raise NotAsked(f"asked for rates against {base}, the response is against {named!r:.20}")
    base = named
    # Frankfurter scales rates by the requested amount; fx_rates holds rates per one unit.
    amount = float(payload.get("amount") or 1.0)
    rates = payload.get("rates") or {}
    if not isinstance(rates, dict):
        raise ValueError(f"Frankfurter: rates is {type(rates).__name__}, not an object")
    if "date" in payload and not any(isinstance(v, dict) for v in rates.values()):
        by_day = {payload["date"]: rates}
    else:
        by_day = rates
    first = payload.get("start_date") or payload.get("date") or "?"
    key = f"{first}_{payload.get('end_date') or first}"  # as the landing key names a range
    days, quotes, values, malformed = [], [], [], []
    for day, row in by_day.items():
        try:
            when = as_iso_date(day, "date key")
            if not isinstance(row, dict):
                raise Unusable(f"the day's rates are {type(row).__name__}, not an object")
        except Unusable as exc:
            malformed.append(Malformed(key, f"rates[{day!r}]", str(exc)))
            continue
        for quote, value in row.items():
            try:
                if not _CODE.match(str(quote)):
                    raise Unusable(f"quote {quote!r} is not an ISO 4217 code")
                rate = as_positive(value, "rate")
            except Unusable as exc:
                malformed.append(Malformed(key, f"rates[{day!r}][{quote!r}]", str(exc)))
                continue
            days.append(when)
            quotes.append(quote)
            values.append(rate)
    frame = (
        pl.DataFrame(
            {"date": days, "quote": quotes, "rate": values},
            schema={"date": pl.Date(), "quote": pl.Utf8(), "rate": pl.Float64()},
        )
        .with_columns(
            base=pl.lit(base, pl.Utf8),
            rate=pl.col("rate") / amount,
            source=pl.lit(source, pl.Utf8),
        )
        .select(list(FX_SCHEMA))
        .sort("date", "quote")
    )
    return Screened(frame, tuple(malformed))


def normalise_frankfurter(payload: dict, *, source: str = "ecb") -> pl.DataFrame:
    """Turn a Frankfurter range or single-day answer into fx_rates rows (quote per 1 base).

    Rates that cannot be read are left out; screen_frankfurter names them.
    """
    return screen_frankfurter(payload, source=source).frame


def _usd_table(fx: pl.DataFrame) -> pl.DataFrame:
    """(date, currency, usd_rate): units of currency per USD, direct rows preferred."""
    direct = fx.filter(pl.col("base") == _PIVOT).select(
        "date", currency=pl.col("quote"), usd_rate=pl.col("rate"), pref=pl.lit(0)
    )
    inverse = fx.filter(pl.col("quote") == _PIVOT).select(
        "date", currency=pl.col("base"), usd_rate=1.0 / pl.col("rate"), pref=pl.lit(1)
    )
    return (
        pl.concat([direct, inverse])
        .sort("currency", "date", "pref")
        .unique(["currency", "date"], keep="first", maintain_order=True)
        .select("currency", "date", "usd_rate", rate_date=pl.col("date"))
        .sort("date")
    )


def usd_rates_asof(fx: pl.DataFrame, days: pl.DataFrame) -> pl.DataFrame:
    """Add usd_rate (currency per USD, latest on or before date) and its rate_date to days."""
    indexed = days.with_row_index("_row")
    # Both sides are sorted by date here; polars cannot verify that per group, so say so.
    joined = indexed.sort("date").join_asof(
        _usd_table(fx), on="date", by="currency", strategy="backward", check_sortedness=False
    )
    is_usd = pl.col("currency") == _PIVOT
    return (
        joined.with_columns(
            usd_rate=pl.when(is_usd).then(1.0).otherwise(pl.col("usd_rate")),
            rate_date=pl.when(is_usd).then(pl.col("date")).otherwise(pl.col("rate_date")),
        )
        .sort("_row")
        .drop("_row")
    )
