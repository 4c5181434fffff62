"""SEC companyfacts payloads → shares_outstanding frames (one row per filing and date)."""

from __future__ import annotations

import polars as pl

from newsdesk.tables import SHARES_SCHEMA

_FACT = ("dei", "EntityCommonStockSharesOutstanding")


def _entries(payload: dict) -> list[dict]:
    node = payload.get("facts") or {}
    for key in _FACT:
        node = node.get(key) or {}
    return (node.get("units") or {}).get("shares") or []


def normalise_companyfacts(payload: dict, *, source: str = "sec") -> pl.DataFrame:
    """Sum the cover-page share count per (accession, as_of) across share classes."""
    cik = str(int(payload["cik"])).zfill(10)
    entries = _entries(payload)
    raw = pl.DataFrame(
        {
            "as_of": [e.get("end") for e in entries],
            "filed": [e.get("filed") for e in entries],
            "form": [e.get("form") for e in entries],
            "accession": [e.get("accn") for e in entries],
            "shares": [e.get("val") for e in entries],
        },
        schema={
            "as_of": pl.Utf8(),
            "filed": pl.Utf8(),
            "form": pl.Utf8(),
            "accession": pl.Utf8(),
            "shares": pl.Float64(),
        },
    )
    # companyfacts drops the XBRL class dimension, so within one (accn, end) a class is told
    # apart only by its value: entries with the same val are the same fact listed again
    # (with or without a `frame`, under another fy/fp) and count once. Two classes with exactly
    # equal counts would merge; the payload carries nothing that could separate them.
    return (
        raw.drop_nulls(["as_of", "accession", "shares"])
        .unique(["accession", "as_of", "shares"], keep="first", maintain_order=True)
        .group_by(["accession", "as_of"], maintain_order=True)
        .agg(
            pl.col("filed").drop_nulls().min(),
            pl.col("form").drop_nulls().first(),
            pl.col("shares").sum(),
            pl.len().cast(pl.Int32).alias("classes"),
        )
        .with_columns(
            pl.col("as_of").str.to_date("%Y-%m-%d"),
            pl.col("filed").str.to_date("%Y-%m-%d"),
            cik=pl.lit(cik, pl.Utf8),
            source=pl.lit(source, pl.Utf8),
        )
        .select(list(SHARES_SCHEMA))
        .sort("as_of", "filed", "accession", nulls_last=True)
    )
