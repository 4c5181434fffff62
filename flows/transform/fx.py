"""Frankfurter (ECB reference rate) payloads → fx_rates frames, and as-of rate look-ups."""

from __future__ import annotations

from datetime import date

import polars as pl

FX_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "base": pl.Utf8(),
    "quote": pl.Utf8(),
    "rate": pl.Float64(),
    "source": pl.Utf8(),
}
_PIVOT = "USD"


def normalise_frankfurter(payload: dict, *, source: str = "ecb") -> pl.DataFrame:
    """Turn a Frankfurter range or single-day answer into fx_rates rows (quote per 1 base)."""
    base = payload["base"]
    # Frankfurter scales rates by the requested amount; fx_rates holds rates per one unit.
    amount = float(payload.get("amount") or 1.0)
    rates = payload.get("rates") or {}
    if "date" in payload and not any(isinstance(v, dict) for v in rates.values()):
        by_day = {payload["date"]: rates}
    else:
        by_day = rates
    days, quotes, values = [], [], []
    for day, row in by_day.items():
        for quote, value in row.items():
            days.append(day)
            quotes.append(quote)
            values.append(value)
    return (
        pl.DataFrame(
            {"date": days, "quote": quotes, "rate": values},
            schema={"date": pl.Utf8(), "quote": pl.Utf8(), "rate": pl.Float64()},
        )
        .with_columns(
            pl.col("date").str.to_date("%Y-%m-%d"),
            base=pl.lit(base, pl.Utf8),
            rate=pl.col("rate") / amount,
            source=pl.lit(source, pl.Utf8),
        )
        .select(list(FX_SCHEMA))
        .sort("date", "quote")
    )


def _latest(fx: pl.DataFrame, base: str, quote: str, day: date) -> tuple[float, date] | None:
    """Stored base→quote rate on or before ``day``, read directly or inverted."""
    found = []
    for b, q, invert in ((base, quote, False), (quote, base, True)):
        rows = fx.filter(
            (pl.col("base") == b) & (pl.col("quote") == q) & (pl.col("date") <= day)
        ).sort("date")
        if rows.height:
            rate, on = rows.row(-1, named=True)["rate"], rows.row(-1, named=True)["date"]
            found.append((1.0 / rate if invert else rate, on))
    # The fresher quote wins; on a tie the directly stored one (listed first) is kept.
    return max(found, key=lambda r: r[1]) if found else None


def rate_asof(fx: pl.DataFrame, base: str, quote: str, day: date) -> tuple[float, date] | None:
    """Units of ``quote`` per ``base`` on or before ``day`` and the date of that rate."""
    if base == quote:
        return 1.0, day
    direct = _latest(fx, base, quote, day)
    if direct is not None or _PIVOT in (base, quote):
        return direct
    to_pivot = _latest(fx, base, _PIVOT, day)
    from_pivot = _latest(fx, _PIVOT, quote, day)
    if to_pivot is None or from_pivot is None:
        return None
    # A cross is only as fresh as its staler leg.
    return to_pivot[0] * from_pivot[0], min(to_pivot[1], from_pivot[1])


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
