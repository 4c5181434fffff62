"""Extracted articles and claims → the articles, claims and events frames the warehouse holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl

from newsdesk.extract.claims import Claim
from newsdesk.tables import ARTICLES_SCHEMA, CLAIMS_SCHEMA

# The claim types judged against the market: each needs prices of its subjects on its date.
JUDGED_TYPES = ("price_move", "market_cap_change", "valuation", "valuation_change")


def articles_frame(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Article rows (extracted fields plus landing facts) as the articles table."""
    return pl.DataFrame(
        [{k: r.get(k) for k in ARTICLES_SCHEMA} for r in rows], schema=ARTICLES_SCHEMA
    )


def claims_frame(claims: Sequence[Claim]) -> pl.DataFrame:
    """Extracted claims as the claims table, not yet judged."""
    rows = [{k: getattr(c, k) for k in CLAIMS_SCHEMA} for c in claims]
    return pl.DataFrame(rows, schema=CLAIMS_SCHEMA)


def events_from_claims(claims: pl.DataFrame) -> pl.DataFrame:
    """One event per reported move, market-cap change or valuation."""
    reported = claims.filter(pl.col("claim_type").is_in(JUDGED_TYPES))
    return reported.select(
        pl.col("claim_id").alias("event_id"),
        pl.col("reference_date").alias("event_date"),
        pl.col("subjects").list.join(",").alias("entity"),
        pl.col("claim_type").alias("event_type"),
        pl.col("sentence").str.slice(0, 200).alias("title"),
        pl.col("article_id"),
    )


def mentioned(claims: pl.DataFrame) -> tuple[list[str], list[date]]:
    """The ticker symbols and reference dates the judged claims speak of."""
    needs_market = claims.filter(pl.col("claim_type").is_in(JUDGED_TYPES))
    if needs_market.is_empty():
        return [], []
    symbols = needs_market["subjects"].explode().drop_nulls().unique().sort().to_list()
    days = needs_market["reference_date"].drop_nulls().unique().sort().to_list()
    return symbols, days
