"""The demo pages (snapshot/pages) through extract_article and extract_claims, as the job does."""

from datetime import date
from pathlib import Path

import pytest

from newsdesk.extract.article import extract_article
from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.dates import load_calendar_events
from newsdesk.extract.entities import AliasIndex, read_alias_rows
from newsdesk.sources.news import decode_html

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "snapshot" / "pages"
FRIDAY = date(2024, 2, 16)  # the first XNAS session after Sora was shown on 2024-02-15


def _page_claims(name: str) -> list[Claim]:
    path = PAGES / name
    if not path.exists():
        pytest.skip(f"demo page not found at {path}")
    html, _codec = decode_html(path.read_bytes(), {})  # the Chinese page is GBK bytes
    article = extract_article(html, f"https://example.com/{name}")
    aliases = AliasIndex.from_rows(
        read_alias_rows(REPO / "sql" / "tickers.csv")
        + read_alias_rows(REPO / "sql" / "entities.csv")
    )
    assert article.published_at is not None and article.published_at.date() == date(2024, 2, 20)
    return extract_claims(
        article.text,
        article_id="demo",
        published_at=article.published_at,
        aliases=aliases,
        events=load_calendar_events(REPO / "sql" / "events.csv"),
        exchange_of=lambda _symbol: "XNAS",
    )


@pytest.fixture(scope="module", params=["sora-market-en.html", "sora-market-zh.html"])
def page(request: pytest.FixtureRequest) -> tuple[str, list[Claim]]:
    return request.param, _page_claims(request.param)


def _one(claims: list[Claim], claim_type: str, subjects: list[str]) -> Claim:
    [claim] = [c for c in claims if c.claim_type == claim_type and c.subjects == subjects]
    return claim


@pytest.mark.parametrize(
    ("symbol", "value", "qualifier"),
    [("ADBE", -7.0, "over"), ("SSTK", -5.0, "over"), ("GOOGL", -1.58, "exact")],
)
def test_moves_are_dated_the_session_after_the_demo(
    page: tuple[str, list[Claim]], symbol: str, value: float, qualifier: str
) -> None:
    name, claims = page
    move = _one(claims, "price_move", [symbol])
    assert (move.value, move.qualifier, move.reference_date) == (value, qualifier, FRIDAY)
    # English counts from the date stated a sentence earlier, Chinese from the event it names
    anchor = "the date stated earlier (2024-02-15)" if name.endswith("en.html") else "event sora"
    assert anchor in (move.date_note or ""), move.date_note


def test_market_cap_change_and_conversion(page: tuple[str, list[Claim]]) -> None:
    _, claims = page
    change = _one(claims, "market_cap_change", ["ADBE", "SSTK", "GOOGL"])
    assert (change.value, change.currency, change.qualifier) == (-48e9, "USD", "nearly")
    # "¥350 billion" in an English text about US markets is yuan: nothing speaks of Japan
    assert (change.counter_value, change.counter_currency) == (350e9, "CNY")
    assert change.reference_date == FRIDAY
    [conversion] = [c for c in claims if c.claim_type == "currency_conversion"]
    assert (conversion.value, conversion.currency, conversion.qualifier) == (48e9, "USD", "about")
    assert (conversion.counter_value, conversion.counter_currency) == (350e9, "CNY")
    assert conversion.reference_date == FRIDAY


def test_valuation_of_openai(page: tuple[str, list[Claim]]) -> None:
    name, claims = page
    valuation = _one(claims, "valuation", ["OpenAI"])
    qualifier = "about" if name.endswith("en.html") else "exact"
    assert (valuation.value, valuation.currency, valuation.qualifier) == (80e9, "USD", qualifier)
    assert valuation.reference_date == date(2024, 2, 20)


def test_chinese_valuation_change_has_both_ends() -> None:
    claims = _page_claims("sora-market-zh.html")
    change = _one(claims, "valuation_change", ["OpenAI"])
    assert (change.value, change.unit, change.qualifier) == (3.0, "ratio", "nearly")
    assert (change.from_value, change.to_value, change.currency) == (29e9, 80e9, "USD")
    assert not [c for c in claims if c.value == 29e9 and c.claim_type != "valuation_change"]


def test_english_earlier_valuation_without_a_multiple_stays_other() -> None:
    claims = _page_claims("sora-market-en.html")
    assert not [c for c in claims if c.claim_type == "valuation_change"]
    [earlier] = [c for c in claims if c.value == 29e9]
    assert (earlier.claim_type, earlier.currency, earlier.qualifier) == ("other", "USD", "about")


def test_durations_are_not_figures(page: tuple[str, list[Claim]]) -> None:
    _, claims = page
    assert not [c for c in claims if c.value == 10.0]  # 不到十个月 / less than ten months
    assert all(c.reference_date is None or c.reference_date <= date(2024, 2, 20) for c in claims)
