"""Read numerals — Arabic ("3,500.5") or Chinese ("三千五百亿", "三千五", "七点五", 萬, 億, 兆) —
as a value and the precision it was written to.

The one numeral reader: extraction (`extract/numbers.py`) and verification
(`verify/precision.py`) both read here, so a span is never read one way when it is found and
another when it is judged.

Precision is the place value of the last written digit, in the units of the value: "7.41" →
0.01, "480" → 1 (and 480亿 → 1e8), "三千五百亿" → 1e10, "三千五" → 100, "十七" → 1, "七点五" → 0.1.
Whether a written trailing zero is significant is the verifier's rule, not the reader's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
# 兆 is 10^12 in Hong Kong and Taiwan financial text ("2兆美元" = $2T), as 萬/億 are 万/亿
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}
_POINT = "点點"
CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)

ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CHINESE = rf"[{CHINESE_NUMERAL_CHARS}]+(?:[{_POINT}][零〇一二三四五六七八九]+)?"
# One numeral: 百分之 first, or its 百 would read as a hundred.
NUMERAL = rf"百分之(?P<cnpct>{CHINESE})|(?P<ar>{ARABIC})|(?P<cn>{CHINESE})"
# The magnitude word after a numeral (480亿, 1.2万亿, $48 billion, 2兆), with 多/余 around it.
MAGNITUDE = (
    r"(?P<more1>多|余|餘)?"
    # a space before it in Taiwan: "2,770 億"
    r"(?:[ \u00a0]?(?P<cnmag>[万萬][亿億]|[千百十][亿億万萬]|[亿億万萬兆千]))?"
    r"(?P<more2>多|余|餘)?"
    # "US$175-billion" (Canadian style): a hyphen before a spelled-out magnitude
    r"(?:(?:\s*|-(?=[a-z]{4}))(?P<enmag>thousand|million|billion|trillion|mln|bln|mn|bn|tn|trn|k|m|b)"
    r"(?![A-Za-z]))?"
)
MAGNITUDES: dict[str, float] = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6,
    "十万": 1e5, "万": 1e4, "千": 1e3, "兆": 1e12,
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "bln": 1e9,
    "b": 1e9, "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}  # fmt: skip
_SIMPLIFIED = str.maketrans({"萬": "万", "億": "亿", "兩": "两", "點": "点", "餘": "余"})
_NUMERAL = re.compile(NUMERAL)
_MAGNITUDE = re.compile(MAGNITUDE, re.I)


@dataclass(frozen=True)
class Reading:
    """A numeral's value and the place value of its last written digit, in the same units."""

    value: float
    precision: float


@dataclass(frozen=True)
class Numeral:
    """A numeral found in a text, its magnitude word (亿, billion) applied."""

    start: int
    end: int  # after the magnitude word
    value: float
    precision: float
    scale: float  # the magnitude applied (亿 = 1e8; 1 when none)


def _power_of_ten(x: float) -> float:
    """Snap a product of powers of ten (0.1 * 1e12) back to the exact power."""
    return 10.0 ** round(math.log10(x))


def magnitude(word: str | None) -> float:
    """The factor of a magnitude word (亿 = 1e8, 萬億 = 1e12, bn = 1e9); 1 for none."""
    return MAGNITUDES[word.translate(_SIMPLIFIED).lower()] if word else 1.0


def _close_section(
    section: int, last: int, pending: int | None, small: int, zero: bool, big_before: int
) -> tuple[int, int]:
    """Add a section's bare last digit: 三千五 = 3500, 两万五 = 25000, 一亿二 = 1.2e8."""
    if pending is None:
        return section, last
    if zero:
        place = 1  # 三千零五: after 零 the bare digit is a units digit
    elif small:
        place = small // 10  # colloquial: one place below the unit before it
    elif big_before:
        place = big_before // 10  # 两万五, 一亿二: one place below the big unit before it
    else:
        place = 1
    return section + pending * place, place


def _chinese_integer(text: str) -> tuple[int, int]:
    """(value, place of the last written digit) of a Chinese integer numeral."""
    if not any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in text):
        # positional digits (二〇二四); a lone digit is the simplest case
        return int("".join(str(_DIGITS[ch]) for ch in text)), 1
    if all(ch in _BIG_UNITS for ch in text):
        raise ValueError(f"a unit word, not a numeral: {text!r}")  # 亿元, 万人
    groups: list[tuple[int, int, int]] = []  # (big unit, value, place), closed by a big unit
    section = last = small = 0  # value, last digit's place, last small unit of the open section
    pending: int | None = None  # a digit not yet given its place
    zero = False
    for ch in text:
        if ch in _DIGITS:
            if pending is not None:
                raise ValueError(f"two digits in a row: {text!r}")
            digit = _DIGITS[ch]
            zero = zero or digit == 0
            pending = digit or None
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            digit = 1 if pending is None else pending  # 十五: a bare 十 counts one ten
            section += digit * unit
            last = small = unit
            pending, zero = None, False
        else:
            big = _BIG_UNITS[ch]
            before = groups[-1][0] if groups and groups[-1][0] < big else 0
            section, last = _close_section(section, last, pending, small, zero, before)
            # 三万亿 = 3e12: the groups below this unit are multiplied by it
            value, place = section, last
            while groups and groups[-1][0] < big:
                _, v, p = groups.pop()
                value, place = value + v, place or p
            if not value:
                value, place = 1, 1  # 万亿 after nothing: one of it
            groups.append((big, value * big, place * big))
            section = last = small = 0
            pending, zero = None, False
    before = groups[-1][0] if groups else 0
    section, last = _close_section(section, last, pending, small, zero, before)
    total = sum(v for _, v, _ in groups) + section
    return total, last or (groups[-1][2] if groups else 1)


def read_numeral(text: str) -> Reading:
    """The value of one numeral and its precision; 点 is the decimal point, commas group."""
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "").translate(_SIMPLIFIED)
    if not text:
        raise ValueError("empty numeral")
    if text[0].isdigit():
        decimals = len(text.partition(".")[2])
        return Reading(float(Decimal(text)), 10.0**-decimals)
    whole, point, frac = text.partition("点")
    if point and not frac:
        raise ValueError(f"a decimal point without decimals: {text!r}")
    value, place = _chinese_integer(whole) if whole else (0, 1)
    if not frac:
        return Reading(float(value), float(place))
    tail = frac.lstrip("零〇一二三四五六七八九")  # 三点五亿: a big unit after the decimals
    frac = frac[: len(frac) - len(tail)]
    if not frac or any(ch not in _BIG_UNITS for ch in tail):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    digits = "".join(str(_DIGITS[ch]) for ch in frac)
    scale = math.prod(_BIG_UNITS[ch] for ch in tail)
    written = Decimal(f"{value}.{digits}") * scale
    return Reading(float(written), _power_of_ten(scale / 10 ** len(digits)))


def parse_number(text: str) -> float:
    """The value of one numeral."""
    return read_numeral(text).value


def numeral_text(m: re.Match[str]) -> str:
    """The numeral a NUMERAL match holds (without 百分之)."""
    return m.group("cnpct") or m.group("ar") or m.group("cn")


def scaled(reading: Reading, scale: float) -> Reading:
    """A reading times its magnitude word: 480 (precision 1) 亿 → 4.8e10 (precision 1e8)."""
    return Reading(reading.value * scale, _power_of_ten(reading.precision * scale))


def find_numerals(text: str) -> list[Numeral]:
    """Every numeral in `text` with its magnitude word, in order, however it is used."""
    found: list[Numeral] = []
    for m in _NUMERAL.finditer(text):
        if found and m.start() < found[-1].end:
            continue  # the 千亿 of "5千亿" was read as the magnitude of 5
        try:
            reading = read_numeral(numeral_text(m))
        except ValueError:
            continue
        mag = _MAGNITUDE.match(text, m.end())
        assert mag is not None  # every group is optional
        scale = magnitude(mag.group("cnmag") or mag.group("enmag"))
        both = scaled(reading, scale)
        end = max(m.end(), mag.end())
        last = found[-1] if found else None
        if last and last.end == m.start() and last.scale >= 1e8 and 1e4 <= scale < last.scale:
            # "2兆5912億", "1万2千亿"-like sections: one amount written in two magnitudes
            found[-1] = Numeral(last.start, end, last.value + both.value, both.precision, scale)
            continue
        found.append(Numeral(m.start(), end, both.value, both.precision, scale))
    return found
