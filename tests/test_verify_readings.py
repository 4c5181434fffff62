"""Issue 8, section 2: contradicted only when the figure is false under every plausible
reading (session, close vs intraday, share count, share class); TWD has no ECB rate."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from newsdesk.config import VerifyPolicy
from newsdesk.extract.claims import extract_claims
from newsdesk.extract.entities import AliasIndex
from newsdesk.tables import CLAIMS_SCHEMA
from newsdesk.verify import MarketFacts, judge_claims
from tests.builders import bar, claims_frame

# NVDA around the DeepSeek sell-off (Yahoo closes): Friday 142.62, Monday 118.42 (−16.97%,
# low 116.70 = −18.17%), Tuesday 128.99 (+8.93%)
FRI, MON, TUE = date(2025, 1, 24), date(2025, 1, 27), date(2025, 1, 28)
NVDA_SHARES_2025 = 24.49e9  # the 10-Q count filed 2024-11-20
# NVDA's earnings jump before its 2024 split: 674.72 → 785.38 (+16.40%), 2.47e9 shares
WED, THU = date(2024, 2, 21), date(2024, 2, 22)
# Alphabet the day after Sora: GOOGL 142.77 → 140.52 (−1.576%), GOOG 143.94 → 141.76 (−1.515%)
D15, D16 = date(2024, 2, 15), date(2024, 2, 16)

WEEKDAY_NOTE = "'on Monday' before publication 2025-01-28; 2025-01-27 is an XNYS session"
EXPLICIT_NOTE = "explicit date 'January 28, 2025'; 2025-01-28 is an XNYS session"


def _prices() -> pl.DataFrame:
    rows = [
        bar("NVDA", FRI, 142.62),
        bar("NVDA", MON, 118.42, low=116.70, high=124.70),
        bar("NVDA", TUE, 128.99, low=116.25, high=129.00),
        bar("NVDA", WED, 674.72),
        bar("NVDA", THU, 785.38, low=742.20, high=785.75),
        bar("GOOGL", D15, 142.77),
        bar("GOOGL", D16, 140.52),
        bar("GOOG", D15, 143.94),
        bar("GOOG", D16, 141.76),
    ]
    return pl.DataFrame(rows, schema=MarketFacts().prices.schema)


def _cap(entity: str, day: date, close: float, shares: float, shares_as_of: date) -> dict:
    return {
        "entity": entity,
        "as_of": day,
        "kind": "market_cap",
        "value": close * shares,
        "currency": "USD",
        "value_usd": close * shares,
        "source": "yahoo*sec",
        "shares": shares,
        "shares_as_of": shares_as_of,
    }


def _facts(*caps: dict, published: datetime = datetime(2025, 1, 29, 8, 0)) -> MarketFacts:
    tickers = pl.DataFrame(
        {
            "symbol": ["NVDA", "GOOGL", "GOOG"],
            "name": ["NVIDIA Corp.", "Alphabet Inc. Class A", "Alphabet Inc. Class C"],
            "cik": ["0001045810", "0001652044", "0001652044"],
            "aliases": [["Nvidia", "英伟达"], ["Alphabet"], []],
        }
    )
    articles = pl.DataFrame({"article_id": ["a1"], "url": ["u"], "published_at": [published]})
    valuations = pl.DataFrame(list(caps), schema=MarketFacts().valuations.schema)
    return MarketFacts(prices=_prices(), valuations=valuations, articles=articles, tickers=tickers)


# The share-count readings are what these tests are about: judge them under a 5% floor, so
# that the first reading alone does not already cover what only another reading supports.
NARROW = VerifyPolicy(floors={**VerifyPolicy().floors, "market_cap_change": 0.05})


def _judge(claim: dict[str, Any], facts: MarketFacts | None = None) -> dict[str, Any]:
    return judge_claims(claims_frame(claim), facts or _facts(), NARROW).row(0, named=True)


def _move(value: float, day: date, span: str, **kw: Any) -> dict[str, Any]:
    return {
        "claim_type": "price_move",
        "subjects": kw.pop("subjects", ["NVDA"]),
        "value": value,
        "unit": "percent",
        "qualifier": kw.pop("qualifier", "exact"),
        "reference_date": day,
        "span": span,
        **kw,
    }


# --- close vs intraday ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "qualifier", "span", "verdict"),
    [
        (-15.0, "exact", "at one point fell 15%", "supported"),  # the low reached −18.17%
        (-15.0, "over", "一度跌超15%", "supported"),
        (-18.0, "over", "一度跌超18%", "supported"),
        (-19.0, "over", "一度跌超19%", "contradicted"),  # even the low cannot reach it
    ],
)
def test_an_intraday_figure_is_judged_against_the_day_extreme(
    value: float, qualifier: str, span: str, verdict: str
) -> None:
    claim = _move(value, MON, span, qualifier=qualifier, intraday=True, sentence=span)
    got = _judge(claim)
    assert got["verdict"] == verdict, got["explanation"]
    assert got["observed"] == pytest.approx((116.70 / 142.62 - 1) * 100)
    assert "intraday low 116.70" in got["explanation"]


def test_an_intraday_figure_is_never_contradicted_by_the_close_alone() -> None:
    # Tuesday closed +8.93% above Monday's 118.42; its low, 116.25, was −1.83%
    claim = _move(-1.5, TUE, "一度跌1.5%", intraday=True, sentence="英伟达周二一度跌1.5%。")
    got = _judge(claim)
    assert got["verdict"] == "supported", got["explanation"]
    assert got["observed"] < 0


@pytest.mark.parametrize("value", [-5.0, -20.0])
def test_a_premarket_figure_is_unverifiable_whatever_the_range(value: float) -> None:
    # the day's bars hold the regular session: neither −18.17% nor the close says what the
    # pre-market indication was
    sentence = f"Nvidia was indicated {abs(value):.0f}% lower premarket on Monday."
    got = _judge(_move(value, MON, f"{abs(value):.0f}% lower", intraday=True, sentence=sentence))
    assert got["verdict"] == "unverifiable"
    assert "before or after the session" in got["explanation"]


@pytest.mark.parametrize("sentence", ["Nvidia fell 18% on Monday.", "Nvidia closed down 18%."])
def test_a_figure_not_stated_as_intraday_is_judged_on_the_close(sentence: str) -> None:
    # −18% lies between the close (−16.97%) and the low (−18.17%), but the article did not say
    # "at one point": reading it as intraday would also save a planted "about 5%" on a −2.1%
    # close with a −4.6% low
    got = _judge(_move(-18.0, MON, "fell 18%", sentence=sentence, date_note=EXPLICIT_NOTE))
    assert got["verdict"] == "contradicted", got["explanation"]
    assert "NVDA close 142.62 → 118.42 on 2025-01-27 = −16.97%" in got["explanation"]


def test_a_figure_below_the_close_move_is_contradicted() -> None:
    got = _judge(_move(-12.0, MON, "fell 12%", sentence="Nvidia fell 12% on Monday."))
    assert got["verdict"] == "contradicted"
    assert "118.42" in got["explanation"] and "fell 12%" in got["explanation"]


# --- session ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "verdict"),
    [
        # a weekday resolved a session too late: Monday's −16.97% is the neighbouring session
        (WEEKDAY_NOTE.replace("2025-01-27", "2025-01-28"), "supported"),
        (None, "contradicted"),  # no note: nothing says the date is uncertain
        (EXPLICIT_NOTE, "contradicted"),  # a date stated outright has no neighbour
        # 本港时间1月28日: a Hong Kong day, which Monday's US session (ending 05:00 HKT) straddles
        ("'1月28日', year from publication date, a day in Asian local time", "supported"),
    ],
)
def test_the_neighbouring_session_when_the_date_came_from_a_weekday(
    note: str | None, verdict: str
) -> None:
    sentence = "Nvidia closed down 16.97%."
    got = _judge(_move(-16.97, TUE, "fell 16.97%", sentence=sentence, date_note=note))
    assert got["verdict"] == verdict, got["explanation"]
    if verdict == "supported":
        assert "NVDA close 142.62 → 118.42 on 2025-01-27 = −16.97%" in got["explanation"]
        assert "reading: NVDA close to close on 2025-01-27" in got["explanation"]


def test_a_session_after_publication_is_not_a_reading() -> None:
    # published Monday night: Tuesday's +8.93% cannot be what "rose 9%" meant
    facts = _facts(published=datetime(2025, 1, 27, 22, 0))
    claim = _move(9.0, FRI, "rose 9%", sentence="Nvidia closed up 9%.", date_note=WEEKDAY_NOTE)
    got = _judge(claim, facts)
    assert got["verdict"] == "contradicted", got["explanation"]


# --- share class ------------------------------------------------------------------------


def test_the_other_share_class_is_a_reading() -> None:
    # −1.51% is GOOG's fall (−1.515%), not GOOGL's (−1.576%)
    sentence = "Alphabet closed down 1.51% on Feb. 16."
    claim = _move(-1.51, D16, "fell 1.51%", subjects=["GOOGL"], sentence=sentence)
    got = _judge(claim)
    assert got["verdict"] == "supported", got["explanation"]
    assert "GOOG close 143.94 → 141.76" in got["explanation"]
    assert "reading: GOOG close to close on 2024-02-16" in got["explanation"]


def test_a_false_figure_is_contradicted_under_every_reading() -> None:
    sentence = "Alphabet fell 12% on Feb. 16."
    got = _judge(_move(-12.0, D16, "fell 12%", subjects=["GOOGL"], sentence=sentence))
    assert got["verdict"] == "contradicted"
    assert "142.77" in got["explanation"] and "140.52" in got["explanation"]
    assert "other readings" in got["explanation"] and "GOOG" in got["explanation"]


# --- share count ------------------------------------------------------------------------


def _cap_claim(value: float, day: date, span: str, **kw: Any) -> dict[str, Any]:
    return {
        "claim_type": "market_cap_change",
        "subjects": ["NVDA"],
        "value": value,
        "unit": "currency",
        "currency": kw.pop("currency", "USD"),
        "qualifier": kw.pop("qualifier", "exact"),
        "reference_date": day,
        "span": span,
        **kw,
    }


def test_the_deepseek_loss_is_supported() -> None:
    facts = _facts(
        _cap("NVDA", FRI, 142.62, NVDA_SHARES_2025, date(2024, 11, 15)),
        _cap("NVDA", MON, 118.42, NVDA_SHARES_2025, date(2024, 11, 15)),
    )
    got = _judge(_cap_claim(-589e9, MON, "wiping out $589 billion"), facts)
    assert got["verdict"] == "supported", got["explanation"]
    assert got["observed"] == pytest.approx((118.42 - 142.62) * NVDA_SHARES_2025)


@pytest.mark.parametrize(("value", "verdict"), [(-630e9, "supported"), (-700e9, "contradicted")])
def test_an_intraday_market_value_loss_is_judged_at_the_day_extreme(
    value: float, verdict: str
) -> None:
    # at the low (116.70) the cap was 2.858 tn against Friday's 3.493 tn: −634.8 bn; "over $630
    # billion" (with the 5% floor, at least 598.5 bn) is beyond the close's −592.7 bn
    facts = _facts(
        _cap("NVDA", FRI, 142.62, NVDA_SHARES_2025, date(2024, 11, 15)),
        _cap("NVDA", MON, 118.42, NVDA_SHARES_2025, date(2024, 11, 15)),
    )
    claim = _cap_claim(value, MON, "盘中一度蒸发超", qualifier="over", intraday=True)
    got = _judge(claim, facts)
    assert got["verdict"] == verdict, got["explanation"]
    assert got["observed"] == pytest.approx(
        118.42 * NVDA_SHARES_2025 * 116.70 / 118.42 - 142.62 * NVDA_SHARES_2025
    )
    assert "intraday low 116.70" in got["explanation"]


# A count filed on the day of the jump (hypothetical 2.50e9) makes the stored caps differ by
# more than the price move: 785.38 × 2.50e9 − 674.72 × 2.47e9 = +296.9 bn
JUMP_CAPS = (
    _cap("NVDA", WED, 674.72, 2.47e9, date(2023, 11, 17)),
    _cap("NVDA", THU, 785.38, 2.50e9, date(2024, 2, 16)),
)


@pytest.mark.parametrize(
    ("value", "verdict", "reading"),
    [
        # (785.38 − 674.72) × 2.50e9 = 276.65 bn: one count for both days
        (277e9, "supported", "one share count for both days"),
        (200e9, "contradicted", None),
    ],
)
def test_one_share_count_for_both_days_is_a_reading(
    value: float, verdict: str, reading: str | None
) -> None:
    got = _judge(_cap_claim(value, THU, f"added ${value / 1e9:.0f} billion"), _facts(*JUMP_CAPS))
    assert got["verdict"] == verdict, got["explanation"]
    if reading:
        assert f"reading: {reading}" in got["explanation"]
        assert "2,500,000,000 shares of 2024-02-16" in got["explanation"]
    else:
        assert "market caps as stored on 2024-02-22" in got["explanation"]


def test_the_count_filed_before_is_a_reading() -> None:
    # (785.38 − 674.72) × 2.47e9 = 273.33 bn; "$262 billion" (±5%: 248.9…275.1) reaches only that
    got = _judge(_cap_claim(262e9, THU, "added $262 billion"), _facts(*JUMP_CAPS))
    assert got["verdict"] == "supported", got["explanation"]
    assert "reading: the share count filed before" in got["explanation"]


# --- currencies the ECB does not publish ------------------------------------------------


def test_a_twd_conversion_is_unverifiable_with_the_reason() -> None:
    claim = {
        "claim_type": "currency_conversion",
        "value": 589e9,
        "unit": "currency",
        "currency": "USD",
        "counter_value": 19.3e12,
        "counter_currency": "TWD",
        "qualifier": "about",
        "reference_date": MON,
    }
    got = _judge(claim)
    assert got["verdict"] == "unverifiable"
    assert got["explanation"] == "the ECB publishes no TWD rate"


def test_a_twd_market_cap_change_is_unverifiable_with_the_reason() -> None:
    facts = _facts(
        _cap("NVDA", FRI, 142.62, NVDA_SHARES_2025, date(2024, 11, 15)),
        _cap("NVDA", MON, 118.42, NVDA_SHARES_2025, date(2024, 11, 15)),
    )
    got = _judge(_cap_claim(-19.3e12, MON, "蒸发19.3兆新台币", currency="TWD"), facts)
    assert (got["verdict"], got["explanation"]) == (
        "unverifiable",
        "the ECB publishes no TWD rate",
    )


# --- end to end: the extractor's claim, judged ------------------------------------------


def test_an_extracted_market_value_loss_is_judged_supported() -> None:
    aliases = AliasIndex.from_rows([("NVDA", ["Nvidia"])])
    text = "Nvidia shares sank 17% on Monday, wiping out $589 billion in market value."
    claims = extract_claims(
        text, article_id="a1", published_at=datetime(2025, 1, 28, 8, 0), aliases=aliases
    )
    rows = [{k: v for k, v in asdict(c).items() if k in CLAIMS_SCHEMA} for c in claims]
    frame = pl.DataFrame(rows, schema=CLAIMS_SCHEMA)
    facts = _facts(
        _cap("NVDA", FRI, 142.62, NVDA_SHARES_2025, date(2024, 11, 15)),
        _cap("NVDA", MON, 118.42, NVDA_SHARES_2025, date(2024, 11, 15)),
    )
    judged = judge_claims(frame, facts).select("claim_type", "reference_date", "verdict")
    assert judged.rows() == [
        ("price_move", MON, "supported"),
        ("market_cap_change", MON, "supported"),
    ]


def test_an_after_hours_figure_is_unverifiable_though_not_marked_intraday() -> None:
    # "in after-hours trading" right after the figure: the regular session's bars cannot hold it
    sentence = "The shares had dropped 6 per cent in after-hours trading on Monday evening."
    got = _judge(_move(-6.0, MON, "dropped 6 per cent", sentence=sentence))
    assert got["verdict"] == "unverifiable"
    assert "before or after the session" in got["explanation"]
