"""Issue 8, sections 2 and 4: market-value phrasing, movers both ways, and the figures that
are not one day's move (several sessions, a level crossed) or not the close (intraday)."""

from __future__ import annotations

from datetime import datetime

import pytest

from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.entities import AliasIndex

ALIASES = AliasIndex.from_rows(
    [
        ("NVDA", ["Nvidia", "英伟达", "輝達"]),
        ("AVGO", ["Broadcom", "博通"]),
        ("TSLA", ["Tesla", "特斯拉"]),
        ("META", ["Meta"]),
        ("AMD", ["Advanced Micro Devices", "AMD"]),
    ]
)
# a Hong Kong morning wire on the DeepSeek sell-off: Monday is the US session of 2025-01-27
PUBLISHED = datetime(2025, 1, 28, 8, 0)


def _claims(text: str) -> list[Claim]:
    return extract_claims(text, article_id="mv", published_at=PUBLISHED, aliases=ALIASES)


def _judged(text: str) -> list[tuple[str, list[str], float | None]]:
    return [(c.claim_type, c.subjects, c.value) for c in _claims(text) if c.claim_type != "other"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nvidia sank 17% on Monday, wiping out $589 billion in market value.", -589e9),
        ("On Monday that took $0.59 trillion off Nvidia's market cap.", -590e9),
        ("Nvidia slumped on Monday, shaving some US$589 billion off its market capitalisation.",
         -589e9),
        ("On Monday Nvidia shed nearly $600 billion of market capitalisation.", -600e9),
        ("Nvidia added $277 billion to its market value on Thursday.", 277e9),
        ("Nvidia jumped 16% on Thursday, increasing the company's market value by a"
         " staggering $277 billion.", 277e9),
        ("Broadcom, too, fell 17% on Monday, pulling its market cap down by $200 billion.",
         -200e9),
        ("Nvidia suffered a $279 billion market-cap loss on Monday.", -279e9),
        ("Nvidia erased $589 billion of market value on Monday.", -589e9),
        ("Nvidia lost $589 billion in market value on Monday.", -589e9),
        ("The DeepSeek scare knocked $589 billion off Nvidia's market value on Monday.", -589e9),
        ("Roughly $589 billion of Nvidia's market value evaporated on Monday.", -589e9),
        ("英伟达市值在上周四骤增2770亿美元。", 277e9),
        ("英伟达市值一夜蒸发801亿美元(约合人民币5743亿元)。", -80.1e9),
        ("周一英伟达市值蒸发近5900亿美元。", -590e9),
        # a traditional 蒸發 that escaped normalisation (extract/normalize.py) still reads
        ("英伟达市值周一蒸發近5900亿美元。", -590e9),
        ("英伟达周一一天之内蒸发了将近5900亿美元。", -590e9),  # 蒸发 is of market value
        ("英伟达市值周四单日暴增2770亿美元。", 277e9),
        ("英伟达市值周四回血2770亿美元。", 277e9),
        ("The sell-off cut Nvidia's market value by $589 billion on Monday.", -589e9),
        ("Nvidia's $589 billion wipeout on Monday was a record.", -589e9),
        ("Nvidia's market capitalisation shrank by about $589 billion on Monday.", -589e9),
    ],
)  # fmt: skip
def test_market_value_phrasing_is_a_market_cap_change(text: str, value: float) -> None:
    changes = [c for c in _claims(text) if c.claim_type == "market_cap_change"]
    assert len(changes) == 1, [(c.claim_type, c.value, c.date_note) for c in _claims(text)]
    [change] = changes
    assert change.value == pytest.approx(value)  # the sign follows the direction
    assert change.currency == "USD"
    assert change.subjects in (["NVDA"], ["AVGO"])
    assert not any(c.claim_type == "valuation" for c in _claims(text))


def test_the_subject_of_a_participle_clause_is_the_sentence_company() -> None:
    [move, cap] = _judged("Broadcom, too, fell 17% on Monday, pulling its market cap down by"
                          " $200 billion.")  # fmt: skip
    assert move == ("price_move", ["AVGO"], -17.0)
    assert cap == ("market_cap_change", ["AVGO"], -200e9)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nvidia shares plummeted 17% on Monday.", -17.0),
        ("Nvidia stock skyrocketed 16% on Thursday.", 16.0),
        ("Nvidia shares soared 16% on Thursday.", 16.0),
        ("Nvidia tumbled 17% on Monday.", -17.0),
        ("Nvidia slumped 17% on Monday.", -17.0),
        ("Nvidia shares sank 17% on Monday.", -17.0),
        ("Nvidia dived 17% on Monday.", -17.0),
        ("Nvidia rallied 16% on Thursday.", 16.0),
        ("Nvidia climbed 16% on Thursday.", 16.0),
        ("Nvidia advanced 16% on Thursday.", 16.0),
        ("Nvidia plunged 17% on Monday.", -17.0),
        ("Nvidia suffered a 17% plunge on Monday.", -17.0),
        ("Monday brought Nvidia a 17% one-day drop.", -17.0),
        ("英伟达周一跳水17%。", -17.0),
        ("英伟达周一重挫17%。", -17.0),
        ("英伟达周一急跌17%。", -17.0),
        ("英伟达周一挫17%。", -17.0),
        ("英伟达周四暴涨16%。", 16.0),
        ("英伟达周四骤增16%。", 16.0),
        ("英伟达周四大涨16%。", 16.0),
        ("英伟达周一跌幅达17%。", -17.0),
        ("英伟达周四涨幅超过16%。", 16.0),
        ("英伟达周四股价漲16%。", 16.0),  # a traditional 漲 that escaped normalisation
        ("英伟达周一股價下跌17%。", -17.0),
        ("Nvidia slipped 17% on Monday.", -17.0),
        ("Nvidia eased 17% on Monday.", -17.0),
        ("Nvidia rebounded 16% on Thursday.", 16.0),
        ("英伟达周四反弹16%。", 16.0),
        ("英伟达周一录得17%的单日跌幅。", -17.0),
        ("The sell-off knocked Nvidia down by 17% on Monday.", -17.0),
        ("Nvidia slipped 17% on Monday ahead of its own results.", -17.0),
        ("Nvidia had already fallen 17% on Monday.", -17.0),
        ("Nvidia tanked 17% on Monday.", -17.0),
        ("Nvidia leapt 16% on Thursday.", 16.0),
        ("Nvidia's US-listed shares slumped 17% on Monday.", -17.0),  # "US-listed" names no one
    ],
)
def test_move_lexicon_before_and_after_the_figure(text: str, value: float) -> None:
    assert _judged(text) == [("price_move", ["NVDA"], value)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("▼英伟达 -16.97%", -16.97),
        ("周一美股：▼英伟达 16.97%", -16.97),
        ("▲Meta +1.91%", 1.91),
        ("Nvidia: -16.97%", -16.97),
        ("Meta (+1.91%)", 1.91),
        ("- Advanced Micro Devices: -6.37%", -6.37),  # "Advanced" is part of the name
    ],
)
def test_a_sign_written_with_the_figure_is_the_move(text: str, value: float) -> None:
    [(claim_type, _, got)] = _judged(text)
    assert (claim_type, got) == ("price_move", value)


@pytest.mark.parametrize("text", ["英伟达市盈率为-5%", "Nvidia gross margin: -5%"])
def test_a_signed_metric_is_not_a_move(text: str) -> None:
    assert _judged(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Tesla tumbled more than 12% on Thursday after it warned that sales growth would slow.",
        "特斯拉财报发布后股价大跌12%。",
    ],
)
def test_a_metric_in_a_side_phrase_does_not_hide_a_price_move(text: str) -> None:
    [(claim_type, subjects, value)] = _judged(text)
    assert (claim_type, subjects, abs(value or 0)) == ("price_move", ["TSLA"], 12.0)


@pytest.mark.parametrize(
    "text",
    [
        "Tesla's revenue rose 12% in the quarter.",
        "Tesla reported a 12% rise in revenue.",
        "特斯拉营收同比增长12%。",
    ],
)
def test_a_figure_of_a_metric_is_not_a_price_move(text: str) -> None:
    assert _judged(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "英伟达过去12个月飙升逾200%。",
        "Nvidia, soaring 239% in 2023, was the year's best performer.",
        "Nvidia is up 20% year-to-date.",
        "Nvidia has gained 50% since January.",
        "Nvidia has risen 20% this year.",
        "Nvidia rose 10% over the past week.",
        "英伟达今年以来上涨20%。",
        "英伟达年内累计上涨20%。",
        "英伟达2023年全年股价上涨了239%。",
        "英伟达2023年股价上涨了239%。",
        "Nvidia has added $2 trillion in market value this year.",
    ],
)
def test_a_move_over_several_sessions_is_other(text: str) -> None:
    claims = _claims(text)
    assert claims and all(c.claim_type == "other" for c in claims)
    assert "several sessions" in (claims[-1].date_note or "")


def test_the_company_a_market_value_phrase_points_back_to() -> None:
    text = "Nvidia shares sank 17% on Monday. The slump wiped $589 billion off the company's value."
    caps = [c for c in _claims(text) if c.claim_type == "market_cap_change"]
    assert [(c.subjects, c.value) for c in caps] == [(["NVDA"], -589e9)]


def test_a_move_verb_with_its_object_named_before_by() -> None:
    assert _judged(
        "The DeepSeek scare drove Nvidia down by 17% on Monday and lifted Meta by 2%."
    ) == [
        ("price_move", ["NVDA"], -17.0),
        ("price_move", ["META"], 2.0),
    ]


def test_a_name_after_the_metric_is_what_moved() -> None:
    # the results were the night before; 亚马逊 is what rose, not the results
    text = "同样在周四盘后发布财报的特斯拉周五大涨7.9%。"
    [claim] = [c for c in _claims(text) if c.claim_type == "price_move"]
    assert (claim.subjects, claim.value, claim.intraday) == (["TSLA"], 7.9, False)


def test_a_level_reached_is_a_valuation_at_the_date() -> None:
    text = "Nvidia's market value dropped to about $2.9 trillion on Monday."
    [claim] = _claims(text)
    assert (claim.claim_type, claim.value, claim.qualifier) == ("valuation", 2.9e12, "about")


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 17% on Monday, its worst day this year.",
        "英伟达周一跌17%为上市以来最大单日跌幅。",  # ranked, not a move since listing
        "英伟达今年1月27日下跌17%。",  # 今年 of a stated date, not year-to-date
        "Nvidia fell 17% on Monday to a 52-week low.",
    ],
)
def test_a_one_day_figure_with_a_longer_period_beside_it_is_still_a_move(text: str) -> None:
    assert _judged(text) == [("price_move", ["NVDA"], -17.0)]


@pytest.mark.parametrize(
    "text",
    [
        "英伟达市值首次突破1万亿美元。",
        "Nvidia's market value topped $2 trillion on Friday.",
        "Nvidia crossed $3 trillion in market value.",
        "Nvidia's market value rose, surpassing $3 trillion.",
        "英伟达市值跌破3万亿美元大关。",
        "Nvidia's market value closed above the $3 trillion mark.",
        "The stock soared 16%, lifting Nvidia's market capitalisation above $2 trillion.",
    ],
)
def test_a_level_crossed_is_not_a_valuation(text: str) -> None:
    claims = _claims(text)
    assert claims and all(c.claim_type == "other" for c in claims)


@pytest.mark.parametrize(
    ("text", "intraday"),
    [
        ("英伟达股价周一一度跌超15%。", True),
        ("Nvidia at one point fell 15% on Monday.", True),
        ("Nvidia fell 10% in early trading on Monday.", True),
        ("Nvidia fell 5% premarket on Monday.", True),
        ("英伟达周一盘中跌超15%。", True),
        ("Nvidia fell 17% on Monday.", False),
        ("Nvidia closed down 17% on Monday after falling as much as 18% at one point.", False),
    ],
)
def test_intraday_is_read_per_figure(text: str, intraday: bool) -> None:
    first = next(c for c in _claims(text) if c.claim_type == "price_move")
    assert first.intraday is intraday


def test_the_close_after_an_intraday_extreme_is_a_close() -> None:
    text = "Nvidia fell as much as 18% on Monday before closing down 17%."
    moves = [c for c in _claims(text) if c.claim_type == "price_move"]
    assert [(c.value, c.intraday) for c in moves] == [(-18.0, True), (-17.0, False)]


def _with(aliases: list[tuple[str, list[str]]], text: str) -> list[tuple[str, list[str], float]]:
    index = AliasIndex.from_rows(aliases)
    claims = extract_claims(text, article_id="mv", published_at=PUBLISHED, aliases=index)
    return [(c.claim_type, c.subjects, c.value) for c in claims if c.claim_type != "other"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("On Monday the Nasdaq fell 612.47 points, or 3.07%, to 19,341.83.", -3.07),
        ("周一纳指跌612.47点或3.07%。", -3.07),
    ],
)
def test_the_percent_after_index_points_is_the_same_move(text: str, value: float) -> None:
    assert _with([("^IXIC", ["Nasdaq", "纳指"])], text) == [("price_move", ["^IXIC"], value)]


def test_a_sentence_naming_no_one_after_one_companys_move_is_that_companys() -> None:
    text = "Nvidia sank 17% on Monday. The slide erased $589 billion in market value."
    assert _judged(text) == [
        ("price_move", ["NVDA"], -17.0),
        ("market_cap_change", ["NVDA"], -589e9),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nvidia was hit hard on Monday. It closed 13.8% lower.", [["NVDA"]]),
        # two companies before: "it" is no one's
        ("Nvidia and Broadcom fell on Monday. It closed 13.8% lower.", []),
    ],
)
def test_it_is_the_one_company_the_previous_sentence_named(
    text: str, expected: list[list[str]]
) -> None:
    got = [c.subjects for c in _claims(text) if c.claim_type == "price_move"]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nvidia ended Monday with nearly $600 billion erased from its market cap.", -600e9),
        ("On Monday the decline wiped out about US$175-billion of Nvidia's market value.", -175e9),
    ],
)
def test_a_change_after_the_amount_or_in_canadian_style_is_read(text: str, value: float) -> None:
    assert _judged(text) == [("market_cap_change", ["NVDA"], value)]


def test_a_market_value_change_never_becomes_a_worth_at_the_date() -> None:
    # a change word in the clause but no direction the rules read: kept, not judged as a level
    text = "On Monday Nvidia's market value saw $589 billion erased by the close in a rout."
    assert all(kind != "valuation" for kind, _, _ in _judged(text))


def test_a_level_reached_is_still_a_worth() -> None:
    assert _judged("Nvidia's market value fell to $2.9 trillion on Monday.") == [
        ("valuation", ["NVDA"], 2.9e12)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "On Monday Nvidia ended the five sessions down 15.8%.",
        "On Friday Nvidia finished the week 1.6% lower.",
        "英伟达周一五个交易日累计下跌15.8%。",
    ],
)
def test_a_week_or_several_sessions_is_not_one_days_move(text: str) -> None:
    assert _judged(text) == []


def test_it_after_a_clause_naming_a_company_carries_the_company() -> None:
    text = "Nvidia, a partner in the project, had its worst day on Monday; it closed 17% lower."
    assert _judged(text) == [("price_move", ["NVDA"], -17.0)]


def test_a_market_cap_addition_is_a_change_and_a_live_figure_is_intraday() -> None:
    assert _judged("Nvidia's $277 billion market cap addition on Thursday dwarfs rivals.") == [
        ("market_cap_change", ["NVDA"], 277e9)
    ]
    [claim] = [c for c in _claims("Nvidia was last higher by about 7.3% on Tuesday.")]
    assert claim.intraday


def test_a_loss_over_a_month_is_no_worth_at_the_date() -> None:
    text = "On Thursday that took Tesla's market capitalisation loss for the month to $210 billion."
    assert _judged(text) == []
