"""Frames for the data-quality tests: a small, correct load of every table, and row edits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import polars as pl

SUITES_DIR = Path(__file__).resolve().parents[1] / "expectations"
RUN_DATE = date(2024, 2, 16)  # a Friday: the day after Sora was shown
TODAY = date(2024, 2, 19)  # "no future dates" is judged against this, pinned for the tests
TABLES = (
    "prices",
    "fx_rates",
    "valuations",
    "tickers",
    "articles",
    "claims",
    "events",
    "shares_outstanding",
    "splits",
)


def clean_frames() -> dict[str, pl.DataFrame]:
    """A small, correct load of every table."""
    d15, d16 = date(2024, 2, 15), date(2024, 2, 16)
    prices = pl.DataFrame(
        {
            "symbol": ["ADBE", "ADBE", "GOOGL", "GOOGL"],
            "date": [d15, d16, d15, d16],
            "open": [600.0, 560.0, 143.0, 141.0],
            "high": [610.0, 565.0, 144.0, 142.0],
            "low": [590.0, 540.0, 140.0, 139.0],
            "close": [605.0, 545.0, 142.0, 140.0],
            "adj_close": [605.0, 545.0, 141.5, 139.6],
            "volume": [3_000_000, 9_000_000, 20_000_000, 0],
            "source": ["yahoo"] * 4,
        },
        schema_overrides={"volume": pl.Int64},
    )
    fx_rates = pl.DataFrame(
        {
            "date": [d16] * 4,
            "base": ["USD"] * 4,
            "quote": ["CNY", "EUR", "HKD", "JPY"],
            "rate": [7.1983, 0.9287, 7.8212, 150.02],
            "source": ["ecb"] * 4,
        }
    )
    valuations = pl.DataFrame(
        {
            "entity": ["ADBE", "OpenAI"],
            "as_of": [d16, d16],
            "kind": ["market_cap", "reported"],
            "value": [244e9, 80e9],
            "currency": ["USD", "USD"],
            "value_usd": [244e9, 80e9],
            "source": ["yahoo+sec", "https://example.com/a"],
            "shares": [448e6, None],
            "shares_as_of": [date(2024, 1, 12), None],
            "rate_date": [None, None],
        },
        schema_overrides={"shares_as_of": pl.Date, "rate_date": pl.Date},
    )
    tickers = pl.DataFrame(
        {
            "symbol": ["ADBE", "GOOGL"],
            "name": ["Adobe Inc.", "Alphabet Inc."],
            "exchange": ["NASDAQ", "NASDAQ"],
            "currency": ["USD", "USD"],
            "cik": ["0000796343", "0001652044"],
            "aliases": [["Adobe", "奥多比"], ["Alphabet", "谷歌母公司"]],
            "kind": ["equity", "equity"],
            "issuer": ["Adobe", "Alphabet"],
        }
    )
    articles = pl.DataFrame(
        {
            "article_id": ["a1"],
            "url": ["https://news.example.com/sora"],
            "title": ["Sora"],
            "published_at": [datetime(2024, 2, 17, 8, 0)],
            "lang": ["zh"],
            "fetched_at": [datetime(2024, 2, 18, 6, 0)],
            "content_sha256": ["ab" * 32],
            "text": ["..."],
            "canonical_url": ["https://news.example.com/sora"],
            "raw_path": ["news/news.example.com/x.body"],
        }
    )
    claims = pl.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3"],
            "article_id": ["a1", "a1", "a1"],
            "sentence": ["Adobe fell over 7%", "together losing nearly 48 B USD", "100 people"],
            "claim_type": ["price_move", "market_cap_change", "other"],
            "subjects": [["ADBE"], ["ADBE", "GOOGL"], []],
            "value": [-7.0, -48e9, 100.0],
            "unit": ["percent", "currency", "count"],
            "currency": [None, "USD", None],
            "counter_value": [None, None, None],
            "counter_currency": [None, None, None],
            "qualifier": ["over", "nearly", "exact"],
            "reference_date": [d16, d16, None],
            "verdict": ["supported", "contradicted", None],
            "observed": [-7.4, -30e9, None],
            "explanation": ["ADBE closed -7.4%", "lost 30 B USD", None],
        },
        schema_overrides={"counter_value": pl.Float64, "counter_currency": pl.String},
    )
    events = pl.DataFrame(
        {
            "event_id": ["sora"],
            "event_date": [d15],
            "entity": ["OpenAI"],
            "event_type": ["product_launch"],
            "title": ["OpenAI shows Sora"],
            "article_id": [None],
        },
        schema_overrides={"article_id": pl.String},
    )
    shares = pl.DataFrame(
        {
            "cik": ["0000796343"],
            "as_of": [date(2024, 1, 12)],
            "filed": [date(2024, 1, 17)],
            "form": ["10-K"],
            "accession": ["0000796343-24-000010"],
            "shares": [448e6],
            "classes": [1],
            "source": ["sec"],
        }
    )
    splits = pl.DataFrame(
        {
            "symbol": ["GOOGL"],
            "date": [date(2022, 7, 18)],
            "numerator": [20.0],
            "denominator": [1.0],
            "ratio": [20.0],
            "source": ["yahoo"],
        }
    )
    return {
        "prices": prices,
        "fx_rates": fx_rates,
        "valuations": valuations,
        "tickers": tickers,
        "articles": articles,
        "claims": claims,
        "events": events,
        "shares_outstanding": shares,
        "splits": splits,
    }


def set_row(key: dict, **values: object) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A mutation setting columns on the row matching key."""

    def mutate(df: pl.DataFrame) -> pl.DataFrame:
        hit = pl.all_horizontal([pl.col(k) == v for k, v in key.items()])
        return df.with_columns(
            [pl.when(hit).then(pl.lit(v)).otherwise(pl.col(c)).alias(c) for c, v in values.items()]
        )

    return mutate


ADBE_16 = {"symbol": "ADBE", "date": date(2024, 2, 16)}
