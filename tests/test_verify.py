"""Verdicts on the seed's figures and on both sides of every boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from newsdesk.tables import CLAIMS_SCHEMA
from newsdesk.verify import MarketFacts, judge_claims
from tests.builders import (
    CLOSES,
    D14,
    D15,
    D16,
    D17,
    SHARED_DATA,
    SHARES,
    USD_CNY,
    bar,
    claims_frame,
    openai_multiple,
    seed_caps,
    seed_facts,
)


def judge_one(claim: dict[str, Any], facts: MarketFacts | None = None) -> dict[str, Any]:
    out = judge_claims(claims_frame(claim), facts or seed_facts())
    return out.row(0, named=True)


def move(symbol: str, value: float, qualifier: str, span: str, day: date = D16, **kw: Any):
    return {
        "claim_type": "price_move",
        "subjects": [symbol],
        "value": value,
        "unit": "percent",
        "qualifier": qualifier,
        "reference_date": day,
        "span": span,
        **kw,
    }


def pct_change(new: float, old: float) -> float:
    return (new / old - 1) * 100


# --- the seed article's figures -------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "value", "qualifier", "span"),
    [
        ("ADBE", -7.0, "over", "暴跌超7%"),
        ("SSTK", -5.0, "over", "跌超5%"),
        ("GOOGL", -1.58, "exact", "下挫1.58%"),
    ],
)
def test_seed_price_moves_are_supported(symbol: str, value: float, qualifier: str, span: str):
    got = judge_one(move(symbol, value, qualifier, span))
    _, prev, close = CLOSES[symbol]
    assert got["verdict"] == "supported"
    assert got["observed"] == pytest.approx(pct_change(close, prev))
    assert f"{symbol} close {prev:.2f} → {close:.2f} on 2024-02-16" in got["explanation"]


def test_adbe_explanation_shows_the_arithmetic() -> None:
    got = judge_one(move("ADBE", -7.0, "over", "暴跌超7%"))
    assert got["explanation"].startswith(
        "ADBE close 590.44 → 546.66 on 2024-02-16 = −7.41%; stated: fell over 7%"
    )
    assert got["explanation"].endswith("→ supported")


def test_seed_market_cap_loss_is_supported() -> None:
    claim = {
        "claim_type": "market_cap_change",
        "subjects": ["ADBE", "SSTK", "GOOGL"],
        "value": -4.8e10,
        "unit": "currency",
        "currency": "USD",
        "counter_value": -3.5e11,
        "counter_currency": "CNY",
        "qualifier": "nearly",
        "reference_date": D16,
        "span": "近480亿美元",
    }
    got = judge_one(claim)
    expected = sum((c[2] - c[1]) * SHARES[s] for s, c in CLOSES.items())  # about -47.7e9
    assert got["verdict"] == "supported"
    assert got["observed"] == pytest.approx(expected)
    assert "ADBE" in got["explanation"] and "GOOGL" in got["explanation"]


def conversion(value: float, cur: str, counter: float, ccur: str, span: str | None, **kw: Any):
    return {
        "claim_type": "currency_conversion",
        "subjects": [],
        "value": value,
        "unit": "currency",
        "currency": cur,
        "counter_value": counter,
        "counter_currency": ccur,
        "qualifier": "about",
        "reference_date": D16,
        "span": span,
        **kw,
    }


def test_seed_conversion_is_supported_at_the_ecb_rate() -> None:
    got = judge_one(conversion(4.8e10, "USD", 3.5e11, "CNY", "480亿美元(约合人民币3500亿元)"))
    assert got["verdict"] == "supported"
    assert got["observed"] == pytest.approx(7.1936)
    # 3450/485 = 7.113, 3550/475 = 7.474
    assert "7.113…7.474" in got["explanation"]


def test_seed_valuation_multiple_is_supported() -> None:
    got = judge_one(openai_multiple())
    assert got["verdict"] == "supported"
    assert got["observed"] == pytest.approx(80 / 29)
    # nearly ×3: from 90% of 3 up to 3 plus half a whole unit
    assert "stated: nearly ×3 (accepts ×2.7…×3.5) → supported" in got["explanation"]


def test_wrong_fall_is_contradicted_showing_both_figures() -> None:
    prices = pl.DataFrame(
        [bar("ADBE", D15, 100.0), bar("ADBE", D16, 98.0)], schema=MarketFacts().prices.schema
    )
    got = judge_one(move("ADBE", -12.0, "exact", "暴跌12%"), seed_facts(prices=prices))
    assert got["verdict"] == "contradicted"
    assert got["observed"] == pytest.approx(-2.0)
    assert "−2.00%" in got["explanation"] and "fell 12%" in got["explanation"]


# --- boundaries: prev close 100, so the close is 100 + the move ------------------------


def boundary_facts(close: float, *, low: float | None = None, high: float | None = None):
    prices = pl.DataFrame(
        [bar("TEST", D15, 100.0), bar("TEST", D16, close, low=low, high=high)],
        schema=MarketFacts().prices.schema,
    )
    return seed_facts(prices=prices)


@pytest.mark.parametrize(
    ("value", "qualifier", "span", "close", "verdict"),
    [
        # over 7% fall: at least 7
        (-7.0, "over", "跌超7%", 93.01, "contradicted"),
        (-7.0, "over", "跌超7%", 93.00, "supported"),
        (-7.0, "over", "跌超7%", 92.99, "supported"),
        (-7.0, "over", "跌超7%", 70.00, "supported"),
        # exact 1.58: 1.574 … 1.586 (half a unit and a fifth more, for closing prints)
        (-1.58, "exact", "下挫1.58%", 98.427, "contradicted"),
        (-1.58, "exact", "下挫1.58%", 98.426, "supported"),
        (-1.58, "exact", "下挫1.58%", 98.414, "supported"),
        (-1.58, "exact", "下挫1.58%", 98.413, "contradicted"),
        # nearly 5% rise: 4.5 (90%) … 5.6 (+ precision)
        (5.0, "nearly", "涨近5%", 104.49, "contradicted"),
        (5.0, "nearly", "涨近5%", 104.50, "supported"),
        (5.0, "nearly", "涨近5%", 105.60, "supported"),
        (5.0, "nearly", "涨近5%", 105.61, "contradicted"),
        # about 10% fall: 10 ± (0.6 precision + 0.5 margin)
        (-10.0, "about", "跌约10%", 91.11, "contradicted"),
        (-10.0, "about", "跌约10%", 91.10, "supported"),
        (-10.0, "about", "跌约10%", 88.90, "supported"),
        (-10.0, "about", "跌约10%", 88.89, "contradicted"),
        # under 5% fall: strictly less than 5
        (-5.0, "under", "跌不到5%", 95.01, "supported"),
        (-5.0, "under", "跌不到5%", 95.00, "contradicted"),
        (-5.0, "under", "跌不到5%", 94.99, "contradicted"),
        # direction first: a stated fall on a rise is wrong whatever the size
        (-5.0, "under", "跌不到5%", 101.00, "contradicted"),
        (-7.0, "over", "跌超7%", 108.00, "contradicted"),
        (2.0, "exact", "涨2%", 98.00, "contradicted"),
    ],
)
def test_price_move_boundaries(
    value: float, qualifier: str, span: str, close: float, verdict: str
) -> None:
    got = judge_one(move("TEST", value, qualifier, span), boundary_facts(close))
    assert got["verdict"] == verdict, got["explanation"]
    assert got["observed"] == pytest.approx(close - 100.0)


@pytest.mark.parametrize(
    ("close", "verdict"),
    [(95.61, "contradicted"), (95.60, "supported"), (92.40, "supported"), (92.39, "contradicted")],
)
def test_range_is_judged_between_its_ends_widened_by_precision(close: float, verdict: str):
    claim = move("TEST", -5.0, "exact", "跌5%-7%", range_end=-7.0)
    got = judge_one(claim, boundary_facts(close))
    assert got["verdict"] == verdict, got["explanation"]


@pytest.mark.parametrize(
    ("value", "span", "verdict", "observed"),
    [
        (-8.0, "盘中一度跌超8%", "supported", -9.0),  # the day's low 91
        (3.0, "盘中一度涨超3%", "supported", 4.0),  # the day's high 104
        (-10.0, "盘中一度跌超10%", "contradicted", -9.0),
    ],
)
def test_intraday_uses_low_for_a_fall_and_high_for_a_rise(
    value: float, span: str, verdict: str, observed: float
) -> None:
    facts = boundary_facts(98.0, low=91.0, high=104.0)
    got = judge_one(move("TEST", value, "over", span, intraday=True), facts)
    assert got["verdict"] == verdict
    assert got["observed"] == pytest.approx(observed)


def test_without_intraday_the_close_is_used() -> None:
    facts = boundary_facts(98.0, low=91.0, high=104.0)
    got = judge_one(move("TEST", -8.0, "over", "跌超8%"), facts)
    assert (got["verdict"], got["observed"]) == ("contradicted", pytest.approx(-2.0))


# --- missing inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (move("ADBE", -7.0, "over", "跌超7%", day=D17), "no ADBE price on 2024-02-17"),
        (move("ADBE", -7.0, "over", "跌超7%", day=D14), "no ADBE close before 2024-02-14"),
        (move("ZZZZ", -7.0, "over", "跌超7%"), "unknown subject ZZZZ"),
        (
            move("ADBE", -7.0, "over", "跌超7%", day=None, date_note="次日: event Sora not found"),
            "no reference date (次日: event Sora not found)",
        ),
        (
            {**move("ADBE", -7.0, "over", "跌超7%"), "claim_type": "market_cap_change"},
            "no market cap for ADBE",
        ),
    ],
)
def test_missing_inputs_are_unverifiable_with_the_reason(claim: dict[str, Any], reason: str):
    facts = seed_facts(valuations=seed_caps(("SSTK", "GOOGL")))
    got = judge_one(claim, facts)
    assert got["verdict"] == "unverifiable"
    assert got["observed"] is None
    assert reason in got["explanation"]


def test_a_missing_market_cap_subject_is_named() -> None:
    claim = {
        "claim_type": "market_cap_change",
        "subjects": ["ADBE", "SSTK", "GOOGL"],
        "value": -4.8e10,
        "currency": "USD",
        "qualifier": "nearly",
        "reference_date": D16,
        "span": "近480亿美元",
    }
    got = judge_one(claim, seed_facts(valuations=seed_caps(("ADBE", "GOOGL"))))
    assert got["verdict"] == "unverifiable"
    assert "SSTK" in got["explanation"] and "ADBE" not in got["explanation"]


@pytest.mark.parametrize(
    ("value", "span", "verdict"),
    [(-3.5e11, "约3500亿元", "supported"), (-2.5e11, "约2500亿元", "contradicted")],
)
def test_market_cap_change_stated_in_cny_is_judged_at_the_days_rate(
    value: float, span: str, verdict: str
) -> None:
    claim = {
        "claim_type": "market_cap_change",
        "subjects": ["ADBE", "SSTK", "GOOGL"],
        "value": value,
        "currency": "CNY",
        "qualifier": "about",
        "reference_date": D16,
        "span": span,
    }
    got = judge_one(claim)
    usd = sum((c[2] - c[1]) * SHARES[s] for s, c in CLOSES.items())
    assert got["verdict"] == verdict
    assert got["observed"] == pytest.approx(usd * USD_CNY[D16])  # in the claim's own unit


# --- currency conversions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "verdict", "observed", "note"),
    [
        # 3200亿 needs USD/CNY 3150/485 … 3250/475 = 6.495 … 6.842
        (conversion(4.8e10, "USD", 3.2e11, "CNY", "480亿美元(约合人民币3200亿元)"),
         "contradicted", 7.1936, "ECB USD/CNY"),
        # crossing through USD: EUR/CNY = 7.1936 / 0.9282 = 7.750; 969/125 needs 7.717 … 7.787
        (conversion(1.25e10, "EUR", 9.69e10, "CNY", "125亿欧元(约合969亿元)"),
         "supported", 7.1936 / 0.9282, "EUR/CNY"),
        (conversion(1.25e10, "EUR", 9.0e10, "CNY", "125亿欧元(约合900亿元)"),
         "contradicted", 7.1936 / 0.9282, "EUR/CNY"),
        # a Saturday: Friday's rate carried forward, and said so
        (conversion(4.8e10, "USD", 3.5e11, "CNY", "480亿美元(约合3500亿元)", reference_date=D17),
         "supported", 7.1936, "rate of 2024-02-16"),
        # no reference date: the article's publication date (a Tuesday; the rate carried)
        (conversion(4.8e10, "USD", 3.5e11, "CNY", "480亿美元(约合3500亿元)", reference_date=None),
         "supported", 7.1936, "publication date 2024-02-20"),
    ],
)  # fmt: skip
def test_conversions(claim: dict[str, Any], verdict: str, observed: float, note: str) -> None:
    got = judge_one(claim)
    assert got["verdict"] == verdict, got["explanation"]
    assert got["observed"] == pytest.approx(observed)
    assert note in got["explanation"]


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (conversion(4.8e10, "USD", 7.0e12, "JPY", "480亿美元(约合7万亿日元)"),
         "no USD/JPY rate on or before 2024-02-16"),
        # a month after the last rate: too old to carry forward
        (conversion(4.8e10, "USD", 3.5e11, "CNY", None, reference_date=date(2024, 3, 18)),
         "no USD/CNY rate on or before 2024-03-18"),
        (conversion(4.8e10, "USD", 3.5e11, "CNY", None, reference_date=None, article_id="zz",
                    date_note="no date in text"),
         "no reference date (no date in text)"),
    ],
)  # fmt: skip
def test_conversion_without_a_rate_or_date_is_unverifiable(claim: dict[str, Any], reason: str):
    got = judge_one(claim)
    assert got["verdict"] == "unverifiable"
    assert reason in got["explanation"]


# --- valuations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "qualifier", "verdict"),
    [
        (2.45e11, "about", "supported"),
        (3.0e11, "exact", "contradicted"),
        # Adobe's cap is $245 billion: "$19.6 billion" is a change or another company's worth
        # misread as Adobe's, "$600 billion" no reading of it either: neither is judged
        (1.96e10, "about", "unverifiable"),
        (6.0e11, "exact", "unverifiable"),
    ],
)
def test_listed_valuation_is_judged_against_market_cap(value: float, qualifier: str, verdict: str):
    claim = {
        "claim_type": "valuation",
        "subjects": ["ADBE"],
        "value": value,
        "currency": "USD",
        "qualifier": qualifier,
        "reference_date": D16,
        "span": f"${value / 1e9:g} billion",
    }
    got = judge_one(claim)
    assert got["verdict"] == verdict
    if verdict == "unverifiable":
        assert "not this company's worth" in got["explanation"]
    else:
        assert got["observed"] == pytest.approx(546.66 * SHARES["ADBE"])


@pytest.mark.parametrize(
    ("qualifier", "verdict"), [("nearly", "supported"), ("over", "contradicted")]
)
def test_valuation_multiple(qualifier: str, verdict: str) -> None:
    assert judge_one(openai_multiple(qualifier=qualifier))["verdict"] == verdict


def test_valuation_change_without_its_valuations_is_unverifiable() -> None:
    claim = {"claim_type": "valuation_change", "subjects": ["OpenAI"], "value": 3.0}
    got = judge_one(claim)
    assert got["verdict"] == "unverifiable"
    assert "lacks" in got["explanation"]


# --- the frame as a whole ------------------------------------------------------------------


def test_frame_keeps_rows_and_columns_and_leaves_other_claims_null() -> None:
    claims = claims_frame(
        move("ADBE", -7.0, "over", "暴跌超7%"),
        {"claim_type": "other", "value": 85.0, "unit": "percent", "span": "85%"},
        move("ZZZZ", -1.0, "exact", "跌1%"),
    )
    out = judge_claims(claims, seed_facts())
    assert out.columns == claims.columns
    assert out.schema == claims.schema
    assert out["claim_id"].to_list() == ["c0", "c1", "c2"]
    assert out["verdict"].to_list() == ["supported", None, "unverifiable"]
    assert out["explanation"][1] is None and out["observed"][1] is None


def test_empty_claims_frame() -> None:
    out = judge_claims(claims_frame(), MarketFacts())
    assert out.height == 0 and out.columns == list(CLAIMS_SCHEMA)


# --- the seed figures against the real recorded data (read from ../shared at run time) ------

SHARED = SHARED_DATA
YAHOO_CSV = SHARED / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
ECB_CSV = SHARED / "fx" / "eurofxref-hist_1999-01-04_to_2025-05-09.csv"


def real_facts() -> MarketFacts:
    if not (YAHOO_CSV.is_dir() and ECB_CSV.is_file()):
        pytest.skip(f"real data not found under {SHARED}")
    frames = [
        pl.read_csv(YAHOO_CSV / f"{symbol}.csv", try_parse_dates=True)
        .filter(pl.col("Date").is_between(D14, D16))
        .select(
            symbol=pl.lit(symbol),
            date="Date",
            open="Open",
            high="High",
            low="Low",
            close="Close",
            adj_close="Adj Close",
            volume=pl.col("Volume").cast(pl.Int64),
            source=pl.lit("yahoo"),
        )
        for symbol in CLOSES
    ]
    # ECB rates are EUR-based: USD→CNY is (EUR→CNY) ÷ (EUR→USD), as Frankfurter computes it
    ecb = pl.read_csv(ECB_CSV, try_parse_dates=True, infer_schema_length=0).select(
        date=pl.col("Date").str.to_date(),
        rate=pl.col("CNY").cast(pl.Float64, strict=False) / pl.col("USD").cast(pl.Float64),
    )
    fx = ecb.filter(pl.col("date").is_between(D14, D16)).select(
        "date", base=pl.lit("USD"), quote=pl.lit("CNY"), rate=pl.col("rate").round(4),
        source=pl.lit("ecb"),
    )  # fmt: skip
    return seed_facts(prices=pl.concat(frames), fx_rates=fx)


def test_seed_figures_against_real_data() -> None:
    claims = claims_frame(
        move("ADBE", -7.0, "over", "暴跌超7%"),
        move("SSTK", -5.0, "over", "跌超5%"),
        move("GOOGL", -1.58, "exact", "下挫1.58%"),
        conversion(4.8e10, "USD", 3.5e11, "CNY", "480亿美元(约合人民币3500亿元)"),
    )
    out = judge_claims(claims, real_facts())
    assert out["verdict"].to_list() == ["supported"] * 4
    assert out["observed"].round(2).to_list() == [-7.41, -5.44, -1.58, 7.19]
