"""Private valuations: recorded, unverifiable, disagreements flagged, stored as 'reported'."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from newsdesk.verify import MarketFacts, judge_claims, reported_valuations
from tests.builders import claims_frame, openai_multiple, seed_facts

URLS = {
    "a1": "https://example.com/sora",
    "a2": "https://example.org/openai",
    "a3": "https://x.test/3",
}
ARTICLES = pl.DataFrame(
    {
        "article_id": ["a1", "a2", "a3"],
        "url": [URLS["a1"], URLS["a2"], URLS["a3"]],
        "published_at": [
            datetime(2024, 2, 20, 10, 5),
            datetime(2024, 2, 26, 8, 0),
            datetime(2024, 3, 5, 8, 0),
        ],
    }
)


def valuation(value: float, article: str = "a1", **kw: Any) -> dict[str, Any]:
    figure = f"{value / 1e8:g}亿美元"
    return {
        "article_id": article,
        "claim_type": "valuation",
        "subjects": ["OpenAI"],
        "value": value,
        "unit": "currency",
        "currency": "USD",
        "qualifier": "exact",
        "span": figure,
        **kw,
    }


def judged(*claims: dict[str, Any], facts: MarketFacts | None = None) -> list[dict[str, Any]]:
    facts = facts or seed_facts(articles=ARTICLES)
    return judge_claims(claims_frame(*claims), facts).to_dicts()


def test_private_valuation_is_recorded_not_verified() -> None:
    (got,) = judged(valuation(8.0e10))
    assert got["verdict"] == "unverifiable"
    assert got["observed"] is None
    assert got["explanation"] == "private company; reported valuation recorded"


@pytest.mark.parametrize(
    ("other", "flagged"),
    [
        (valuation(8.6e10, "a2"), True),  # 860亿 vs 800亿 in the same month
        (valuation(8.2e10, "a2", qualifier="about", span="约820亿美元"), False),  # overlaps
        (valuation(8.0e10, "a2"), False),  # the same figure
        (valuation(8.6e10, "a3"), False),  # a different month
        (valuation(8.6e10, "a2", reference_date=date(2024, 1, 31)), False),
        (valuation(8.6e10, "a1", sentence="another"), True),  # the same article may disagree
    ],
)
def test_disagreeing_valuations_flag_each_other(other: dict[str, Any], flagged: bool) -> None:
    first, second = judged(valuation(8.0e10), other)
    assert first["verdict"] == second["verdict"] == "unverifiable"
    assert ("disagrees for 2024-02" in first["explanation"]) is flagged
    assert ("disagrees for 2024-02" in second["explanation"]) is flagged
    if flagged:
        assert "86 bn USD" in first["explanation"] and "80 bn USD" in second["explanation"]
        assert URLS[other["article_id"]] in first["explanation"]


def test_starting_figure_of_a_change_is_not_a_disagreement() -> None:
    sentence = "这意味着OpenAI在不到10个月里从大约290亿美元的估值,增加了将近两倍。"
    start = valuation(2.9e10, sentence=sentence, qualifier="about", span="大约290亿美元")
    now, earlier, multiple = judged(valuation(8.0e10), start, openai_multiple(sentence=sentence))
    assert now["explanation"] == "private company; reported valuation recorded"
    assert earlier["verdict"] == "unverifiable"
    assert "starting figure" in earlier["explanation"]
    assert multiple["verdict"] == "supported"


def stored(value: float, source: str, as_of: date) -> pl.DataFrame:
    row = {
        "entity": "OpenAI",
        "as_of": as_of,
        "kind": "reported",
        "value": value,
        "currency": "USD",
        "value_usd": value,
        "source": source,
    }
    return pl.DataFrame([row], schema=MarketFacts().valuations.schema)


@pytest.mark.parametrize(
    ("row", "flagged"),
    [
        (stored(1.0e11, URLS["a2"], date(2024, 2, 26)), True),  # an earlier run's other article
        (stored(1.0e11, URLS["a1"], date(2024, 2, 20)), False),  # this article, stored before
        (stored(1.0e11, URLS["a2"], date(2024, 3, 1)), False),  # another month
        (stored(8.0e10, URLS["a2"], date(2024, 2, 26)), False),  # agrees
    ],
)
def test_stored_reported_valuations_are_compared(row: pl.DataFrame, flagged: bool) -> None:
    (got,) = judged(valuation(8.0e10), facts=seed_facts(articles=ARTICLES, valuations=row))
    assert ("disagrees" in got["explanation"]) is flagged


# --- reported_valuations -----------------------------------------------------------------


def test_reported_valuations_rows() -> None:
    sentence = "从大约290亿美元的估值,增加了将近两倍"
    claims = claims_frame(
        valuation(8.0e10),  # no reference date: the publication date
        valuation(6.0e11, "a3", currency="CNY", reference_date=date(2024, 2, 16), span="6000亿元"),
        valuation(2.9e10, sentence=sentence, qualifier="about"),  # a starting figure: skipped
        openai_multiple(sentence=sentence),
        {"claim_type": "valuation", "subjects": ["ADBE"], "value": 2.45e11, "currency": "USD"},
        {"claim_type": "other", "value": 85.0, "unit": "percent"},
    )
    fx = seed_facts().fx_rates
    tickers = seed_facts().tickers
    out = reported_valuations(claims, ARTICLES, tickers=tickers, fx_rates=fx)
    assert out.schema == MarketFacts().valuations.schema
    assert out.select("entity", "as_of", "kind", "value", "currency", "source").rows() == [
        ("OpenAI", date(2024, 2, 20), "reported", 8.0e10, "USD", URLS["a1"]),
        ("OpenAI", date(2024, 2, 16), "reported", 6.0e11, "CNY", URLS["a3"]),
    ]
    assert out["value_usd"].to_list() == [8.0e10, pytest.approx(6.0e11 / 7.1936)]
    assert out["rate_date"].to_list() == [None, date(2024, 2, 16)]
    assert out["shares"].to_list() == [None, None]


def test_reported_valuations_without_a_rate_leave_usd_null() -> None:
    claims = claims_frame(valuation(6.0e11, currency="CNY", span="6000亿元"))
    out = reported_valuations(claims, ARTICLES)
    assert out["value_usd"].to_list() == [None]
    assert out["rate_date"].to_list() == [None]


def test_reported_valuations_use_verdicts_when_no_tickers_are_given() -> None:
    claims = claims_frame(
        valuation(8.0e10),
        {
            "claim_type": "valuation",
            "subjects": ["ADBE"],
            "value": 2.45e11,
            "currency": "USD",
            "reference_date": date(2024, 2, 16),
        },
    )
    verdicts = judge_claims(claims, seed_facts(articles=ARTICLES))
    out = reported_valuations(verdicts, ARTICLES)
    assert out["entity"].to_list() == ["OpenAI"]


def test_reported_valuations_are_unique_per_key() -> None:
    claims = claims_frame(valuation(8.0e10), valuation(8.0e10, sentence="repeated"))
    out = reported_valuations(claims, ARTICLES)
    assert out.height == 1
