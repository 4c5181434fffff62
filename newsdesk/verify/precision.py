"""Read figures as written (Arabic or Chinese numerals) and the precision they carry."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

# A figure as written: its numeric value and the place value of its last significant digit.
Written = tuple[float, float]

_ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿点]+")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_PERCENT_WORDS = ("%", "百分之", "percent", "per cent", "個百分點", "个百分点")


def parse_arabic(text: str) -> Written:
    """'3,500' -> (3500, 100): trailing zeros of an integer are not significant."""
    plain = text.replace(",", "")
    if "." in plain:
        return float(plain), 10.0 ** -len(plain.split(".", 1)[1])
    stripped = plain.rstrip("0")
    if not stripped:  # a written 0 is precise to its units digit
        return 0.0, 1.0
    return float(plain), 10.0 ** (len(plain) - len(stripped))


def parse_chinese(text: str) -> Written | None:
    """'三千五百' -> (3500, 100), '七点五' -> (7.5, 0.1); None if no digit."""
    if not any(ch in _DIGITS or ch == "十" for ch in text):
        return None
    whole, _, frac = text.partition("点")
    total, section, pending, last_small = 0.0, 0.0, None, 0
    places: list[float] = []
    section_places: list[float] = []
    for ch in whole.replace("万亿", "兆"):
        if ch in _DIGITS:
            pending = _DIGITS[ch]
            if pending == 0:
                last_small = 0  # 三千零五: the digit after 零 is a units digit
        elif ch in _SMALL:
            unit = _SMALL[ch]
            digit = 1 if pending is None else pending
            section += digit * unit
            if digit:
                section_places.append(unit)
            pending, last_small = None, unit
        else:
            big = 1e12 if ch == "兆" else _BIG[ch]
            if pending:
                section += pending
                section_places.append(1)
            total += section * big
            places += [p * big for p in section_places]
            section, pending, last_small, section_places = 0.0, None, 0, []
    if pending:
        # 三千五 is colloquial for 3500: a bare last digit takes the place below the last unit
        place = last_small / 10 if last_small else 1
        section += pending * place
        section_places.append(place)
    total += section
    places += section_places
    if frac:
        digits = [_DIGITS.get(ch, 0) for ch in frac]
        total += sum(d * 10.0 ** -(i + 1) for i, d in enumerate(digits))
        return total, 10.0 ** -len(digits)
    return total, min(places) if places else 1.0


def written_figures(span_text: str | None) -> list[Written]:
    """Every figure in a span, in order, as (value, place of last significant digit)."""
    if not span_text:
        return []
    text = unicodedata.normalize("NFKC", span_text).replace("百分之", " ")
    found: list[tuple[int, Written]] = [
        (m.start(), parse_arabic(m.group())) for m in _ARABIC.finditer(text)
    ]
    for m in _CHINESE.finditer(text):
        parsed = parse_chinese(m.group())
        if parsed is not None:
            found.append((m.start(), parsed))
    return [figure for _, figure in sorted(found, key=lambda item: item[0])]


def is_percent_text(span_text: str | None) -> bool:
    """True when the span writes a percentage."""
    return bool(span_text) and any(word in span_text.lower() for word in _PERCENT_WORDS)


def _power_of_ten(ratio: float) -> bool:
    exponent = math.log10(ratio)
    return abs(exponent - round(exponent)) < 1e-6


def own_digits(value: float) -> Written:
    """Fallback when no span: the value's own digits."""
    return parse_arabic(format(Decimal(f"{abs(value):.12g}"), "f"))


def match_figure(
    value: float, span_text: str | None, *, multiple: bool = False
) -> tuple[Written, float]:
    """Find the figure in the span that states `value`, and the scale from it to `value`."""
    magnitude = abs(value)
    figures = written_figures(span_text)
    for written, place in figures:
        if written and magnitude and _power_of_ten(magnitude / written):
            # 480 in "480亿美元" states 4.8e10: the scale is the unit written (亿 = 1e8)
            return (written, place), magnitude / written
    if figures and multiple:
        # 增加了两倍 states a ratio of 3: the words, not a power of ten, link figure and value
        return figures[0], 1.0
    # the span states some other figure (e.g. only the counter amount): read the value itself
    return own_digits(value), 1.0


def figure_precision(value: float, *, span_text: str | None, whole_units: bool = False) -> float:
    """Half a unit of the stated figure's last significant digit, in the units of `value`.

    `whole_units`: percentages and multiples are written to at least whole units, so the
    zeros of "10%" or "十倍" count as significant (only amounts drop trailing zeros).
    """
    (_, place), scale = match_figure(value, span_text, multiple=whole_units)
    if whole_units:
        place = min(place, 1.0)
    return place / 2 * scale
