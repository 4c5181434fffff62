"""The precision a stated figure carries: its written precision, read as the extractor read it.

The claim carries the precision the extractor read (`claims.precision`); for a row without it
the span is read again with the same reader (`newsdesk.extract.numerals`), so extraction and
verification cannot disagree on how a numeral was written.
"""

from __future__ import annotations

import math
from decimal import Decimal

from newsdesk.extract.numerals import find_numerals, read_numeral

# A figure as written: its value and the place value of its last written digit (same units).
Written = tuple[float, float]

_PERCENT_WORDS = ("%", "％", "百分之", "percent", "per cent", "個百分點", "个百分点")


def written_figures(span_text: str | None) -> list[Written]:
    """Every figure in a span, in order, as (value, place of its last written digit)."""
    if not span_text:
        return []
    return [(n.value, n.precision) for n in find_numerals(span_text)]


def is_percent_text(span_text: str | None) -> bool:
    """True when the span writes a percentage."""
    return bool(span_text) and any(word in span_text.lower() for word in _PERCENT_WORDS)


def _power_of_ten(ratio: float) -> int | None:
    """The exponent k when ratio = 10**k (float noise allowed), else None."""
    k = round(math.log10(ratio))
    return k if abs(ratio / 10.0**k - 1) < 1e-9 else None


def own_digits(value: float) -> Written:
    """Fallback when no span: the value's own digits."""
    return abs(value), read_numeral(format(Decimal(f"{abs(value):.12g}"), "f")).precision


def match_figure(value: float, span_text: str | None, *, multiple: bool = False) -> Written:
    """The figure in the span that states `value`, as (value, precision) in the units of `value`."""
    magnitude = abs(value)
    figures = written_figures(span_text)
    if magnitude:
        # the figure itself first; else one a power of ten off (the span lacks its 亿 or billion)
        for exact in (True, False):
            for written, place in figures:
                k = _power_of_ten(magnitude / written) if written else None
                if k is not None and (k == 0 or not exact):
                    return magnitude, place * 10.0**k
    if figures and multiple:
        # 增加了两倍 states a ratio of 3: the words, not a power of ten, link figure and value
        return figures[0]
    # the span states some other figure (e.g. only the counter amount): read the value itself
    return own_digits(value)


def significant_place(value: float, precision: float, *, whole_units: bool) -> float:
    """The place of the last significant digit of a figure written to `precision`.

    Percentages and multiples are read to whole units at least, so the zeros of "10%" or
    "十倍" count. In amounts the trailing zeros are placeholders: 3000亿 is stated to the 千亿,
    $2,000 to the thousand (and, the reader keeping no decimal point, $1.50 billion to the
    0.1 billion: a wider interval, never a narrower one).
    """
    if whole_units:
        return min(precision, 1.0)
    digits = round(abs(value) / precision)
    while digits and digits % 10 == 0:
        digits //= 10
        precision *= 10
    return 10.0 ** round(math.log10(precision))


def figure_precision(
    value: float,
    *,
    span_text: str | None,
    whole_units: bool = False,
    precision: float | None = None,
) -> float:
    """Half a unit of the stated figure's last significant digit, in the units of `value`.

    `precision`: the written precision the extractor stored with the claim; without it (rows
    from before the column, figures other than the claim's value) the span is read again.
    `whole_units`: percentages and multiples, whose written zeros are significant.
    """
    if precision is None or not precision > 0:
        precision = match_figure(value, span_text, multiple=whole_units)[1]
    return significant_place(value, precision, whole_units=whole_units) / 2
