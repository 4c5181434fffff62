"""SEC companyfacts payloads → shares_outstanding frames (one row per filing and date).

A fact that cannot be used is set aside and named (see records.py); one that lacks only
its filing details is kept: a share count needs its ``end`` (the as-of date) and its
``val``. Without ``filed`` the filing date is unknown (NULL) and the count is taken as known
from its ``end``; without ``accn`` the facts of one filing are told apart by form and filing
date instead, under a stand-in accession ``no-accession/<form>/<filed>``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from newsdesk.tables import SHARES_SCHEMA
from newsdesk.transform.records import (
    Malformed,
    NotAsked,
    Screened,
    Unusable,
    as_iso_date,
    as_positive,
    describe,
)

_FACT = ("dei", "EntityCommonStockSharesOutstanding")
_SHOWN = ("form", "accn", "end", "filed", "val")
_RAW_SCHEMA = {
    "as_of": pl.Date(),
    "filed": pl.Date(),
    "form": pl.Utf8(),
    "accession": pl.Utf8(),
    "shares": pl.Float64(),
}


def _entries(payload: dict) -> list:
    node: Any = payload.get("facts") or {}
    for key in (*_FACT, "units"):
        if not isinstance(node, dict):
            raise ValueError(f"companyfacts: facts.{'.'.join(_FACT)} is not an object")
        node = node.get(key) or {}
    entries = (node.get("shares") or []) if isinstance(node, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"companyfacts: {'.'.join(_FACT)}.units.shares is not a list")
    return entries


def _optional_date(value: Any) -> date | None:
    try:
        return as_iso_date(value, "filed")
    except Unusable:
        return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _share_row(entry: Any) -> dict[str, Any]:
    """One fact as a row, or Unusable when it has no usable end date or count."""
    if not isinstance(entry, dict):
        raise Unusable("not an object")
    as_of = as_iso_date(entry.get("end"), "end")
    shares = as_positive(entry.get("val"), "val")
    filed = _optional_date(entry.get("filed"))
    form = _text(entry.get("form"))
    accession = _text(entry.get("accn"))
    if accession is None:
        # SEC always sends accn; data sets rebuilt from filings sometimes lack it. The form
        # and filing date still keep the classes of one filing together and apart from others.
        accession = f"no-accession/{form or '?'}/{filed.isoformat() if filed else '?'}"
    return {"as_of": as_of, "filed": filed, "form": form, "accession": accession, "shares": shares}


def screen_companyfacts(payload: dict, *, source: str = "sec", cik: str | None = None) -> Screened:
    """Sum the cover-page share count per (accession, as_of); name the facts set aside.

    ``cik`` is the issuer requested: the rows are keyed by it, and a payload naming another
    is refused (NotAsked) rather than written under someone else's CIK.
    """
    named = str(int(payload["cik"])).zfill(10)
    if cik is not None and named != str(int(cik)).zfill(10):
        raise NotAsked(f"asked for CIK{str(int(cik)).zfill(10)}, the response is for CIK{named}")
    cik = named
    rows: list[dict[str, Any]] = []
    malformed: list[Malformed] = []
    for i, entry in enumerate(_entries(payload)):
        try:
            rows.append(_share_row(entry))
        except Unusable as exc:
            where = describe(f"units.shares[{i}]", entry, _SHOWN)
            malformed.append(Malformed(f"CIK{cik}", where, str(exc)))
    raw = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
    # companyfacts drops the XBRL class dimension, so within one (accn, end) a class is told
    # apart only by its value: entries with the same val are the same fact listed again
    # (with or without a `frame`, under another fy/fp) and count once. Two classes with exactly
    # equal counts would merge; the payload carries nothing that could separate them.
    frame = (
        raw.unique(["accession", "as_of", "shares"], keep="first", maintain_order=True)
        .group_by(["accession", "as_of"], maintain_order=True)
        .agg(
            pl.col("filed").drop_nulls().min(),
            pl.col("form").drop_nulls().first(),
            pl.col("shares").sum(),
            pl.len().cast(pl.Int32).alias("classes"),
        )
        .with_columns(cik=pl.lit(cik, pl.Utf8), source=pl.lit(source, pl.Utf8))
        .select(list(SHARES_SCHEMA))
        .sort("as_of", "filed", "accession", nulls_last=True)
    )
    return Screened(frame, tuple(malformed))


def normalise_companyfacts(payload: dict, *, source: str = "sec") -> pl.DataFrame:
    """Sum the cover-page share count per (accession, as_of) across share classes.

    Facts without a usable end date or count are left out; screen_companyfacts names them.
    """
    return screen_companyfacts(payload, source=source).frame
