"""Numerals, magnitudes, units, currencies, qualifiers and ranges in find_figures."""

import pytest

from newsdesk.extract.numbers import find_figures
from newsdesk.extract.numerals import parse_number


@pytest.mark.parametrize(
    ("numeral", "expected"),
    [
        ("1.58", 1.58),
        ("3,500", 3500.0),
        ("1,234,567.5", 1234567.5),
        ("七点五", 7.5),
        ("两千", 2000.0),
        ("十五", 15.0),
        ("二十", 20.0),
        ("一百零五", 105.0),
        ("三千五百亿", 350_000_000_000.0),
        ("两千亿", 200_000_000_000.0),
        ("一万二千", 12_000.0),
        ("三万亿", 3_000_000_000_000.0),
        ("一亿五千万", 150_000_000.0),
        ("千亿", 100_000_000_000.0),
        # colloquial: 三千五 is 3500, not 3005
        ("三千五", 3500.0),
        ("两万五", 25_000.0),
        ("一万二", 12_000.0),
        ("三千五亿", 350_000_000_000.0),
        ("一亿二", 120_000_000.0),
        ("十七", 17.0),
        ("十七点五", 17.5),
        ("两千七百七十亿", 277_000_000_000.0),
        ("5890", 5890.0),
        ("两兆", 2e12),
        ("三千五百億", 350_000_000_000.0),
        ("兩萬五", 25_000.0),
    ],
)
def test_parse_number(numeral: str, expected: float) -> None:
    assert parse_number(numeral) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "value", "unit", "currency", "qualifier"),
    [
        ("股价暴跌超7%", 7.0, "percent", None, "over"),
        ("下挫1.58%", 1.58, "percent", None, "exact"),
        ("百分之七点五", 7.5, "percent", None, "exact"),
        ("蒸发近480亿美元", 48_000_000_000.0, "currency", "USD", "nearly"),
        ("约合人民币3500亿元", 350_000_000_000.0, "currency", "CNY", "about"),
        ("三千五百亿元", 350_000_000_000.0, "currency", "CNY", "exact"),
        ("约1.2万亿日元", 1.2e12, "currency", "JPY", "about"),
        ("5千亿美元", 5e11, "currency", "USD", "exact"),
        ("千亿港元", 1e11, "currency", "HKD", "exact"),
        ("20亿欧元", 2e9, "currency", "EUR", "exact"),
        ("$1.2 trillion", 1.2e12, "currency", "USD", "exact"),
        ("US$48bn", 4.8e10, "currency", "USD", "exact"),
        ("HK$3.5 billion", 3.5e9, "currency", "HKD", "exact"),
        ("€5mn", 5e6, "currency", "EUR", "exact"),
        ("USD 200 million", 2e8, "currency", "USD", "exact"),
        ("300 billion yen", 3e11, "currency", "JPY", "exact"),
        ("¥350 billion", 3.5e11, "currency", "CNY", "exact"),
        ("40多个国家", 40.0, "count", None, "over"),
        ("40多亿人", 4e9, "count", None, "over"),
        ("40个交易者", 40.0, "count", None, "exact"),  # 个 of people, not of a duration
        ("逾百万人", 1e6, "count", None, "over"),
        ("1.2 million users", 1.2e6, "count", None, "exact"),
        ("大约85%的美国人", 85.0, "percent", None, "about"),
        ("85%左右", 85.0, "percent", None, "about"),
        ("roughly 12%", 12.0, "percent", None, "about"),
        ("closed 17pc lower", 17.0, "percent", None, "exact"),  # British papers' "pc"
        ("more than 7%", 7.0, "percent", None, "over"),
        ("almost 17%", 17.0, "percent", None, "nearly"),
        ("less than 2%", 2.0, "percent", None, "under"),
        ("不足3%", 3.0, "percent", None, "under"),
        # regional currencies: Malaysia, Hong Kong, Taiwan, the UK
        ("RM1.2 billion", 1.2e9, "currency", "MYR", "exact"),
        ("RM 500 million", 5e8, "currency", "MYR", "exact"),
        ("MYR 3bn", 3e9, "currency", "MYR", "exact"),
        ("120亿令吉", 1.2e10, "currency", "MYR", "exact"),
        ("3.5 billion ringgit", 3.5e9, "currency", "MYR", "exact"),
        ("港幣300億元", 3e10, "currency", "HKD", "exact"),
        ("300億港幣", 3e10, "currency", "HKD", "exact"),
        ("约500亿港币", 5e10, "currency", "HKD", "about"),
        ("新台幣5000億元", 5e11, "currency", "TWD", "exact"),
        ("新台币5000亿元", 5e11, "currency", "TWD", "exact"),
        ("800億台幣", 8e10, "currency", "TWD", "exact"),
        ("新臺幣1.5兆元", 1.5e12, "currency", "TWD", "exact"),
        ("3台电脑", 3.0, "count", None, "exact"),  # 台 alone still counts machines
        ("NT$1.2 trillion", 1.2e12, "currency", "TWD", "exact"),
        ("TWD 50 billion", 5e10, "currency", "TWD", "exact"),
        ("2兆新台幣", 2e12, "currency", "TWD", "exact"),
        ("£5bn", 5e9, "currency", "GBP", "exact"),
        ("GBP 200 million", 2e8, "currency", "GBP", "exact"),
        ("20億英鎊", 2e9, "currency", "GBP", "exact"),
        ("20亿英镑", 2e9, "currency", "GBP", "exact"),
        ("5 billion pounds", 5e9, "currency", "GBP", "exact"),
        ("300 million pounds sterling", 3e8, "currency", "GBP", "exact"),
        ("480亿美金", 4.8e10, "currency", "USD", "exact"),
        ("US$48bn", 4.8e10, "currency", "USD", "exact"),
        ("人民幣3500億元", 3.5e11, "currency", "CNY", "exact"),
        ("3500萬元", 3.5e7, "currency", "CNY", "exact"),
        # 兆 is 10^12 in Hong Kong and Taiwan financial text; colloquial numerals
        ("2兆美元", 2e12, "currency", "USD", "exact"),
        ("逾2.5兆美元", 2.5e12, "currency", "USD", "over"),
        ("三千五亿美元", 3.5e11, "currency", "USD", "exact"),
        ("近五千九百億美元", 5.9e11, "currency", "USD", "nearly"),
        ("百分之十七點五", 17.5, "percent", None, "exact"),
        ("上升3個百分點", 3.0, "points", None, "exact"),
    ],
)
def test_single_figure(
    text: str, value: float, unit: str, currency: str | None, qualifier: str
) -> None:
    [fig] = find_figures(text)
    assert fig.value == pytest.approx(value)
    assert (fig.unit, fig.currency, fig.qualifier) == (unit, currency, qualifier)


def test_yen_sign_reads_as_yen_in_a_japanese_context() -> None:
    [fig] = find_figures("¥1.2 trillion", yen=True)
    assert (fig.value, fig.currency) == (1.2e12, "JPY")


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("跌5%至7%", 5.0, 7.0),
        ("5%-7%", 5.0, 7.0),
        ("5-7%", 5.0, 7.0),
        ("fell 5% to 7%", 5.0, 7.0),
        ("fell 5 to 7 percent", 5.0, 7.0),
        ("between 5% and 7%", 5.0, 7.0),
    ],
)
def test_ranges(text: str, first: float, second: float) -> None:
    [fig] = find_figures(text)
    assert (fig.value, fig.range_end, fig.unit) == (first, second, "percent")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("fell 5% to $120", [(5.0, "percent"), (120.0, "currency")]),
        ("rose 5% and 7%", [(5.0, "percent"), (7.0, "percent")]),
        ("from $29 billion to $80 billion", [(29e9, "currency"), (80e9, "currency")]),
    ],
)
def test_not_ranges(text: str, values: list[tuple[float, str]]) -> None:
    figures = find_figures(text)
    assert [(f.value, f.unit) for f in figures] == values
    assert all(f.range_end is None for f in figures)


@pytest.mark.parametrize(
    "text",
    [
        "54fbb2fb43166d2224b401c551e99cfa9252d2f3.jpg",
        "www.4399j.cc",
        "GPT-4 and H100 chips",
        "Llama 3 was released",
        "一天内掀起了一股风潮，两大隐患，三家公司",
        "希望筹集数十亿美元",
        "希望籌集數十億美元",
        "幾百億美元",
        "单位：亿元",  # a unit word alone is not a figure
        "兆瓦级电站",
        "在不到十個月前",
        "浏览:0",
        "3 times as fast",
        "5 pcs in the box",
        # durations say when, not what: nothing to check against market data
        "在不到10个月里",
        "在不到十个月前",
        "十多个月后",
        "三个交易日内",
        "less than 10 months earlier",
        "over 30 days",
        "for 3 weeks",
    ],
)
def test_not_figures(text: str) -> None:
    assert find_figures(text) == []


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("約2兆5912億令吉", 2.5912e12, "MYR"),  # one amount in two magnitudes
        ("3亿5千万元", 3.5e8, "CNY"),
        ("2兆美元", 2e12, "USD"),
    ],
)
def test_an_amount_written_in_two_magnitudes_is_one_figure(
    text: str, value: float, currency: str
) -> None:
    [fig] = find_figures(text)
    assert (fig.value, fig.currency) == (pytest.approx(value), currency)
