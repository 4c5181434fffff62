"""The precision a stated figure carries and the interval its qualifier allows."""

from __future__ import annotations

import math

import pytest

from newsdesk.verify import (
    VerifyPolicy,
    figure_precision,
    judge_claims,
    stated_interval,
    written_figures,
)
from tests.builders import D16, claims_frame, seed_facts


@pytest.mark.parametrize(
    ("span", "value", "whole_units", "expected"),
    [
        ("7%", -7.0, True, 0.5),
        ("超7%", -7.0, True, 0.5),
        ("1.58%", -1.58, True, 0.005),
        ("1.20%", 1.2, True, 0.005),  # a written trailing decimal zero is significant
        ("10%", 10.0, True, 0.5),  # percentages are read to whole units at least
        ("百分之七点五", 7.5, True, 0.05),
        ("百分之三十", 30.0, True, 0.5),
        ("７％", 7.0, True, 0.5),  # full-width digits
        ("3500亿元", 3.5e11, False, 5e9),  # 3500亿: stated to the 百亿
        ("约合人民币3500亿元", 3.5e11, False, 5e9),
        ("近480亿美元", -4.8e10, False, 5e8),  # 480亿: stated to the 十亿
        ("三千五百亿元", 3.5e11, False, 5e9),
        ("3000亿元", 3e11, False, 5e10),  # a round 3000亿 is stated only to the 千亿
        ("1.2万亿美元", 1.2e12, False, 5e10),
        ("$1.2 trillion", 1.2e12, False, 5e10),
        ("$48 billion", 4.8e10, False, 5e8),
        ("2,000", 2000.0, False, 500.0),  # trailing zeros of an integer are not significant
        ("2,500", 2500.0, False, 50.0),
        ("1,234", 1234.0, False, 0.5),
        ("将近两倍", 3.0, True, 0.5),  # 增加了两倍 states a ratio of 3, read to whole units
        # the span holds both figures of a conversion: each value finds its own
        ("480亿美元(约合人民币3500亿元)", 4.8e10, False, 5e8),
        ("480亿美元(约合人民币3500亿元)", 3.5e11, False, 5e9),
        # the span states only the counter amount: fall back to the value's own digits
        ("约合人民币3500亿元", 4.8e10, False, 5e8),
        (None, -4.8e10, False, 5e8),
        (None, -1.58, True, 0.005),
        (None, 7.0, True, 0.5),
        # colloquial and traditional numerals
        ("三千五亿美元", 3.5e11, False, 5e9),
        ("近五千九百億美元", -5.9e11, False, 5e9),
        ("2兆美元", 2e12, False, 5e11),
        ("百分之十七点五", 17.5, True, 0.05),
    ],
)
def test_precision_is_half_the_last_significant_digit(
    span: str | None, value: float, whole_units: bool, expected: float
) -> None:
    got = figure_precision(value, span_text=span, whole_units=whole_units)
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # each figure with its magnitude, to its last written digit, as the extractor reads it
        ("480亿美元(约合人民币3500亿元)", [(4.8e10, 1e8), (3.5e11, 1e8)]),
        ("$48 billion", [(4.8e10, 1e9)]),
        ("2.5兆美元", [(2.5e12, 1e11)]),
        ("三千五亿美元", [(3.5e11, 1e10)]),
        ("百分之十七点五", [(17.5, 0.1)]),
        ("蒸發近5900億美元", [(5.9e11, 1e8)]),
        ("一万五千", [(15000.0, 1000.0)]),
        ("三千零五", [(3005.0, 1.0)]),
        ("三千五", [(3500.0, 100.0)]),  # colloquial: the bare digit is the hundreds
        ("十五", [(15.0, 1.0)]),
        ("七点五", [(7.5, 0.1)]),
        ("两千亿", [(2e11, 1e11)]),
        ("5%-7%", [(5.0, 1.0), (7.0, 1.0)]),
        ("亿元", []),
        (None, []),
    ],
)
def test_written_figures(span: str | None, expected: list[tuple[float, float]]) -> None:
    got = written_figures(span)
    assert [(pytest.approx(v), pytest.approx(p)) for v, p in got] == expected


POLICY = VerifyPolicy()


@pytest.mark.parametrize(
    ("value", "qualifier", "span", "claim_type", "expected"),
    [
        # over: at least the stated figure, no upper limit
        (-7.0, "over", "超7%", "price_move", (-math.inf, -7.0)),
        (7.0, "over", "涨超7%", "price_move", (7.0, math.inf)),
        # exact: the precision interval (a move's half unit and a fifth more, for closing prints)
        (-1.58, "exact", "1.58%", "price_move", (-1.586, -1.574)),
        # about: precision widened by 5% of the stated figure (7 ± (0.6 + 0.35))
        (-7.0, "about", "约7%", "price_move", (-7.95, -6.05)),
        # nearly: down to 90% of the figure, up to the figure plus its precision
        (5.0, "nearly", "近5%", "price_move", (4.5, 5.6)),
        # under: from zero up to the figure
        (-5.0, "under", "不到5%", "price_move", (-5.0, 0.0)),
        # nearly 480亿, then the 15% market-cap floor widens both ends: 48e9 * (1 ± 0.15)
        (-4.8e10, "nearly", "近480亿美元", "market_cap_change", (-5.52e10, -4.08e10)),
        # exact $245 billion with the 15% valuation floor: ±36.75e9 beats ±0.5e9
        (2.45e11, "exact", "$245 billion", "valuation", (2.0825e11, 2.8175e11)),
        # 将近两倍 as a ratio of 3: 2.7 … 3.5
        (3.0, "nearly", "将近两倍", "valuation_change", (2.7, 3.5)),
    ],
)
def test_stated_interval(
    value: float,
    qualifier: str,
    span: str,
    claim_type: str,
    expected: tuple[float, float],
) -> None:
    lo, hi = stated_interval(value, qualifier, span_text=span, policy=POLICY, claim_type=claim_type)
    assert (lo, hi) == (pytest.approx(expected[0]), pytest.approx(expected[1]))


def test_policy_margins_and_floors_are_honoured() -> None:
    policy = VerifyPolicy(about_margin=0.10, nearly_margin=0.20, floors={"price_move": 0.10})
    about = stated_interval(
        10.0, "about", span_text="约10%", policy=policy, claim_type="price_move"
    )
    nearly = stated_interval(
        10.0, "nearly", span_text="近10%", policy=policy, claim_type="price_move"
    )
    exact = stated_interval(10.0, "exact", span_text="10%", policy=policy, claim_type="price_move")
    assert about == (pytest.approx(8.4), pytest.approx(11.6))  # 10 ± (0.6 + 1.0)
    assert nearly == (pytest.approx(8.0), pytest.approx(11.0))  # floor 10% lifts the top
    assert exact == (pytest.approx(9.0), pytest.approx(11.0))  # floor beats precision 0.5


@pytest.mark.parametrize(
    ("value", "precision", "whole_units", "expected"),
    [
        (-7.41, 0.01, True, 0.005),
        (1.2, 0.01, True, 0.005),  # "1.20%": the written zero counts, whatever the value says
        (30.0, 10.0, True, 0.5),  # 百分之三十: percentages are read to whole units at least
        (-4.8e10, 1e8, False, 5e8),  # 480亿: the trailing zero of an amount is a placeholder
        (3e11, 1e8, False, 5e10),  # 3000亿 is stated to the 千亿
        (3.5e11, 1e10, False, 5e9),  # 三千五百亿
        (4.8e10, 1e9, False, 5e8),  # $48 billion
        (1.2e12, 1e11, False, 5e10),  # 1.2万亿
    ],
)
def test_precision_stored_with_the_claim_is_used(
    value: float, precision: float, whole_units: bool, expected: float
) -> None:
    # no span at all: only the stored precision can say how the figure was written
    got = figure_precision(value, span_text=None, whole_units=whole_units, precision=precision)
    assert got == pytest.approx(expected, rel=1e-9)


def test_stored_precision_beats_the_value_s_own_digits() -> None:
    # "1.20%" stored as 1.2: its own digits would say 0.1, the writing said 0.01
    assert figure_precision(1.2, span_text=None, whole_units=True) == pytest.approx(0.05)
    stored = figure_precision(1.2, span_text=None, whole_units=True, precision=0.01)
    assert stored == pytest.approx(0.005)


GOOGL_FEB16 = (140.52 / 142.77 - 1) * 100  # −1.576%


@pytest.mark.parametrize(
    ("span", "precision", "verdict"),
    [
        # stated "1.6%": 1.55…1.65 holds −1.576%
        (None, 0.1, "supported"),
        # stated "1.60%": 1.595…1.605 does not; the stored precision says so without a span
        (None, 0.01, "contradicted"),
        # an old row without the column: the span is read again, to the same answer
        ("下挫1.60%", None, "contradicted"),
        ("下挫1.6%", None, "supported"),
    ],
)
def test_the_verifier_judges_to_the_claim_s_precision(
    span: str | None, precision: float | None, verdict: str
) -> None:
    claim = {
        "claim_type": "price_move",
        "subjects": ["GOOGL"],
        "value": -1.6,
        "unit": "percent",
        "qualifier": "exact",
        "reference_date": D16,
        "span": span,
        "precision": precision,
    }
    got = judge_claims(claims_frame(claim), seed_facts()).row(0, named=True)
    assert got["observed"] == pytest.approx(GOOGL_FEB16)
    assert got["verdict"] == verdict
