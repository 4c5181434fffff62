"""Closes × split-restated share counts → market-cap valuations, in local currency and USD."""

from __future__ import annotations

import polars as pl

from newsdesk.tables import VALUATIONS_SCHEMA
from newsdesk.transform.fx import usd_rates_asof

SOURCE = "yahoo*sec"


def _cik(column: str = "cik") -> pl.Expr:
    # Seeds and payloads disagree on zero padding; compare CIKs as 10 digits.
    return pl.col(column).cast(pl.Utf8).str.zfill(10)


def _issuer_splits(splits: pl.DataFrame, tickers: pl.DataFrame) -> pl.DataFrame:
    """Splits per cik, once per date even when several listed classes report the same split."""
    listed = tickers.filter(pl.col("cik").is_not_null()).select("symbol", cik=_cik())
    return (
        splits.join(listed, on="symbol", how="inner")
        .sort("cik", "date", "symbol")
        .unique(["cik", "date"], keep="first", maintain_order=True)
        .select("cik", "date", "ratio")
    )


def restate_shares(
    shares: pl.DataFrame, splits: pl.DataFrame, tickers: pl.DataFrame
) -> pl.DataFrame:
    """Scale each count by every split after its as_of, to match Yahoo's split-adjusted closes."""
    counts = shares.with_columns(cik=_cik()).with_row_index("_row")
    by_issuer = _issuer_splits(splits, tickers)
    factors = (
        counts.select("_row", "cik", "as_of")
        .join(by_issuer, on="cik", how="inner")
        .filter(pl.col("date") > pl.col("as_of"))
        .group_by("_row")
        .agg(split_factor=pl.col("ratio").product())
    )
    return (
        counts.join(factors, on="_row", how="left")
        .with_columns(pl.col("split_factor").fill_null(1.0))
        .with_columns(
            shares_reported=pl.col("shares"), shares=pl.col("shares") * pl.col("split_factor")
        )
        .sort("_row")
        .select(*shares.columns, "shares_reported", "split_factor")
    )


def _counts_in_force(restated: pl.DataFrame) -> pl.DataFrame:
    """One count per (cik, known_from): the date a count became public, latest as_of winning."""
    return (
        restated.with_columns(known_from=pl.coalesce("filed", "as_of"))
        .sort("cik", "known_from", "as_of", "accession")
        .unique(["cik", "known_from"], keep="last", maintain_order=True)
        .select("cik", "known_from", shares_used=pl.col("shares"), shares_as_of=pl.col("as_of"))
        .sort("known_from")
    )


def market_caps(
    prices: pl.DataFrame,
    shares: pl.DataFrame,
    splits: pl.DataFrame,
    tickers: pl.DataFrame,
    fx: pl.DataFrame,
) -> pl.DataFrame:
    """Market cap per listed symbol and day: close × the issuer's total shares filed by then."""
    counts = _counts_in_force(restate_shares(shares, splits, tickers))
    earliest = (
        counts.sort("known_from")
        .group_by("cik", maintain_order=True)
        .first()
        .select("cik", first_shares="shares_used", first_as_of="shares_as_of")
    )
    listed = tickers.filter(pl.col("cik").is_not_null()).select("symbol", "currency", cik=_cik())
    bars = (
        prices.select("symbol", "date", "close")
        .join(listed, on="symbol", how="inner")
        .sort("date")
        .join_asof(
            counts,
            left_on="date",
            right_on="known_from",
            by="cik",
            strategy="backward",
            check_sortedness=False,
        )
        # Before the first filing we know of, the earliest count is the best estimate there is.
        .join(earliest, on="cik", how="left")
        .with_columns(
            shares=pl.coalesce("shares_used", "first_shares"),
            shares_as_of=pl.coalesce("shares_as_of", "first_as_of"),
        )
        .filter(pl.col("shares").is_not_null())
    )
    with_fx = usd_rates_asof(fx, bars)
    return (
        with_fx.with_columns(
            value=pl.col("close") * pl.col("shares"),
        )
        .select(
            entity=pl.col("symbol"),
            as_of=pl.col("date"),
            kind=pl.lit("market_cap", pl.Utf8),
            value=pl.col("value"),
            currency=pl.col("currency"),
            value_usd=pl.col("value") / pl.col("usd_rate"),
            source=pl.lit(SOURCE, pl.Utf8),
            shares=pl.col("shares"),
            shares_as_of=pl.col("shares_as_of"),
            rate_date=pl.col("rate_date"),
        )
        .cast(VALUATIONS_SCHEMA)
        .sort("entity", "as_of")
    )
