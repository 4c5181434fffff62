"""Whose figure it is: asides, "the chipmaker", unknown names that block a carry, indexes."""

from datetime import datetime
from pathlib import Path

import pytest

from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.entities import AliasIndex, read_alias_rows, read_kinds
from newsdesk.extract.subjects import unknown_name_in, with_descriptors

REPO = Path(__file__).resolve().parents[1]
KINDS = read_kinds(REPO / "sql" / "tickers.csv")
ROWS = read_alias_rows(REPO / "sql" / "tickers.csv") + read_alias_rows(
    REPO / "sql" / "entities.csv"
)
ALIASES = AliasIndex.from_rows(ROWS, KINDS)
# the universe as if Marvell were not in it: its name must block, not pass, a carried subject
NO_MARVELL = AliasIndex.from_rows([r for r in ROWS if r[0] != "MRVL"], KINDS)
# Tuesday morning in Hong Kong, after the DeepSeek sell-off of Monday 2025-01-27
PUBLISHED = datetime(2025, 1, 28, 8, 0)


def _claims(text: str, aliases: AliasIndex = ALIASES) -> list[Claim]:
    return extract_claims(text, article_id="s1", published_at=PUBLISHED, aliases=aliases)


def _judged(text: str, aliases: AliasIndex = ALIASES) -> list[tuple]:
    return [
        (c.claim_type, c.subjects, c.value)
        for c in _claims(text, aliases)
        if c.claim_type in ("price_move", "market_cap_change", "valuation")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "too" between commas: both figures are Broadcom's
        ("Broadcom, too, fell 17.4% on Monday, pulling its market cap down by $200 billion.",
         [("price_move", ["AVGO"], -17.4), ("market_cap_change", ["AVGO"], -200e9)]),
        # an aside naming another company does not take the figure
        ("Nvidia, whose chips power OpenAI's ChatGPT, fell 16.97% on Monday.",
         [("price_move", ["NVDA"], -16.97)]),
        ("Micron, like Broadcom, slid 11.71% on Monday.", [("price_move", ["MU"], -11.71)]),
        ("Nvidia, led by Jensen Huang, fell 16.97% on Monday.", [("price_move", ["NVDA"], -16.97)]),
        ("Nvidia, the most valuable chipmaker, lost 16.97% on Monday.",
         [("price_move", ["NVDA"], -16.97)]),
        # a relative clause right after the name
        ("Nvidia, which lost 16.97% on Monday, is still up on the year.",
         [("price_move", ["NVDA"], -16.97)]),
        # "its market value" after a private company's name is the listed company's
        ("Nvidia fell 16.97% on Monday as DeepSeek rattled investors, wiping out $589 billion"
         " of its market value.",
         [("price_move", ["NVDA"], -16.97), ("market_cap_change", ["NVDA"], -589e9)]),
    ],
)  # fmt: skip
def test_subject_carries_across_asides(text: str, expected: list[tuple]) -> None:
    assert _judged(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nvidia fell 16.97% on Monday. The chipmaker lost $589 billion in market value.",
         [("price_move", ["NVDA"], -16.97), ("market_cap_change", ["NVDA"], -589e9)]),
        # the last chipmaker, not the last company: Apple is named in between
        ("Broadcom slid 17.4% on Monday while Apple rose 3.2%. The chip designer lost about"
         " $200 billion in market value.",
         [("price_move", ["AVGO"], -17.4), ("price_move", ["AAPL"], 3.2),
          ("market_cap_change", ["AVGO"], -200e9)]),
        ("Apple rose 3.2% on Monday. The iPhone maker added $112 billion to its market value.",
         [("price_move", ["AAPL"], 3.2), ("market_cap_change", ["AAPL"], 112e9)]),
        ("Alphabet fell 4.2% on Monday. The search giant lost $100 billion in market value.",
         [("price_move", ["GOOGL"], -4.2), ("market_cap_change", ["GOOGL"], -100e9)]),
        ("Tesla rose 2.3% on Monday while Apple rose 3.2%. The EV maker added $17 billion"
         " in market value.",
         [("price_move", ["TSLA"], 2.3), ("price_move", ["AAPL"], 3.2),
          ("market_cap_change", ["TSLA"], 17e9)]),
        ("Tesla holders had a rough Thursday. The stock fell 12.13% after the company warned"
         " of slower growth.", [("price_move", ["TSLA"], -12.13)]),
        ("Microsoft fell 2.1% on Monday. The company lost $66 billion in market value.",
         [("price_move", ["MSFT"], -2.1), ("market_cap_change", ["MSFT"], -66e9)]),
        ("英伟达周一大跌16.97%，这家芯片巨头市值蒸发5890亿美元。",
         [("price_move", ["NVDA"], -16.97), ("market_cap_change", ["NVDA"], -589e9)]),
        ("博通周一下跌17.4%，苹果上涨3.2%。该芯片巨头市值蒸发约2000亿美元。",
         [("price_move", ["AVGO"], -17.4), ("price_move", ["AAPL"], 3.2),
          ("market_cap_change", ["AVGO"], -200e9)]),
        ("特斯拉周一上涨2.3%，苹果上涨3.2%。这家电动车制造商市值增加170亿美元。",
         [("price_move", ["TSLA"], 2.3), ("price_move", ["AAPL"], 3.2),
          ("market_cap_change", ["TSLA"], 17e9)]),
        ("微软周一下跌2.1%。该公司市值蒸发660亿美元。",
         [("price_move", ["MSFT"], -2.1), ("market_cap_change", ["MSFT"], -66e9)]),
    ],
)  # fmt: skip
def test_descriptor_is_the_last_company_of_its_kind(text: str, expected: list[tuple]) -> None:
    assert _judged(text) == expected


def test_descriptor_before_a_name_is_a_label_not_a_reference() -> None:
    names = ALIASES.find("Broadcom fell. The chipmaker Nvidia lost 16.97%.")
    found = with_descriptors("Broadcom fell. The chipmaker Nvidia lost 16.97%.", names, [], KINDS)
    assert [symbol for _, _, symbol in found] == ["AVGO", "NVDA"]


def test_descriptor_without_a_company_of_its_kind_names_nothing() -> None:
    text = "Apple rose 3.2% on Monday. The chipmaker lost $50 billion in market value."
    assert [c.subjects for c in _claims(text)] == [["AAPL"], []]


@pytest.mark.parametrize(
    "text",
    [
        "除了英伟达和博通外，美满电子跌19.1%。",
        "Nvidia fell 16.97% and Marvell Technology slid 19.1%.",
        "Nvidia and Broadcom fell, while Marvell Technology slid 19.1%.",
        "博通周一大跌17.4%，美满科技公司股价跌19.1%。",
    ],
)
def test_an_unknown_company_blocks_the_carry(text: str) -> None:
    [figure] = [c for c in _claims(text, NO_MARVELL) if abs(c.value or 0) == 19.1]
    assert figure.claim_type == "other"


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 16.97%, and the stock market lost 1.46%.",
        "英伟达周一大跌16.97%，而美股则跌1.46%。",
    ],
)
def test_the_market_as_a_whole_takes_no_company(text: str) -> None:
    assert [c.subjects for c in _claims(text)] == [["NVDA"], []]


def test_the_known_company_keeps_its_own_figure_before_the_unknown_one() -> None:
    claims = _claims("Nvidia fell 16.97% and Marvell Technology slid 19.1%.", NO_MARVELL)
    assert [(c.claim_type, c.subjects, c.value) for c in claims][0] == (
        "price_move", ["NVDA"], -16.97,
    )  # fmt: skip


def test_with_marvell_in_the_universe_its_figure_is_its_own() -> None:
    assert _judged("除了英伟达和博通外，美满电子跌19.1%。") == [("price_move", ["MRVL"], -19.1)]


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        (" fell 17% and Marvell Technology slid ", True),
        ("，美满电子跌", True),
        (" fell 17% on Monday, its worst day since March 2020, and ", False),
        (", Wall Street's darling, ", False),
        (" shares in the U.S. ", False),
        ("，这家美国科技公司股价", False),  # generic, not a name
        ("，消费电子板块", False),
    ],
)
def test_unknown_name_detection(text: str, unknown: bool) -> None:
    assert unknown_name_in(text) is unknown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nvidia fell 16.97% on Monday and led a 3.1% slide in the tech-heavy Nasdaq.",
         [("price_move", ["NVDA"], -16.97), ("price_move", ["^IXIC"], -3.1)]),
        ("Nvidia fell 16.97%, dragging the S&P 500 down 1.5%.",
         [("price_move", ["NVDA"], -16.97), ("price_move", ["^GSPC"], -1.5)]),
        ("Nvidia's slump drove a 9.2% drop in the Philadelphia Semiconductor Index.",
         [("price_move", ["^SOX"], -9.2)]),
        # the Nasdaq-100 is never the Composite
        ("The Nasdaq 100 fell 2.97% and the Nasdaq-100 index lost 2.97%.",
         [("price_move", ["^NDX"], -2.97), ("price_move", ["^NDX"], -2.97)]),
        ("The tech-heavy Nasdaq Composite fell 3.07%.", [("price_move", ["^IXIC"], -3.07)]),
        ("纳斯达克100指数下跌2.97%，纳斯达克综合指数下跌3.07%，纳指100跌近3%。",
         [("price_move", ["^NDX"], -2.97), ("price_move", ["^IXIC"], -3.07),
          ("price_move", ["^NDX"], -3.0)]),
        ("費半指數重挫9.2%，那斯達克指數跌3.07%。",
         [("price_move", ["^SOX"], -9.2), ("price_move", ["^IXIC"], -3.07)]),
    ],
)  # fmt: skip
def test_figure_of_an_index(text: str, expected: list[tuple]) -> None:
    assert _judged(text) == expected


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("the tech-heavy Nasdaq", "^IXIC"),
        ("the Nasdaq Composite", "^IXIC"),
        ("the Nasdaq 100", "^NDX"),
        ("the Nasdaq-100", "^NDX"),
        ("纳指100", "^NDX"),
        ("纳指", "^IXIC"),
        ("纳指100ETF", "QQQ"),
        ("费城半导体指数", "^SOX"),
    ],
)
def test_longest_alias_tells_the_indexes_apart(text: str, symbol: str) -> None:
    assert [s for _, _, s in ALIASES.find(text)] == [symbol]


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("輝達週一重挫16.97%。", "NVDA"),
        ("英偉達周一收市跌16.97%。", "NVDA"),
        ("台積電ADR週一跌13.3%。", "TSM"),
        ("超微週一跌6.37%。", "AMD"),  # Taiwan and Hong Kong: 超微 is AMD
        ("美超微電腦週一跌3%。", "SMCI"),
        ("艾司摩爾週一跌7%。", "ASML"),
        ("甲骨文週一跌13.8%。", "ORCL"),
        ("谷歌母公司Alphabet週一跌4.2%。", "GOOGL"),
    ],
)
def test_regional_names(text: str, symbol: str) -> None:
    [move] = _claims(text)
    assert (move.claim_type, move.subjects) == ("price_move", [symbol])
