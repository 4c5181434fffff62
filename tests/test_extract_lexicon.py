"""Qualifiers, move words, negations, collectives and the multiples table."""

import pytest

from newsdesk.extract import lexicon
from newsdesk.extract.multiples import find_multiples


@pytest.mark.parametrize(
    ("before", "qualifier"),
    [
        ("约", "about"), ("约合", "about"), ("大约", "about"), ("about ", "about"),
        ("roughly ", "about"), ("around ", "about"), ("approximately ", "about"),
        ("超", "over"), ("超过", "over"), ("逾", "over"), ("more than ", "over"),
        ("over ", "over"), ("above ", "over"),
        ("近", "nearly"), ("将近", "nearly"), ("接近", "nearly"), ("逼近", "nearly"),
        ("nearly ", "nearly"), ("almost ", "nearly"), ("close to ", "nearly"),
        ("不到", "under"), ("低于", "under"), ("不足", "under"), ("less than ", "under"),
        ("under ", "under"),
    ],
)  # fmt: skip
def test_qualifier_before(before: str, qualifier: str) -> None:
    found = lexicon.qualifier_before("股价" + before)
    assert found is not None and found[0] == qualifier


@pytest.mark.parametrize(("after", "qualifier"), [("左右", "about"), ("以上", "over")])
def test_qualifier_after(after: str, qualifier: str) -> None:
    assert lexicon.qualifier_after(after + "。") == (qualifier, len(after))


def test_no_qualifier_inside_words() -> None:
    assert lexicon.qualifier_before("Moreover ") is None
    assert lexicon.qualifier_before("股价") is None


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("股价跌", -1), ("下跌", -1), ("暴跌超", -1), ("下挫", -1), ("重挫", -1), ("收跌", -1),
        ("蒸发近", -1), ("缩水", -1), ("跳水", -1), ("shares fell ", -1), ("dropped ", -1),
        ("slid ", -1), ("plunged nearly ", -1), ("tumbled ", -1), ("sank ", -1), ("lost ", -1),
        ("wiped out ", -1), ("declined ", -1),
        ("涨", 1), ("上涨", 1), ("大涨", 1), ("飙升", 1), ("收涨", 1), ("rose ", 1),
        ("jumped ", 1), ("surged ", 1), ("soared ", 1), ("gained ", 1), ("added ", 1),
        ("climbed ", 1),
        # issue 8: the move lexicon both ways, traditional forms that escaped normalisation too
        ("plummeted ", -1), ("plunge ", -1), ("tumbles ", -1), ("slumped ", -1), ("sinks ", -1),
        ("shed ", -1), ("dived ", -1), ("slide ", -1), ("knocked ", -1), ("erased ", -1),
        ("slipped ", -1), ("eased ", -1), ("急跌", -1), ("大跌", -1), ("挫", -1), ("蒸發", -1),
        ("skyrocketed ", 1), ("soar ", 1), ("rally ", 1), ("jump ", 1), ("surge ", 1),
        ("advanced ", 1), ("increasing the company's market value by ", 1), ("骤增", 1),
        ("暴涨", 1), ("漲", 1), ("暴增", 1), ("反弹", 1),
    ],
)  # fmt: skip
def test_direction(text: str, sign: int) -> None:
    move = lexicon.direction_before(text)
    assert move is not None and move.sign == sign and not move.negated


@pytest.mark.parametrize(
    "text", ["股价并未下跌", "股价没有下跌", "did not fall ", "didn't drop ", "never fell "]
)
def test_negated_direction(text: str) -> None:
    move = lexicon.direction_before(text)
    assert move is not None and move.negated


def test_continuous_rise_is_not_a_negation() -> None:
    move = lexicon.direction_before("股价不断上涨")
    assert move is not None and not move.negated


def test_words_inside_other_words_are_not_moves() -> None:
    assert lexicon.direction_before("the fallout from the update ") is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("三家公司一天内就合计", 3), ("两家公司", 2), ("the three companies", 3),
        ("both companies", 2), ("together they", None), ("合计", None),
    ],
)  # fmt: skip
def test_collective(text: str, count: int | None) -> None:
    assert lexicon.collective(text) == (True, count)


def test_not_collective() -> None:
    assert lexicon.collective("Adobe股价暴跌") == (False, None)


@pytest.mark.parametrize(
    ("text", "factor", "qualifier"),
    [
        ("增加了将近两倍", 3.0, "nearly"),  # 增加了N倍 is N times more: ×(N+1)
        ("增长了2倍", 3.0, "exact"),
        ("增加2倍", 3.0, "exact"),
        ("增加到3倍", 3.0, "exact"),  # 增加到N倍 is ×N
        ("增长至3倍", 3.0, "exact"),
        ("是去年的3倍", 3.0, "exact"),
        ("翻番", 2.0, "exact"),
        ("翻倍", 2.0, "exact"),
        ("翻了一番", 2.0, "exact"),
        ("翻了两番", 4.0, "exact"),
        ("doubled", 2.0, "exact"),
        ("nearly tripled", 3.0, "nearly"),
        ("quadrupled", 4.0, "exact"),
        ("a 5-fold rise", 5.0, "exact"),
    ],
)
def test_multiples(text: str, factor: float, qualifier: str) -> None:
    [multiple] = find_multiples(text)
    assert (multiple.factor, multiple.qualifier) == (factor, qualifier)


@pytest.mark.parametrize(
    ("text", "is_valuation"),
    [
        ("could value the company at about", True),
        ("values OpenAI at", True),
        ("was valued at", True),
        ("at a valuation of", True),
        ("is now worth more than", True),
        ("估值达到", True),
        ("lost $9 billion in market value", False),
        ("the value of its shares at the close", False),
        ("fell in value at the open", False),
    ],
)
def test_valuation_words(text: str, is_valuation: bool) -> None:
    assert (lexicon.VALUATION.search(text) is not None) == is_valuation


@pytest.mark.parametrize(
    "text", ["$190 each", "$5 a share", "每股17美元", "a stake worth", "sold shares worth"]
)
def test_share_prices_and_holdings_are_not_valuations(text: str) -> None:
    assert lexicon.NOT_A_VALUATION.search(text) is not None


@pytest.mark.parametrize(
    ("after", "sign"),
    [
        (" plunge on Monday", -1), (" slide in the Nasdaq", -1), (" market-cap loss", -1),
        (" one-day drop", -1), (" wipeout", -1), ("的单日跌幅", -1), (" surge in market value", 1),
        (" rally", 1), ("的涨幅", 1), (" of its market value", None), (" on Monday", None),
    ],
)  # fmt: skip
def test_mover_after_the_figure(after: str, sign: int | None) -> None:
    assert lexicon.direction_after(after) == sign


@pytest.mark.parametrize(
    ("after", "sign"),
    [(" of Nvidia's market value evaporated", -1), ("，市值一夜蒸发", -1),
     (" of market value did not evaporate", None), (" of market value remains", None)],
)  # fmt: skip
def test_verb_after_a_market_value_figure(after: str, sign: int | None) -> None:
    assert lexicon.verb_after(after) == sign
