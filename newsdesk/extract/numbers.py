"""Find figures in a sentence: numerals with their magnitude, unit, currency and qualifier."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from newsdesk.extract import lexicon
from newsdesk.extract.numerals import (
    MAGNITUDE,
    NUMERAL,
    magnitude,
    numeral_text,
    read_numeral,
    scaled,
)

_CORE = re.compile(NUMERAL)
_CODES = ("USD", "CNY", "EUR", "HKD", "JPY", "GBP", "MYR", "TWD")
_PREFIX = re.compile(
    r"(?P<cur>US\$|HK\$|NT\$|S\$|A\$|C\$|\$|¥|￥|€|£|(?<![A-Za-z])RM|人民币|人民幣|港币|港幣"
    r"|新台币|新台幣|新臺幣|台币|台幣|臺幣|RMB|USD|CNY|EUR|HKD|JPY|GBP|MYR|TWD)\s*$"
)
_TRAILER = re.compile(
    MAGNITUDE + r"(?:\s*(?P<pct>[%％]|percent(?:age points?)?|per\s?cent|pct|pc(?![A-Za-z])"
    r"|个百分点|個百分點|百分点)"
    r"|\s*(?P<cur>美元|美金|港元|港币|港幣|新台币|新台幣|新臺幣|台币|台幣|臺幣|令吉|马币|馬幣"
    r"|欧元|歐元|日元|日圓|日圆|英镑|英鎊|韩元|韓元|人民币|人民幣|元|块"
    r"|(?:USD|CNY|RMB|EUR|HKD|JPY|GBP|MYR|TWD)(?![A-Za-z])"
    r"|(?:US |U\.S\. |Hong Kong |New Taiwan |Taiwan |NT )?dollars|(?:Malaysian )?ringgit"
    r"|yuan|renminbi|yen|euros?|pounds(?: sterling)?|sterling)"
    r"|(?P<measure>个|個|家|名|人|位|款|项|項|只|隻|台|臺|辆|輛|次|座|条|條|种|種|架|颗|顆|部"
    r"|国|國|所|份))?",
    re.I,
)
_CURRENCY_WORDS = {
    "$": "USD", "us$": "USD", "hk$": "HKD", "nt$": "TWD", "s$": "SGD", "a$": "AUD", "c$": "CAD",
    "€": "EUR", "£": "GBP", "人民币": "CNY", "人民幣": "CNY", "rmb": "CNY", "元": "CNY",
    "块": "CNY", "yuan": "CNY", "renminbi": "CNY", "美元": "USD", "美金": "USD",
    "dollars": "USD", "us dollars": "USD", "u.s. dollars": "USD", "港元": "HKD", "港币": "HKD",
    "港幣": "HKD", "hong kong dollars": "HKD", "新台币": "TWD", "新台幣": "TWD", "台币": "TWD",
    "台幣": "TWD", "新臺幣": "TWD", "臺幣": "TWD", "new taiwan dollars": "TWD",
    "taiwan dollars": "TWD", "nt dollars": "TWD",
    "rm": "MYR", "令吉": "MYR", "马币": "MYR", "馬幣": "MYR", "ringgit": "MYR",
    "malaysian ringgit": "MYR", "欧元": "EUR", "歐元": "EUR", "euro": "EUR", "euros": "EUR",
    "日元": "JPY", "日圓": "JPY", "日圆": "JPY", "yen": "JPY", "英镑": "GBP", "英鎊": "GBP",
    "pounds": "GBP", "pounds sterling": "GBP", "sterling": "GBP", "韩元": "KRW", "韓元": "KRW",
}  # fmt: skip
_GENERIC = {"元", "块", "$"}  # defer to a more specific word on the other side of the number
_RANGE_GAP = re.compile(r"^\s*(?:[-–—~～至到]|to|and)\s*$", re.I)
_EN_COUNT_NOUN = re.compile(r"\s+([a-z]{3,}s)(?![A-Za-z])")
_NOT_COUNT_NOUNS = frozenset({"times", "was", "has", "this", "its", "as", "is", "does"})
# a duration ("less than 10 months", 不到十个月) says when, not a figure one can check
_DURATION_NOUNS = frozenset({"years", "months", "weeks", "days", "hours", "minutes", "decades"})
_DURATION_AFTER_MEASURE = re.compile(
    r"多?(?:月|小时|小時|钟头|鐘頭|星期|礼拜|禮拜|交易日|工作日|季度)"
)
_BARE_RANGE_START = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(?:[-–~～至到]|to)\s*$", re.I)
_GLUED_CODE = re.compile(r"(?<![A-Za-z])(?:USD|CNY|RMB|EUR|HKD|JPY|GBP|MYR|TWD|RM)$")
_RANGE_BEFORE_DASH = re.compile(r"[A-Za-z0-9%％]\s*$")
_VAGUE_BEFORE = "数數几幾第上"  # 数十亿, 几百, 第三, 上百: not a figure one can check


@dataclass(frozen=True)
class Figure:
    """One stated figure; `start` covers its qualifier and currency sign, `value` is scaled."""

    start: int
    end: int
    value: float
    unit: str  # percent, points, currency, count
    currency: str | None
    qualifier: str
    range_end: float | None = None
    scale: float = 1.0  # the magnitude applied to the numeral (亿 = 1e8)
    # the place value of the last written digit, scaled like `value`: 7.41% → 0.01,
    # 480亿 → 1e8, 三千五百亿 → 1e10, $48 billion → 1e9 (of the first end of a range)
    precision: float = 1.0


def _currency(prefix: str | None, suffix: str | None, yen: bool) -> str | None:
    """ISO code from the sign before and the word after; ¥ is yen only in a Japanese context."""
    words = [w for w in (suffix, prefix) if w]
    words.sort(key=lambda w: w.lower() in _GENERIC)
    for word in words:
        key = word.lower()
        if key in ("¥", "￥"):
            return "JPY" if yen else "CNY"
        if key.upper() in _CODES:
            return key.upper()
        if key in _CURRENCY_WORDS:
            return _CURRENCY_WORDS[key]
    return None


def _adjacent_letter(text: str, start: int, end: int) -> bool:
    """Digits glued to Latin letters are names or ids (GPT-4, H100, 54fbb2.jpg), not figures."""
    before = text[start - 1] if start > 0 else ""
    if before.isascii() and (before.isalnum() or before == "."):
        return True
    if before == "-" and start > 1 and text[start - 2].isascii() and text[start - 2].isalpha():
        return True
    after = text[end] if end < len(text) else ""
    return after.isascii() and after.isalpha()


def _read(text: str, m: re.Match[str], yen: bool) -> Figure | None:
    """Turn one numeral match into a Figure, or None when it is not a checkable figure."""
    numeral = numeral_text(m)
    chinese = m.group("ar") is None
    if chinese and m.start() > 0 and text[m.start() - 1] in _VAGUE_BEFORE:
        return None
    t = _TRAILER.match(text, m.end())
    assert t is not None  # every group is optional
    end = t.end() if t.group() else m.end()
    glued_code = _GLUED_CODE.search(text, 0, m.start()) is not None  # "EUR131m"
    if (
        not chinese
        and not t.group()
        and not glued_code
        and _adjacent_letter(text, m.start(), m.end())
    ):
        return None
    if (
        not chinese
        and t.group()
        and not glued_code
        and _adjacent_letter(text, m.start(), m.start())
    ):
        return None
    try:
        reading = read_numeral(numeral)
    except ValueError:
        return None
    mag_word = t.group("cnmag") or t.group("enmag")
    scale = magnitude(mag_word)
    written = scaled(reading, scale)
    value, precision = written.value, written.precision
    start = m.start()
    if start > 0 and text[start - 1] in "-−" and not _RANGE_BEFORE_DASH.search(text, 0, start - 1):
        value, start = -value, start - 1  # an explicit sign ("−1.58%"), not the dash of "5%-7%"
    prefix = _PREFIX.search(text, 0, start)
    currency = _currency(prefix and prefix.group("cur"), t.group("cur"), yen)
    if prefix and currency:
        start = prefix.start()
    if m.group("cnpct") or t.group("pct"):
        pct = (t.group("pct") or "").replace("百分點", "百分点")
        unit = "points" if lexicon.PERCENT_POINTS.search(pct) else "percent"
        currency = None
    elif currency:
        unit = "currency"
    elif t.group("measure") or mag_word:
        unit = "count"
    else:
        noun = _EN_COUNT_NOUN.match(text, end)
        if chinese or noun is None or noun.group(1).lower() in _NOT_COUNT_NOUNS | _DURATION_NOUNS:
            return None
        if 1900 <= value <= 2100 and value.is_integer():
            return None  # a year
        unit = "count"
    if t.group("measure") in ("个", "個") and _DURATION_AFTER_MEASURE.match(text, end):
        return None  # 十个月, 三个交易日: a duration
    if chinese and unit == "count" and not any(c in m.group("cn") for c in "十百千万亿萬億兆"):
        return None  # 一天, 两大隐患, 三家公司: single Chinese digits are words, not figures
    qualifier = "exact"
    if t.group("more1") or t.group("more2"):
        qualifier = "over"
    before = lexicon.qualifier_before(text[:start])
    if before:
        qualifier, start = before
    after = lexicon.qualifier_after(text[end:])
    if after:
        qualifier = after[0]
        end += after[1]
    return Figure(start, end, value, unit, currency, qualifier, scale=scale, precision=precision)


def _range_joined(text: str, first: Figure, second: Figure) -> bool:
    """Whether the words between two figures make them the ends of one range."""
    gap = text[first.end : second.start]
    if not _RANGE_GAP.match(gap) or lexicon.FROM_MARKER.search(text[: first.start]):
        return False  # "from $29 billion to $80 billion" is a change, not a range
    # "between 5% and 7%" is a range; "5% and 7%" is a list
    return gap.strip().lower() != "and" or text[: first.start].rstrip().lower().endswith("between")


def _merge_ranges(text: str, figures: list[Figure]) -> list[Figure]:
    """Join "5%至7%", "5-7%", "fell 5% to 7%" into one figure; "5% to $120" stays two."""
    merged: list[Figure] = []
    for fig in figures:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.range_end is None
            and prev.unit == fig.unit
            and prev.currency == fig.currency
            and _range_joined(text, prev, fig)
        ):
            merged[-1] = replace(prev, end=fig.end, range_end=fig.value)
        else:
            merged.append(fig)
    return merged


def _bare_range_starts(text: str, figures: list[Figure]) -> list[Figure]:
    """Read "5-7%" and "5 to 7 percent": a bare number before a range gap takes the next unit."""
    out: list[Figure] = []
    for fig in figures:
        m = _BARE_RANGE_START.search(text, 0, fig.start)
        if m and fig.range_end is None and fig.unit in ("percent", "currency"):
            first = scaled(read_numeral(m.group(1)), fig.scale)
            fig = replace(
                fig,
                start=m.start(),
                value=first.value,
                range_end=fig.value,
                precision=first.precision,
            )
        out.append(fig)
    return out


def find_figures(text: str, *, yen: bool = False) -> list[Figure]:
    """Every checkable figure in `text`, in order; dates and times must be masked beforehand."""
    figures: list[Figure] = []
    for m in _CORE.finditer(text):
        if figures and m.start() < figures[-1].end:
            continue  # the 亿 of "480亿美元" was read with its number
        fig = _read(text, m, yen)
        if fig is None:
            continue
        last = figures[-1] if figures else None
        if (
            last is not None
            and last.end == fig.start
            and last.currency is None
            and last.scale >= 1e8
            and 1e4 <= fig.scale < last.scale
            and fig.value < last.scale
        ):
            # "2兆5912億令吉": one amount written in two magnitudes
            figures[-1] = replace(
                fig, start=last.start, value=last.value + fig.value, qualifier=last.qualifier
            )
            continue
        figures.append(fig)
    return _bare_range_starts(text, _merge_ranges(text, figures))
