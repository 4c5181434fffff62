"""The one numeral reader: values, written precision, colloquial and traditional Chinese,
against cn2an as an oracle, and extraction and verification reading a span the same way."""

from __future__ import annotations

import random
import re
from datetime import datetime

import cn2an
import pytest

from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.entities import AliasIndex
from newsdesk.extract.numbers import find_figures
from newsdesk.extract.numerals import find_numerals, parse_number, read_numeral
from newsdesk.verify.precision import figure_precision, match_figure

# traditional characters and 两 for 二 change the writing, never the value
_TRADITIONAL = str.maketrans({"万": "萬", "亿": "億", "两": "兩", "点": "點"})


def _sample_integers(n: int, seed: int) -> list[int]:
    """Integers 1..10^12, log-uniform so every magnitude is well covered, plus round ones."""
    rng = random.Random(seed)
    found = {int(10 ** rng.uniform(0, 12)) for _ in range(n)}
    # round figures are how news writes: 3500亿, 2770亿, 一万亿
    found |= {rng.randint(1, 99) * 10 ** rng.randint(0, 10) for _ in range(n // 4)}
    return sorted(x for x in found if 1 <= x <= 10**12)


def _place_of_last_nonzero_digit(n: int) -> int:
    place = 1
    while n % (place * 10) == 0:
        place *= 10
    return place


@pytest.mark.parametrize(
    ("numeral", "value", "precision"),
    [
        # colloquial: a bare last digit takes the place below the unit before it
        ("三千五", 3500, 100),
        ("两万五", 25_000, 1000),
        ("一万二", 12_000, 1000),
        ("三千五亿", 3.5e11, 1e10),
        ("一亿二", 1.2e8, 1e7),
        ("十万五", 105_000, 1000),
        ("三万五亿", 3.5e12, 1e11),
        # after 零 the bare digit is a units digit; before another big unit it is its own
        ("三千零五", 3005, 1),
        ("一万零二", 10_002, 1),
        ("三亿五万", 300_050_000, 1e4),
        ("十七", 17, 1),
        ("十", 10, 10),
        ("两千七百七十亿", 2.77e11, 1e9),
        ("三千五百亿", 3.5e11, 1e10),
        ("十七点五", 17.5, 0.1),
        ("三点零五", 3.05, 0.01),
        ("三点五亿", 3.5e8, 1e7),
        ("一万二千亿", 1.2e12, 1e11),
        ("一兆二千亿", 1.2e12, 1e11),
        ("两兆", 2e12, 1e12),
        ("千亿", 1e11, 1e11),
        ("二〇二四", 2024, 1),
        # traditional characters read as their simplified ones
        ("三千五百億", 3.5e11, 1e10),
        ("兩萬五", 25_000, 1000),
        ("一億二", 1.2e8, 1e7),
        ("十七點五", 17.5, 0.1),
        # Arabic: the last written digit, zeros included (their weight is the verifier's rule)
        ("7.41", 7.41, 0.01),
        ("1.20", 1.2, 0.01),
        ("480", 480, 1),
        ("5890", 5890, 1),
        ("3,500", 3500, 1),
        ("1,234,567.5", 1_234_567.5, 0.1),
        ("７.５", 7.5, 0.1),
    ],
)
def test_read_numeral(numeral: str, value: float, precision: float) -> None:
    got = read_numeral(numeral)
    assert (got.value, got.precision) == (pytest.approx(value), pytest.approx(precision))
    assert parse_number(numeral) == got.value


@pytest.mark.parametrize("numeral", ["", "亿", "万亿", "亿万", "三五千", "七点", "点五万元"])
def test_not_a_numeral(numeral: str) -> None:
    with pytest.raises(ValueError):
        read_numeral(numeral)


@pytest.mark.parametrize(
    ("text", "value", "precision", "unit", "currency"),
    [
        ("7.41%", 7.41, 0.01, "percent", None),
        ("下挫1.58%", 1.58, 0.01, "percent", None),
        ("三千五百亿元", 3.5e11, 1e10, "currency", "CNY"),
        ("近480亿美元", 4.8e10, 1e8, "currency", "USD"),
        ("$48 billion", 4.8e10, 1e9, "currency", "USD"),
        ("三千五亿美元", 3.5e11, 1e10, "currency", "USD"),
        ("一亿二美元", 1.2e8, 1e7, "currency", "USD"),
        ("百分之十七点五", 17.5, 0.1, "percent", None),
        ("百分之十七", 17.0, 1.0, "percent", None),
        ("两千七百七十亿美元", 2.77e11, 1e9, "currency", "USD"),
        ("5890亿美元", 5.89e11, 1e8, "currency", "USD"),
        ("1.2万亿美元", 1.2e12, 1e11, "currency", "USD"),
        ("2兆美元", 2e12, 1e12, "currency", "USD"),
        ("2.5兆美元", 2.5e12, 1e11, "currency", "USD"),
        ("5890億美元", 5.89e11, 1e8, "currency", "USD"),
        ("1.2萬億美元", 1.2e12, 1e11, "currency", "USD"),
        ("三千五百億元", 3.5e11, 1e10, "currency", "CNY"),
        ("百分之十七點五", 17.5, 0.1, "percent", None),
        ("两万五千人", 25_000.0, 1000.0, "count", None),
    ],
)
def test_figure_carries_value_and_precision(
    text: str, value: float, precision: float, unit: str, currency: str | None
) -> None:
    [fig] = find_figures(text)
    assert (fig.value, fig.precision) == (pytest.approx(value), pytest.approx(precision))
    assert (fig.unit, fig.currency) == (unit, currency)


@pytest.mark.parametrize(
    ("text", "value", "range_end", "precision", "end_precision"),
    [
        ("5.5-7%", 5.5, 7.0, 0.1, 1.0),
        ("跌5%至7.25%", 5.0, 7.25, 1.0, 0.01),
        ("fell 5.25% to 7%", 5.25, 7.0, 0.01, 1.0),
    ],
)
def test_a_range_carries_the_precision_of_its_first_end(
    text: str, value: float, range_end: float, precision: float, end_precision: float
) -> None:
    [fig] = find_figures(text)
    assert (fig.value, fig.range_end, fig.precision) == (value, range_end, precision)
    # the other end's precision is read from the span by the verifier, with the same reader
    span = text[fig.start : fig.end]
    assert match_figure(value, span) == (value, precision)
    assert match_figure(range_end, span) == (range_end, end_precision)


def test_a_sign_keeps_the_precision() -> None:
    [fig] = find_figures("−1.58%")
    assert (fig.value, fig.precision) == (-1.58, 0.01)


# --- cn2an as an oracle (dev only): its writing of n must read back as n --------------


@pytest.mark.parametrize("seed", [8, 13])
def test_integers_written_by_cn2an_read_back(seed: int) -> None:
    wrong = []
    for n in _sample_integers(2000, seed):
        written = cn2an.an2cn(n)
        variants = {written, written.translate(_TRADITIONAL)}
        # 两 before a unit is as common as 二 (两千亿)
        variants.add(re.sub("二(?=[千百万亿])", "两", written))
        for text in variants:
            got = read_numeral(text)
            place = _place_of_last_nonzero_digit(n)
            if (got.value, got.precision) != (n, place):
                wrong.append((n, text, got))
    assert not wrong, wrong[:10]


def test_decimals_written_by_cn2an_read_back() -> None:
    rng = random.Random(21)
    wrong = []
    for _ in range(1500):
        whole = int(10 ** rng.uniform(0, 9)) if rng.random() < 0.9 else 0
        decimals = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(1, 4)))
        arabic = f"{whole}.{decimals}"
        written = cn2an.an2cn(arabic)
        digits_after_point = len(written.partition("点")[2])
        for text in (written, written.translate(_TRADITIONAL)):
            got = read_numeral(text)
            if got.value != pytest.approx(float(arabic), rel=1e-12) or got.precision != (
                pytest.approx(10.0**-digits_after_point)
            ):
                wrong.append((arabic, text, got))
    assert not wrong, wrong[:10]


def test_cn2an_percentages_read_as_figures() -> None:
    rng = random.Random(5)
    for _ in range(300):
        pct = f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"
        [fig] = find_figures("下跌百分之" + cn2an.an2cn(pct))
        assert (fig.value, fig.unit, fig.precision) == (pytest.approx(float(pct)), "percent", 0.1)


# --- extraction and verification read a span the same way -----------------------------

ALIASES = AliasIndex.from_rows(
    [("NVDA", ["英伟达", "英偉達", "Nvidia"]), ("ADBE", ["Adobe"]), ("GOOGL", ["Alphabet"])]
)
TEXTS = [
    "2025年1月27日，英伟达收盘下跌16.97%，市值蒸发约5890亿美元。",
    "英伟达周一股价暴跌百分之十七，市值蒸发近五千九百亿美元。",
    # traditional numerals and currency in a sentence whose move words the lexicon knows
    "英伟达股价下跌17%，市值蒸发近5900億美元（约合人民幣4.3萬億元）。",
    "英伟达市值一夜蒸发三千五亿美元。",
    "Nvidia shares fell 16.97% on Monday, wiping out $589 billion in market value.",
    "Adobe的估值为2.5兆美元。",
    "Adobe股价周五暴跌超7%，市值蒸发近480亿美元(约合人民币3500亿元)。",
    "Alphabet fell 1.60% and lost about $30.0 billion of market value.",
]


def _claims(text: str) -> list[Claim]:
    return extract_claims(
        text, article_id="t", published_at=datetime(2025, 1, 28, 8), aliases=ALIASES
    )


def test_every_figure_claim_carries_its_precision() -> None:
    claims = [c for text in TEXTS for c in _claims(text)]
    assert all(c.precision is not None for c in claims if c.unit != "ratio")


@pytest.mark.parametrize(
    ("text", "claim_type", "value", "precision"),
    [
        (TEXTS[0], "price_move", -16.97, 0.01),
        (TEXTS[0], "market_cap_change", -5.89e11, 1e8),
        (TEXTS[1], "price_move", -17.0, 1.0),
        (TEXTS[1], "market_cap_change", -5.9e11, 1e10),  # 五千九百亿
        (TEXTS[2], "market_cap_change", -5.9e11, 1e8),  # 5900億
        (TEXTS[2], "currency_conversion", 5.9e11, 1e8),
        (TEXTS[3], "market_cap_change", -3.5e11, 1e10),  # 三千五亿
        (TEXTS[4], "market_cap_change", -5.89e11, 1e9),  # $589 billion
        (TEXTS[6], "currency_conversion", 4.8e10, 1e8),
    ],
)
def test_the_claim_holds_the_precision_of_its_figure(
    text: str, claim_type: str, value: float, precision: float
) -> None:
    [claim] = [c for c in _claims(text) if c.claim_type == claim_type]
    assert (claim.value, claim.precision) == (pytest.approx(value), pytest.approx(precision))


@pytest.mark.parametrize("text", TEXTS)
def test_extraction_and_verification_read_the_span_alike(text: str) -> None:
    claims = [c for c in _claims(text) if c.precision is not None]
    assert claims
    for c in claims:
        assert c.value is not None
        # the verifier, reading the stored span again, finds the figure the extractor found
        assert match_figure(c.value, c.span) == (abs(c.value), pytest.approx(c.precision))
        for whole_units in (False, True):
            from_span = figure_precision(c.value, span_text=c.span, whole_units=whole_units)
            stored = figure_precision(
                c.value, span_text=None, whole_units=whole_units, precision=c.precision
            )
            assert from_span == pytest.approx(stored)


@pytest.mark.parametrize(
    "span",
    ["暴跌超7%", "下挫1.58%", "近480亿美元(约合人民币3500亿元)", "三千五亿美元", "$48 billion",
     "2.5兆美元", "百分之十七点五", "蒸發近5900億美元", "两千七百七十亿美元", "US$1.2tn",
     "5千亿美元", "3千万人", "40多亿人"],
)  # fmt: skip
def test_find_figures_and_find_numerals_agree(span: str) -> None:
    figures = [(f.value, f.precision) for f in find_figures(span)]
    numerals = [(n.value, n.precision) for n in find_numerals(span)]
    assert [(abs(v), p) for v, p in figures] == numerals
