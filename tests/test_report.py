"""The claims report: a summary first, claims by article, market context, the quality line."""

from __future__ import annotations

import base64
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest

from newsdesk.report import (
    QualityCounts,
    load_report_inputs,
    market_move,
    observed_figure,
    render_report,
    report_markdown,
    stated_figure,
)
from newsdesk.report.charts import price_move_chart
from newsdesk.report.figures import points_figure
from newsdesk.report.wrap import display_width
from newsdesk.tables import CLAIMS_SCHEMA
from newsdesk.warehouse import Warehouse
from tests.builders import REPORT_ARTICLES, REPORT_DATE, SCRIPT, verdict_claims

D15 = date(2024, 2, 15)
# real closes on the Sora day: ADBE (Yahoo close) and QQQ (Stooq, ../shared/data)
ADBE_QQQ = pl.DataFrame(
    {
        "symbol": ["ADBE", "ADBE", "QQQ", "QQQ"],
        "date": [D15, REPORT_DATE, D15, REPORT_DATE],
        "close": [590.44, 546.66, 431.301, 427.39],
    }
)
TICKERS = pl.DataFrame(
    {
        "symbol": ["ADBE", "GOOGL", "JPM", "^IXIC", "QQQ", "SPY"],
        "benchmark": ["QQQ", "QQQ", "SPY", None, None, None],
    }
)
QUALITY = QualityCounts(run_id="r1", passed=41, failed=2, warnings=2)


def make_prices() -> pl.DataFrame:
    """Weekday ADBE closes around 2024-02-16, with the fall on the day."""
    days = [date(2024, 2, 5) + timedelta(days=i) for i in range(21)]
    days = [d for d in days if d.weekday() < 5]
    closes = [600.0 + i for i in range(len(days))]
    at = days.index(REPORT_DATE)
    closes[at] = closes[at - 1] * 0.926
    return pl.DataFrame({"symbol": ["ADBE"] * len(days), "date": days, "close": closes})


def two_articles() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The verdict claims, the Alphabet one moved to a second article."""
    claims = verdict_claims().with_columns(
        article_id=pl.when(pl.col("claim_id") == "c2").then(pl.lit("a2")).otherwise("article_id")
    )
    articles = pl.concat(
        [
            REPORT_ARTICLES,
            pl.DataFrame(
                {"article_id": ["a2"], "url": ["https://b.example.com/x"], "title": ["Second"]}
            ),
        ]
    )
    return claims, articles


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


@pytest.mark.parametrize(
    ("points", "expected"),
    [(-6.5, "\u22126.50 points"), (0.304, "0.30 points"), (-0.001, "0.00 points")],
)
def test_points_are_signed_with_a_true_minus_and_never_minus_zero(
    points: float, expected: str
) -> None:
    assert points_figure(points) == expected


# --- market context -------------------------------------------------------------------------


def adbe_claim(**overrides) -> dict:
    claim = verdict_claims().row(0, named=True)
    return {**claim, **overrides}


def test_a_move_is_shown_beside_its_benchmark_as_the_issue_writes_it() -> None:
    move = market_move(adbe_claim(), ADBE_QQQ, TICKERS)
    # −7.4149% and −0.9068%: the difference of the printed figures, as a reader subtracts
    assert move.text() == (
        "ADBE \u22127.41%, QQQ \u22120.91%: \u22126.50 points against the market"
    )


def test_a_benchmark_without_prices_is_said_plainly() -> None:
    only_adbe = ADBE_QQQ.filter(pl.col("symbol") == "ADBE")
    move = market_move(adbe_claim(), only_adbe, TICKERS)
    assert move.text() == "ADBE \u22127.41%; benchmark QQQ not loaded for 2024-02-16"


def test_a_benchmark_missing_that_session_is_not_loaded_either() -> None:
    stale = ADBE_QQQ.filter(~((pl.col("symbol") == "QQQ") & (pl.col("date") == REPORT_DATE)))
    assert "benchmark QQQ not loaded" in market_move(adbe_claim(), stale, TICKERS).text()


def test_an_index_has_no_benchmark() -> None:
    prices = ADBE_QQQ.with_columns(symbol=pl.col("symbol").replace({"ADBE": "^IXIC"}))
    move = market_move(adbe_claim(subjects=["^IXIC"]), prices, TICKERS)
    assert move.text() == "^IXIC \u22127.41%; no benchmark configured for ^IXIC"


def test_a_subject_without_its_own_close_says_so() -> None:
    move = market_move(adbe_claim(reference_date=date(2024, 2, 17)), ADBE_QQQ, TICKERS)
    assert (
        move.text()
        == "no ADBE move for 2024-02-17: its close that day or the one before is not loaded"
    )


@pytest.mark.parametrize(
    "overrides",
    [{"claim_type": "market_cap_change"}, {"subjects": []}, {"reference_date": None}],
)
def test_only_a_dated_price_move_with_a_subject_gets_market_context(overrides: dict) -> None:
    assert market_move(adbe_claim(**overrides), ADBE_QQQ, TICKERS) is None


def test_without_tickers_there_is_no_market_line() -> None:
    assert market_move(adbe_claim(), ADBE_QQQ, pl.DataFrame()) is None
    text = report_markdown(verdict_claims(), REPORT_ARTICLES, report_date=REPORT_DATE,
                           prices=ADBE_QQQ)  # fmt: skip
    assert "- market:" not in text


# --- the Markdown report --------------------------------------------------------------------


def adbe_markdown(**kwargs) -> str:
    return report_markdown(
        verdict_claims(), REPORT_ARTICLES, report_date=REPORT_DATE, prices=ADBE_QQQ,
        tickers=TICKERS, **kwargs,
    )  # fmt: skip


def test_the_report_opens_with_counts_then_contradicted_then_unverifiable() -> None:
    text = adbe_markdown()
    assert text.splitlines()[0] == "# Claims report — 2024-02-16"
    at = {
        key: text.index(key)
        for key in ("## Summary", "1 supported, 1 contradicted, 1 unverifiable",
                    "Contradicted:", "Unverifiable:", "## Sora rattles stocks")
    }  # fmt: skip
    assert list(at.values()) == sorted(at.values())
    summary = text[at["## Summary"] : at["## Sora rattles stocks"]]
    contradicted, _, unverifiable = summary.partition("Unverifiable:")
    assert "price_move GOOGL: stated \u22121.58%, observed \u22121.00%" in contradicted
    assert "(Sora rattles stocks)" in contradicted
    assert "market_cap_change ADBE, GOOGL: no shares outstanding for SSTK" in unverifiable
    assert "ADBE" not in contradicted  # the supported ADBE move is no contradiction


def test_an_empty_verdict_list_says_none() -> None:
    claims = verdict_claims().filter(pl.col("verdict") == "supported")
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    assert "Contradicted: none." in text
    assert "Unverifiable: none." in text


def test_claims_are_grouped_under_their_article() -> None:
    claims, articles = two_articles()
    text = report_markdown(claims, articles, report_date=REPORT_DATE)
    first, _, second = text.partition("## Second")
    body_of_first = first.partition("## Sora rattles stocks")[2]
    assert "<https://news.example.com/sora?id=1&lang=zh>" in body_of_first
    assert "### supported: price_move ADBE" in body_of_first
    assert "### contradicted: price_move GOOGL" in second
    assert "price_move GOOGL" not in body_of_first
    assert "<https://b.example.com/x>" in second


def test_each_claim_shows_its_fields_one_per_line() -> None:
    text = adbe_markdown()
    before, _, after = text.partition("### supported: price_move ADBE")
    block = after.partition("###")[0]
    assert before.rstrip().endswith("> Adobe fell over 7%")  # the quote heads its claims
    assert "- stated: \u22127% (over)" in block
    assert "- observed: \u22127.40%" in block
    assert (
        "- market: ADBE \u22127.41%, QQQ \u22120.91%: \u22126.50 points against the market" in block
    )
    assert "- why: ADBE closed -7.4% on 2024-02-16" in block


def test_the_markdown_says_when_the_benchmark_is_not_loaded() -> None:
    text = report_markdown(verdict_claims(), REPORT_ARTICLES, report_date=REPORT_DATE,
                           prices=make_prices(), tickers=TICKERS)  # fmt: skip
    assert "benchmark QQQ not loaded for 2024-02-16" in text


def test_markdown_lines_are_short_however_long_the_sentence() -> None:
    long_sentence = " ".join(["Shares of the design software maker slid"] * 20)
    claims = verdict_claims().with_columns(
        sentence=pl.lit(long_sentence), explanation=pl.lit(long_sentence)
    )
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    assert max(len(line) for line in text.splitlines()) <= 100
    # wrapped, not cut: each blockquote line-joined is the whole sentence
    quoted = [ln.removeprefix("> ") for ln in text.splitlines() if ln.startswith(">")]
    assert long_sentence in " ".join(quoted)
    assert " ".join(quoted).count(long_sentence) == 1  # three claims, one sentence, one quote


def test_chinese_text_is_wrapped_by_its_width_in_a_terminal() -> None:
    sentence = "OpenAI发布Sora的次日，美股多只与内容创作相关的股票明显承压：" * 4
    claims = verdict_claims().with_columns(sentence=pl.lit(sentence))
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    quoted = [ln for ln in text.splitlines() if ln.startswith(">")]
    assert len(quoted) > 1
    assert max(display_width(ln) for ln in quoted) <= 100
    assert "".join(ln.removeprefix("> ") for ln in quoted) == sentence  # broken, nothing lost


def test_claims_follow_the_articles_reading_order_and_share_a_sentences_quote() -> None:
    first, second = "Alphabet fell 1.58% on Friday.", "Adobe fell over 7% and SSTK 5%."
    claims = verdict_claims().with_columns(
        sentence=pl.when(pl.col("claim_id") == "c2").then(pl.lit(first)).otherwise(pl.lit(second)),
        span=pl.when(pl.col("claim_id") == "c1").then(pl.lit("7%")).otherwise(pl.lit("5%")),
    )
    articles = REPORT_ARTICLES.with_columns(text=pl.lit(f"Intro. {first} Then: {second}"))
    text = report_markdown(claims, articles, report_date=REPORT_DATE)
    body = text.partition("## Sora rattles stocks")[2]
    order = [body.index(h) for h in ("> Alphabet", "price_move GOOGL", "> Adobe",
                                     "price_move ADBE", "market_cap_change")]  # fmt: skip
    assert order == sorted(order)
    assert body.count("> Adobe fell over 7%") == 1


def test_markdown_keeps_quotes_but_no_raw_html() -> None:
    claims = verdict_claims().with_columns(sentence=pl.lit(f'OpenAI\'s "Sora" {SCRIPT}'))
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    assert 'OpenAI\'s "Sora"' in text
    assert "&#x27;" not in text and "&quot;" not in text
    assert SCRIPT not in text
    assert "&lt;script&gt;" in text


def test_other_figures_are_listed_under_their_article_as_not_checked() -> None:
    text = adbe_markdown()
    head, _, tail = text.partition("Other figures, not checked:")
    assert "- 60: Sora makes 60-second videos" in tail
    assert "Sora makes 60-second videos" not in head


def test_counts_are_written_as_every_count_is() -> None:
    many = QualityCounts(run_id="r", passed=1200, failed=1, warnings=0)
    assert many.text() == "Data quality: 1,200 checks passed, 1 failed."
    claims = pl.concat([verdict_claims().filter(pl.col("verdict") == "supported")] * 1001)
    text = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)
    assert "1,001 claims judged: 1,001 supported, 0 contradicted" in text


def test_the_markdown_carries_the_quality_counts() -> None:
    assert "Data quality: 41 checks passed, 2 failed (2 warnings)." in adbe_markdown(
        quality=QUALITY
    )


# --- files and HTML -------------------------------------------------------------------------


def test_only_web_links_are_rendered(tmp_path: Path) -> None:
    articles = REPORT_ARTICLES.with_columns(url=pl.lit("javascript:alert(1)"))
    files = render_report(verdict_claims(), articles, make_prices(), report_date=REPORT_DATE,
                          out_dir=tmp_path)  # fmt: skip
    for path in (files.markdown, files.html):
        assert "javascript:" not in path.read_text(encoding="utf-8")


def test_html_escapes_article_text(rendered) -> None:
    page = rendered.html.read_text(encoding="utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in rendered.markdown.read_text(encoding="utf-8")


def test_price_move_chart_is_written_and_embedded(rendered) -> None:
    # Prices exist for ADBE only, so exactly one chart.
    (chart,) = rendered.charts
    assert chart.parent == rendered.html.parent and chart.suffix == ".svg"
    data = chart.read_bytes()
    svg = ElementTree.fromstring(data)  # well-formed SVG
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    page = rendered.html.read_text(encoding="utf-8")
    assert f"data:image/svg+xml;base64,{base64.b64encode(data).decode('ascii')}" in page


def test_chart_draws_the_closes_the_reference_day_and_the_stated_close() -> None:
    ns = {"s": "http://www.w3.org/2000/svg"}
    prices = make_prices()
    claim = next(c for c in verdict_claims().to_dicts() if c["claim_type"] == "price_move")
    svg = ElementTree.fromstring(price_move_chart(claim, prices))
    closes = prices.filter(pl.col("symbol") == claim["subjects"][0]).sort("date")
    at = closes["date"].to_list().index(claim["reference_date"])
    shown = closes["close"].to_list()[max(at - 5, 0) : at + 6]  # five sessions either side
    (line,) = svg.findall("s:polyline", ns)
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == len(shown)
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    # The highest close is drawn highest (smallest y), the lowest lowest.
    assert points[shown.index(max(shown))][1] == min(y for _, y in points)
    assert points[shown.index(min(shown))][1] == max(y for _, y in points)
    dashed = [el for el in svg.findall("s:line", ns) if el.get("stroke-dasharray")]
    assert len(dashed) == 2  # the reference day and the close the stated move implies
    texts = " ".join(t.text or "" for t in svg.findall("s:text", ns))
    assert claim["reference_date"].isoformat() in texts and "stated" in texts


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


def test_html_quality_line_links_the_data_docs_relative_to_the_reports(tmp_path: Path) -> None:
    docs = tmp_path / "warehouse" / "dq" / "data_docs" / "local_site" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<html></html>", encoding="utf-8")
    files = render_report(verdict_claims(), REPORT_ARTICLES, ADBE_QQQ, report_date=REPORT_DATE,
                          out_dir=tmp_path / "warehouse" / "reports", tickers=TICKERS,
                          quality=QUALITY, docs_index=docs)  # fmt: skip
    page = files.html.read_text(encoding="utf-8")
    (line,) = re.findall(r'<p class="quality">.*?</p>', page)
    assert "41 checks passed, 2 failed (2 warnings)" in line
    (href,) = re.findall(r'href="([^"]+)"', line)
    assert href == "../dq/data_docs/local_site/index.html"
    assert (files.html.parent / href).resolve() == docs.resolve()
    assert page.index('class="quality"') < page.index("<h2>Summary</h2>")


def test_html_without_quality_results_says_so_and_links_nothing(rendered) -> None:
    page = rendered.html.read_text(encoding="utf-8")
    (line,) = re.findall(r'<p class="quality">.*?</p>', page)
    assert "no checks recorded" in line
    assert "href" not in line


def test_a_data_docs_index_not_built_is_not_linked(tmp_path: Path) -> None:
    files = render_report(verdict_claims(), REPORT_ARTICLES, ADBE_QQQ, report_date=REPORT_DATE,
                          out_dir=tmp_path / "reports", quality=QUALITY,
                          docs_index=tmp_path / "dq" / "index.html")  # fmt: skip
    (line,) = re.findall(r'<p class="quality">.*?</p>', files.html.read_text(encoding="utf-8"))
    assert "41 checks passed" in line and "href" not in line


def test_html_groups_by_article_and_shows_the_market_line(tmp_path: Path) -> None:
    claims, articles = two_articles()
    files = render_report(claims, articles, ADBE_QQQ, report_date=REPORT_DATE, out_dir=tmp_path,
                          tickers=TICKERS)  # fmt: skip
    page = files.html.read_text(encoding="utf-8")
    first, second = re.findall(r"<article>.*?</article>", page, flags=re.S)
    assert "Sora rattles stocks" in first and "price_move ADBE" in first
    assert "price_move GOOGL" not in first
    assert '<a href="https://b.example.com/x">Second</a>' in second
    assert "price_move GOOGL" in second
    assert "ADBE \u22127.41%, QQQ \u22120.91%: \u22126.50 points against the market" in first
    assert (
        "no GOOGL move for 2024-02-16: its close that day or the one before is not loaded" in second
    )


# --- reading the inputs from the warehouse --------------------------------------------------


def _seed_warehouse(path: Path) -> Warehouse:
    wh = Warehouse(path)
    claims = verdict_claims()
    articles = pl.DataFrame(
        {"article_id": ["a1"], "url": ["https://news.example.com/sora"], "title": ["Sora"],
         "published_at": [datetime(2024, 2, 16, 21)]}
    )  # fmt: skip
    bars = ADBE_QQQ.with_columns(source=pl.lit("test"))
    runs = pl.DataFrame(
        {"run_id": ["old", "new", "other-day"], "flow": ["nightly"] * 3,
         "run_date": [REPORT_DATE, REPORT_DATE, D15], "status": ["completed"] * 3}
    )  # fmt: skip
    checked = [datetime(2024, 2, 17, 1), datetime(2024, 2, 18, 1), datetime(2024, 2, 19, 1)]
    dq = pl.DataFrame(
        {
            "run_id": ["old", "new", "new", "new", "other-day"],
            "checked_at": [checked[0], checked[1], checked[1], checked[1], checked[2]],
            "suite": ["prices"] * 5,
            "expectation": ["a", "a", "b", "c", "a"],
            "success": [False, True, True, False, False],
            "details": ['{"severity": "blocking"}', "{}", "{}", '{"severity": "warning"}',
                        '{"severity": "blocking"}'],
        }
    )  # fmt: skip
    wh.write({"articles": articles, "claims": claims, "prices": bars, "runs": runs})
    wh.append("dq_results", dq)
    return wh


def test_inputs_carry_the_benchmark_prices_and_the_days_quality(tmp_path: Path) -> None:
    wh = _seed_warehouse(tmp_path / "w.duckdb")
    inputs = load_report_inputs(wh, REPORT_DATE)
    assert set(inputs.prices["symbol"].to_list()) == {"ADBE", "QQQ"}
    # the latest run recorded for the day, not the older one nor another day's
    assert inputs.quality == QualityCounts(run_id="new", passed=2, failed=1, warnings=1)
    text = report_markdown(inputs.claims, inputs.articles, report_date=REPORT_DATE,
                           prices=inputs.prices, tickers=inputs.tickers)  # fmt: skip
    assert "ADBE \u22127.41%, QQQ \u22120.91%: \u22126.50 points against the market" in text


def test_inputs_take_the_named_runs_checks(tmp_path: Path) -> None:
    wh = _seed_warehouse(tmp_path / "w.duckdb")
    assert load_report_inputs(wh, REPORT_DATE, run_id="old").quality == QualityCounts(
        run_id="old", passed=0, failed=1, warnings=0
    )
    assert load_report_inputs(wh, date(2024, 2, 14)).quality is None
    # `newsdesk report` runs no checks: its own run id finds none, the day's latest run stands
    assert load_report_inputs(wh, REPORT_DATE, run_id="unchecked").quality.run_id == "new"
