"""Test data shared by more than one test module, so that test modules never import each other.

Provider-format payloads, the claims report's claims, the verdict tests' market facts, the
seed article as a page, and a workspace over the demo snapshot. The payload builders (Yahoo
chart, Frankfurter, SEC companyfacts from the CSVs in ``../shared/data``) live in
``scripts/payloads.py``, which the snapshot script and the market bench use too.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from newsdesk.tables import CLAIMS_SCHEMA, TABLES
from newsdesk.verify import MarketFacts

# Re-exported (the `x as x` form), so that tests import every builder from this module.
from scripts.payloads import SHARED_DATA as SHARED_DATA
from scripts.payloads import bars_from_yahoo_csv as bars_from_yahoo_csv
from scripts.payloads import chart_payload as chart_payload
from scripts.payloads import companyfacts_payload_from_sec_csv as companyfacts_payload_from_sec_csv
from scripts.payloads import frankfurter_payload_from_ecb_csv as frankfurter_payload_from_ecb_csv

# --- the claims report's test claims (tests/test_report.py, tests/test_artifacts.py) ---

REPORT_DATE = date(2024, 2, 16)
SCRIPT = "<script>alert(1)</script>"


def verdict_claims() -> pl.DataFrame:
    """Four claims with each verdict (one script-laden sentence), as the report shows them."""
    rows = [
        ("c1", "Adobe fell over 7%", "price_move", ["ADBE"], -7.0, "percent", None, "over"),
        ("c2", f"Alphabet {SCRIPT} fell 1.58%", "price_move", ["GOOGL"], -1.58, "percent", None,
         "exact"),
        ("c3", "together lost nearly 48 B USD", "market_cap_change", ["ADBE", "GOOGL"], -48e9,
         "currency", "USD", "nearly"),
        ("c4", "Sora makes 60-second videos", "other", [], 60.0, "count", None, "exact"),
    ]  # fmt: skip
    verdicts = [
        ("supported", -7.4, "ADBE closed -7.4% on 2024-02-16"),
        ("contradicted", -1.0, "GOOGL closed -1.0%, not -1.58%"),
        ("unverifiable", None, "no shares outstanding for SSTK"),
        (None, None, None),
    ]
    return pl.DataFrame(
        [
            {
                "claim_id": cid,
                "article_id": "a1",
                "sentence": sentence,
                "claim_type": ctype,
                "subjects": subjects,
                "value": value,
                "unit": unit,
                "currency": currency,
                "counter_value": None,
                "counter_currency": None,
                "qualifier": qualifier,
                "reference_date": REPORT_DATE if ctype != "other" else None,
                "verdict": verdict,
                "observed": observed,
                "explanation": explanation,
            }
            for (cid, sentence, ctype, subjects, value, unit, currency, qualifier), (
                verdict,
                observed,
                explanation,
            ) in zip(rows, verdicts, strict=True)
        ],
        schema=CLAIMS_SCHEMA,
    )


REPORT_ARTICLES = pl.DataFrame(
    {
        "article_id": ["a1"],
        "url": ["https://news.example.com/sora?id=1&lang=zh"],
        "title": ["Sora rattles stocks"],
    }
)


# --- market facts and claims for the verdict tests (tests/test_verify*.py) -------------------

D14, D15, D16, D17 = date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 16), date(2024, 2, 17)
# real closes around the Sora announcement (Yahoo `close`, split-adjusted only)
CLOSES = {
    "ADBE": (604.66, 590.44, 546.66),
    "SSTK": (46.88, 47.80, 45.20),
    "GOOGL": (145.94, 142.77, 140.52),
}
SHARES = {"ADBE": 448_365_341, "SSTK": 35_840_000, "GOOGL": 12_433_000_000}
USD_CNY = {D15: 7.1943, D16: 7.1936}
USD_EUR = {D15: 0.9307, D16: 0.9282}
SEED_URL = "https://example.com/sora"


def claims_frame(*claims: dict[str, Any]) -> pl.DataFrame:
    """Claims rows with the news step's columns (CONTRACT and DESIGN), unset ones NULL."""
    rows = [
        {"claim_id": f"c{i}", "article_id": "a1", "sentence": f"s{i}", **c}
        for i, c in enumerate(claims)
    ]
    return pl.DataFrame(rows, schema=CLAIMS_SCHEMA)


def bar(
    symbol: str, day: date, close: float, *, low: float | None = None, high: float | None = None
):
    """One prices row; low/high default to the close."""
    return {
        "symbol": symbol,
        "date": day,
        "open": close,
        "high": close if high is None else high,
        "low": close if low is None else low,
        "close": close,
        "adj_close": close * 0.98,  # deliberately different: verdicts must use `close`
        "volume": 1_000_000,
        "source": "yahoo",
    }


def seed_prices() -> pl.DataFrame:
    rows = [
        bar(symbol, day, close)
        for symbol, closes in CLOSES.items()
        for day, close in zip((D14, D15, D16), closes, strict=True)
    ]
    return pl.DataFrame(rows, schema=MarketFacts().prices.schema)


def seed_caps(symbols: tuple[str, ...] = ("ADBE", "SSTK", "GOOGL")) -> pl.DataFrame:
    rows = [
        {
            "entity": symbol,
            "as_of": day,
            "kind": "market_cap",
            "value": close * SHARES[symbol],
            "currency": "USD",
            "value_usd": close * SHARES[symbol],
            "source": "yahoo+sec",
        }
        for symbol in symbols
        for day, close in zip((D14, D15, D16), CLOSES[symbol], strict=True)
    ]
    return pl.DataFrame(rows, schema=MarketFacts().valuations.schema)


def seed_fx() -> pl.DataFrame:
    rows = [
        {"date": day, "base": "USD", "quote": quote, "rate": rate, "source": "ecb"}
        for quote, rates in (("CNY", USD_CNY), ("EUR", USD_EUR))
        for day, rate in rates.items()
    ]
    return pl.DataFrame(rows, schema=MarketFacts().fx_rates.schema)


def seed_facts(**overrides: pl.DataFrame) -> MarketFacts:
    tickers = pl.DataFrame(
        {
            "symbol": ["ADBE", "SSTK", "GOOGL"],
            "name": ["Adobe Inc.", "Shutterstock, Inc.", "Alphabet Inc."],
            "aliases": [["Adobe"], ["Shutterstock"], ["谷歌母公司", "Alphabet", "Google"]],
        }
    )
    articles = pl.DataFrame(
        {"article_id": ["a1"], "url": [SEED_URL], "published_at": [datetime(2024, 2, 20, 10, 5)]}
    )
    base = {
        "prices": seed_prices(),
        "valuations": seed_caps(),
        "fx_rates": seed_fx(),
        "articles": articles,
        "tickers": tickers,
    }
    return MarketFacts(**(base | overrides))


def openai_multiple(**kw: Any) -> dict[str, Any]:
    """The seed's 增加了将近两倍: OpenAI from 290亿 to 800亿美元, stated as nearly ×3."""
    return {
        "claim_type": "valuation_change",
        "subjects": ["OpenAI"],
        "value": 3.0,
        "unit": "ratio",
        "currency": "USD",
        "qualifier": "nearly",
        "from_value": 2.9e10,
        "to_value": 8.0e10,
        "span": "将近两倍",
        **kw,
    }


# --- the seed article as its site serves it (tests/test_article.py, tests/test_nightly.py) ---

SEED = SHARED_DATA.parent / "seeds" / "000_c01b2f81f01298eb.txt"


def seed_page(seed_text: str) -> str:
    """The seed article laid out as its site does: crumbs, headline, byline, body, chrome."""
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()]
    crumbs, title, byline, rest = lines[0], lines[1], lines[2], lines[3:]
    cut = rest.index("热门新闻") if "热门新闻" in rest else len(rest)
    body, chrome = rest[:cut], rest[cut:]
    footer = [line for line in chrome if "版权所有" in line or line.startswith("温馨提示")]
    sidebar = [line for line in chrome if line not in footer]
    return (
        '<!DOCTYPE html><html><head><meta charset="gb2312">'
        f"<title>{escape(title)}</title></head><body>"
        f"<div class='crumbs'>{escape(crumbs)}</div>"
        f"<div class='article'><h1>{escape(title)}</h1><div class='info'>{escape(byline)}</div>"
        f"<div class='content'>{''.join(f'<p>{escape(p)}</p>' for p in body)}</div></div>"
        f"<div class='sidebar'>{''.join(f'<div>{escape(s)}</div>' for s in sidebar)}</div>"
        f"<div class='footer'>{''.join(f'<p>{escape(f)}</p>' for f in footer)}</div>"
        "</body></html>"
    )


# --- a workspace over the demo snapshot (tests/test_serve.py, tests/test_concurrency.py) ----

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT_RAW = REPO / "snapshot" / "raw"
START, END = date(2024, 2, 12), date(2024, 2, 21)  # ten days around the Sora day
# Every table a run derives: `runs`, `dq_results` and `quarantine` gain rows per run by design,
# and `loaded_bodies` stamps each row with the time it was loaded.
DATA_TABLES = tuple(sorted(set(TABLES) - {"runs", "dq_results", "loaded_bodies", "quarantine"}))
RUN_TIMEOUT = 240.0


@dataclass(frozen=True)
class Workspace:
    """A config file over a fresh warehouse and a copy of the demo snapshot's landing zone."""

    config: Path
    warehouse: Path


def make_workspace(root: Path) -> Workspace:
    """Copy snapshot/raw under root and write a config that runs offline over it."""
    from flows.commands import DEMO_SYMBOLS
    from newsdesk.landing import find_landed

    if not (SNAPSHOT_RAW / "yahoo").is_dir():
        pytest.skip(f"the demo snapshot is missing at {SNAPSHOT_RAW}")
    root.mkdir(parents=True, exist_ok=True)
    raw = root / "raw"
    shutil.copytree(SNAPSHOT_RAW, raw)
    pages = sorted({landed.params["url"] for landed in find_landed(raw, "news")})
    warehouse = root / "wh" / "newsdesk.duckdb"
    config = root / "newsdesk.toml"
    config.write_text(
        "[warehouse]\n"
        f"path = {json.dumps(str(warehouse))}\n"
        f"raw_dir = {json.dumps(str(raw))}\n"
        f"reports_dir = {json.dumps(str(root / 'reports'))}\n"
        f"dq_dir = {json.dumps(str(root / 'dq'))}\n"
        "[news]\n"
        f"pages = {json.dumps(pages)}\n"
        "[market]\n"
        f"watchlist = {json.dumps(list(DEMO_SYMBOLS))}\n",
        encoding="utf-8",
    )
    return Workspace(config, warehouse)


def data_checksums(warehouse: Path) -> dict[str, str]:
    """Order-independent checksums of every derived table."""
    from newsdesk.warehouse import Warehouse

    return Warehouse(warehouse, migrate=False).checksums(DATA_TABLES)


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Rows of a read-only query."""
    from newsdesk.warehouse import Warehouse

    return Warehouse(warehouse, migrate=False).query(sql).rows()
