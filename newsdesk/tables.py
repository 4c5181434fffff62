"""The polars shape of every warehouse table Python writes or builds frames of.

One home for these schemas: the transforms, the news and verify code and the tests build
their frames from them, and `tests/test_tables.py` holds each one to the table the
migrations in `sql/schema/` create (written apart from this file, so the two check each other).
"""

from __future__ import annotations

import polars as pl

Schema = dict[str, pl.DataType]

TICKERS_SCHEMA: Schema = {
    "symbol": pl.Utf8(),
    "name": pl.Utf8(),
    "exchange": pl.Utf8(),
    "currency": pl.Utf8(),
    "cik": pl.Utf8(),
    "aliases": pl.List(pl.Utf8()),
    "kind": pl.Utf8(),
    "issuer": pl.Utf8(),
    "benchmark": pl.Utf8(),  # migration 009
}
PRICES_SCHEMA: Schema = {
    "symbol": pl.Utf8(),
    "date": pl.Date(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "adj_close": pl.Float64(),
    "volume": pl.Int64(),
    "source": pl.Utf8(),
}
SPLITS_SCHEMA: Schema = {
    "symbol": pl.Utf8(),
    "date": pl.Date(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "ratio": pl.Float64(),
    "source": pl.Utf8(),
}
DIVIDENDS_SCHEMA: Schema = {
    "symbol": pl.Utf8(),
    "date": pl.Date(),
    "amount": pl.Float64(),
    "source": pl.Utf8(),
}
FX_SCHEMA: Schema = {
    "date": pl.Date(),
    "base": pl.Utf8(),
    "quote": pl.Utf8(),
    "rate": pl.Float64(),
    "source": pl.Utf8(),
}
SHARES_SCHEMA: Schema = {
    "cik": pl.Utf8(),
    "as_of": pl.Date(),
    "filed": pl.Date(),
    "form": pl.Utf8(),
    "accession": pl.Utf8(),
    "shares": pl.Float64(),
    "classes": pl.Int32(),
    "source": pl.Utf8(),
}
VALUATIONS_SCHEMA: Schema = {
    "entity": pl.Utf8(),
    "as_of": pl.Date(),
    "kind": pl.Utf8(),
    "value": pl.Float64(),
    "currency": pl.Utf8(),
    "value_usd": pl.Float64(),
    "source": pl.Utf8(),
    "shares": pl.Float64(),
    "shares_as_of": pl.Date(),
    "rate_date": pl.Date(),
}
ARTICLES_SCHEMA: Schema = {
    "article_id": pl.Utf8(),
    "url": pl.Utf8(),
    "title": pl.Utf8(),
    "published_at": pl.Datetime("us"),
    "lang": pl.Utf8(),
    "fetched_at": pl.Datetime("us"),
    "content_sha256": pl.Utf8(),
    "text": pl.Utf8(),
    "canonical_url": pl.Utf8(),
    "raw_path": pl.Utf8(),
}
CLAIMS_SCHEMA: Schema = {
    "claim_id": pl.Utf8(),
    "article_id": pl.Utf8(),
    "sentence": pl.Utf8(),
    "claim_type": pl.Utf8(),
    "subjects": pl.List(pl.Utf8()),
    "value": pl.Float64(),
    "unit": pl.Utf8(),
    "currency": pl.Utf8(),
    "counter_value": pl.Float64(),
    "counter_currency": pl.Utf8(),
    "qualifier": pl.Utf8(),
    "reference_date": pl.Date(),
    "verdict": pl.Utf8(),
    "observed": pl.Float64(),
    "explanation": pl.Utf8(),
    "range_end": pl.Float64(),
    "from_value": pl.Float64(),
    "to_value": pl.Float64(),
    "intraday": pl.Boolean(),
    "date_note": pl.Utf8(),
    "span": pl.Utf8(),
    "precision": pl.Float64(),
}
EVENTS_SCHEMA: Schema = {
    "event_id": pl.Utf8(),
    "event_date": pl.Date(),
    "entity": pl.Utf8(),
    "event_type": pl.Utf8(),
    "title": pl.Utf8(),
    "article_id": pl.Utf8(),
}
LOADED_BODIES_SCHEMA: Schema = {
    "source": pl.Utf8(),
    "sha256": pl.Utf8(),
    "transform": pl.Utf8(),
    "loaded_at": pl.Datetime("us"),
}
# `stats` is DuckDB JSON, written as text.
RUNS_SCHEMA: Schema = {
    "run_id": pl.Utf8(),
    "flow": pl.Utf8(),
    "run_date": pl.Date(),
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "status": pl.Utf8(),
    "stats": pl.Utf8(),
}
# `details` holds JSON text.
DQ_RESULTS_SCHEMA: Schema = {
    "run_id": pl.Utf8(),
    "checked_at": pl.Datetime("us"),
    "suite": pl.Utf8(),
    "expectation": pl.Utf8(),
    "success": pl.Boolean(),
    "details": pl.Utf8(),
}
# Responses and records set aside (sql/schema/008_quarantine.sql).
QUARANTINE_SCHEMA: Schema = {
    "source": pl.Utf8(),
    "key": pl.Utf8(),
    "record": pl.Utf8(),
    "raw_path": pl.Utf8(),
    "reason": pl.Utf8(),
    "run_id": pl.Utf8(),
    "quarantined_at": pl.Datetime("us"),
}

TABLES: dict[str, Schema] = {
    "tickers": TICKERS_SCHEMA,
    "prices": PRICES_SCHEMA,
    "splits": SPLITS_SCHEMA,
    "dividends": DIVIDENDS_SCHEMA,
    "fx_rates": FX_SCHEMA,
    "shares_outstanding": SHARES_SCHEMA,
    "valuations": VALUATIONS_SCHEMA,
    "articles": ARTICLES_SCHEMA,
    "claims": CLAIMS_SCHEMA,
    "events": EVENTS_SCHEMA,
    "loaded_bodies": LOADED_BODIES_SCHEMA,
    "runs": RUNS_SCHEMA,
    "dq_results": DQ_RESULTS_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
}


def empty(table: str) -> pl.DataFrame:
    """An empty frame shaped like the warehouse table."""
    return pl.DataFrame(schema=TABLES[table])
