"""Traditional Chinese read as simplified, span for span, and extracted like its simplified twin."""

from datetime import datetime
from pathlib import Path

import pytest

from newsdesk.extract import normalize
from newsdesk.extract.article import detect_lang
from newsdesk.extract.claims import Claim, claim_id, extract_claims
from newsdesk.extract.entities import AliasIndex, read_alias_rows, read_kinds
from newsdesk.extract.normalize import to_simplified

REPO = Path(__file__).resolve().parents[1]
ALIASES = AliasIndex.from_rows(
    read_alias_rows(REPO / "sql" / "tickers.csv") + read_alias_rows(REPO / "sql" / "entities.csv"),
    read_kinds(REPO / "sql" / "tickers.csv"),
)
# a Hong Kong wire at 08:00 on Tuesday: 周一 is the US session of Monday 2025-01-27
HK_MORNING = datetime(2025, 1, 28, 8, 0)


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("英偉達", "英伟达"),
        ("輝達", "辉达"),
        ("台積電", "台积电"),
        ("微軟", "微软"),
        ("蘋果", "苹果"),
        ("谷歌母公司Alphabet", "谷歌母公司Alphabet"),
        ("納斯達克綜合指數", "纳斯达克综合指数"),
        ("標準普爾500指數", "标准普尔500指数"),
        ("道瓊斯工業平均指數", "道琼斯工业平均指数"),
        ("市值蒸發5,890億美元", "市值蒸发5,890亿美元"),
        ("股價漲4%，週一跌3%", "股价涨4%，周一跌3%"),
        ("費城半導體指數", "费城半导体指数"),
    ],
)
def test_traditional_reads_as_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize(
    "text",
    [
        "英伟达周一收盘下跌16.97%，市值蒸发约5890亿美元。",
        "Nvidia fell 17% on Monday, wiping out $589 billion.",
        "Sora发布的次日，Adobe跌超7%；Shutterstock跌超5%",
        "",
    ],
)
def test_simplified_and_latin_text_is_left_as_is(text: str) -> None:
    assert to_simplified(text) == text


def test_hong_kong_variants_are_read_too() -> None:
    # 衞 is the Hong Kong form of 衛; t2s alone leaves it
    assert to_simplified("保衞") == "保卫"


class _LengthChanging:
    """A stand-in converter whose phrase table turns 輝達 into 英伟达, as tw2sp does."""

    def convert(self, text: str) -> str:
        if text == "輝":
            return "辉"
        if text == "達":
            return "达"
        return text.replace("輝達", "英伟达")


def test_a_phrase_that_changes_length_falls_back_to_single_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(normalize, "_converter", _LengthChanging)
    normalize._char.cache_clear()
    try:
        text = "輝達週一重挫17%，市值蒸發"
        out = to_simplified(text)
        assert len(out) == len(text)
        assert out.startswith("辉达")  # character by character, offsets kept
        assert out.index("17%") == text.index("17%")
    finally:
        normalize._char.cache_clear()


def test_offsets_map_one_to_one_on_a_long_page() -> None:
    text = "香港時間週二早上，英偉達股價週一收市大跌16.97%，市值蒸發5,890億美元。" * 20
    out = to_simplified(text)
    assert len(out) == len(text)
    # only Han characters change, each in its place
    assert all(a == b for a, b in zip(text, out, strict=True) if not "\u4e00" <= a <= "\u9fff")
    assert out.count("英伟达") == 20 and out.index("16.97%") == text.index("16.97%")


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        # Taiwan: 超微 is AMD (超威 on the mainland), 美超微 is Super Micro; 晶片 is 芯片
        ("超微週一跌6.37%，美超微電腦則漲3%。晶片股", "超威周一跌6.37%，美超微电脑则涨3%。芯片股"),
        ("英偉達收市跌16.97%", "英伟达收盘跌16.97%"),  # Hong Kong: 收市 is the close
    ],
)
def test_regional_words_on_traditional_pages(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified


def test_regional_words_are_left_alone_on_simplified_pages() -> None:
    # on the mainland 超微 is Super Micro: a simplified page keeps it
    text = "超微周一跌6%，英伟达收市后公布财报。"
    assert to_simplified(text) == text


def test_regional_replacements_keep_lengths() -> None:
    assert all(len(word) == len(mainland) for word, mainland in normalize.REGIONAL.items())


def _claims(text: str) -> list[Claim]:
    return extract_claims(text, article_id="hk1", published_at=HK_MORNING, aliases=ALIASES)


def _summary(claim: Claim) -> tuple:
    return (
        claim.claim_type, claim.subjects, claim.value, claim.currency, claim.qualifier,
        claim.reference_date, claim.intraday,
    )  # fmt: skip


TWINS = [
    # Hong Kong
    ("英偉達周一收市跌16.97%，市值蒸發5,890億美元。",
     "英伟达周一收市跌16.97%，市值蒸发5,890亿美元。",
     [("price_move", "NVDA", -16.97), ("market_cap_change", "NVDA", -589e9)]),
    # Taiwan: 輝達, 台積電, 費城半導體指數
    ("輝達週一重挫16.97%，台積電ADR跌13.3%，費城半導體指數下跌9.2%。",
     "辉达周一重挫16.97%，台积电ADR跌13.3%，费城半导体指数下跌9.2%。",
     [("price_move", "NVDA", -16.97), ("price_move", "TSM", -13.3),
      ("price_move", "^SOX", -9.2)]),
    # indexes and a company in one sentence
    ("納斯達克綜合指數週一下跌3.07%，標準普爾500指數跌1.46%，博通股價大跌17.4%。",
     "纳斯达克综合指数周一下跌3.07%，标准普尔500指数跌1.46%，博通股价大跌17.4%。",
     [("price_move", "^IXIC", -3.07), ("price_move", "^GSPC", -1.46),
      ("price_move", "AVGO", -17.4)]),
    ("美光週一漲幅被抹去，股價跌11.71%。", "美光周一涨幅被抹去，股价跌11.71%。",
     [("price_move", "MU", -11.71)]),
]  # fmt: skip


@pytest.mark.parametrize(("traditional", "simplified", "expected"), TWINS)
def test_traditional_extracts_like_its_simplified_twin(
    traditional: str, simplified: str, expected: list[tuple]
) -> None:
    read, twin = _claims(traditional), _claims(simplified)
    assert [(c.claim_type, *c.subjects, c.value) for c in read] == expected
    assert [_summary(c) for c in read] == [_summary(c) for c in twin]
    for claim in read:
        # the warehouse keeps what the page wrote
        assert claim.sentence == traditional
        assert claim.span and claim.span in traditional
        assert to_simplified(claim.span) in simplified


def test_traditional_claims_keep_the_id_convention() -> None:
    sentence = TWINS[0][0]
    claims = _claims(sentence)
    assert [c.claim_id for c in claims] == [claim_id("hk1", sentence, n) for n in range(2)]


def test_traditional_sentence_values_subjects_and_spans() -> None:
    move, cap = _claims("英偉達周一收市跌16.97%，市值蒸發5,890億美元。")
    assert (move.claim_type, move.subjects, move.value, move.span) == (
        "price_move", ["NVDA"], -16.97, "跌16.97%",
    )  # fmt: skip
    assert (cap.claim_type, cap.subjects, cap.value, cap.currency, cap.span) == (
        "market_cap_change", ["NVDA"], -589e9, "USD", "蒸發5,890億美元",
    )  # fmt: skip


def test_traditional_pages_are_chinese() -> None:
    assert detect_lang("輝達週一重挫16.97%，台積電ADR跌13.3%，市值蒸發5,890億美元。") == "zh"
