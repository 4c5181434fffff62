"""The claims report: Markdown and standalone HTML with charts."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from newsdesk.report import (
    observed_figure,
    render_report,
    report_markdown,
    stated_figure,
)
from newsdesk.tables import CLAIMS_SCHEMA
from tests.builders import REPORT_ARTICLES, REPORT_DATE, SCRIPT, verdict_claims

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_prices() -> pl.DataFrame:
    """Weekday ADBE closes around 2024-02-16, with the fall on the day."""
    days = [date(2024, 2, 5) + timedelta(days=i) for i in range(21)]
    days = [d for d in days if d.weekday() < 5]
    closes = [600.0 + i for i in range(len(days))]
    at = days.index(REPORT_DATE)
    closes[at] = closes[at - 1] * 0.926
    return pl.DataFrame({"symbol": ["ADBE"] * len(days), "date": days, "close": closes})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("reports")
    return render_report(
        verdict_claims(), REPORT_ARTICLES, make_prices(), report_date=REPORT_DATE, out_dir=out
    )


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ({"value": -7.0, "unit": "percent", "qualifier": "over"}, "\u22127% (over)"),
        ({"value": -1.58, "unit": "percent", "qualifier": "exact"}, "\u22121.58%"),
        (
            {"value": -48e9, "unit": "currency", "currency": "USD", "qualifier": "nearly"},
            "\u221248 bn USD (nearly)",
        ),
        (
            {
                "value": 48e9,
                "unit": "currency",
                "currency": "USD",
                "qualifier": "about",
                "counter_value": 350e9,
                "counter_currency": "CNY",
            },
            "48 bn USD (about) ≈ 350 bn CNY",
        ),
        ({"value": 3.0, "unit": "ratio", "qualifier": "nearly"}, "×3 (nearly)"),
        ({"value": 5.0, "unit": "percent", "qualifier": "over", "range_end": 7.0},
         "5% to 7% (over)"),
        ({"value": 1200.0, "unit": "count", "qualifier": None}, "1,200"),
    ],
)  # fmt: skip
def test_stated_figure_reads_like_the_article(claim: dict, expected: str) -> None:
    assert stated_figure(claim) == expected


def test_conversion_is_observed_as_its_rate() -> None:
    claim = {"claim_type": "currency_conversion", "observed": 7.19361, "unit": "currency",
             "currency": "USD", "counter_currency": "CNY"}  # fmt: skip
    assert observed_figure(claim) == "7.1936 USD/CNY"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ({"claim_type": "price_move", "observed": -7.4107, "unit": "percent"}, "\u22127.41%"),
        ({"claim_type": "market_cap_change", "observed": -47.69e9, "unit": "currency",
          "currency": "USD"}, "\u221247.69 bn USD"),
        ({"claim_type": "valuation_change", "observed": 2.75862, "unit": "ratio"}, "\u00d72.76"),
        ({"claim_type": "valuation", "observed": None, "unit": "currency"}, "\u2014"),
    ],
)  # fmt: skip
def test_observed_figure_is_written_as_the_explanation_writes_it(
    claim: dict, expected: str
) -> None:
    assert observed_figure(claim) == expected


def test_markdown_lists_every_claim_with_verdict_and_explanation() -> None:
    claims = verdict_claims()
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    assert "2024-02-16" in text.splitlines()[0]
    assert "1 supported, 1 contradicted, 1 unverifiable" in text
    for row in claims.filter(pl.col("claim_type") != "other").iter_rows(named=True):
        line = next(ln for ln in text.splitlines() if row["explanation"] in ln)
        assert f"**{row['verdict']}**" in line
        assert "https://news.example.com/sora?id=1&lang=zh" in line
    assert "\u22127% (over)" in text
    assert "\u22127.40%" in text


def test_only_web_links_are_rendered(tmp_path: Path) -> None:
    articles = REPORT_ARTICLES.with_columns(url=pl.lit("javascript:alert(1)"))
    files = render_report(verdict_claims(), articles, make_prices(), report_date=REPORT_DATE,
                          out_dir=tmp_path)  # fmt: skip
    for path in (files.markdown, files.html):
        assert "javascript:" not in path.read_text(encoding="utf-8")


def test_other_claims_get_their_own_section() -> None:
    text = report_markdown(verdict_claims(), REPORT_ARTICLES, report_date=REPORT_DATE)
    head, _, tail = text.partition("## Other figures")
    assert "Sora makes 60-second videos" in tail
    assert "Sora makes 60-second videos" not in head


def test_html_escapes_article_text(rendered) -> None:
    page = rendered.html.read_text(encoding="utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in rendered.markdown.read_text(encoding="utf-8")


def test_price_move_chart_is_written_and_embedded(rendered) -> None:
    # Prices exist for ADBE only, so exactly one chart.
    (chart,) = rendered.charts
    assert chart.parent == rendered.html.parent
    data = chart.read_bytes()
    assert data.startswith(PNG_MAGIC)
    page = rendered.html.read_text(encoding="utf-8")
    assert f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" in page


def test_report_files_are_named_after_the_date(rendered) -> None:
    assert rendered.markdown.name == "2024-02-16.md"
    assert rendered.html.name == "2024-02-16.html"


def test_empty_claims_say_so(tmp_path: Path) -> None:
    empty = pl.DataFrame(schema=CLAIMS_SCHEMA)
    files = render_report(
        empty, REPORT_ARTICLES, make_prices(), report_date=REPORT_DATE, out_dir=tmp_path
    )
    for path in (files.markdown, files.html):
        assert "no claims" in path.read_text(encoding="utf-8")
    assert files.charts == []
