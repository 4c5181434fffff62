"""How a figure is written, in verdict explanations and in the report alike.

A stated figure (and an accepted bound) is written to four significant digits, as an article
states it; a measured one to fixed decimals. Explanations are stored in the warehouse, so a
change here changes stored rows.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # a true minus sign reads better than a hyphen in −7.41%
_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))


def signed(text: str) -> str:
    """Swap the ASCII hyphen of a negative number for a minus sign."""
    return text.replace("-", MINUS)


def num(x: float, digits: int = 4) -> str:
    """A plain figure to `digits` significant digits."""
    if math.isinf(x):
        return "∞" if x > 0 else f"{MINUS}∞"
    return signed(f"{x:.{digits}g}")


def money(x: float, currency: str | None) -> str:
    """-4.769e10, 'USD' -> '−47.69 bn USD'."""
    cur = f" {currency}" if currency else ""
    for size, word in _SCALES:
        if abs(x) >= size:
            return f"{num(x / size)} {word}{cur}"
    return f"{num(x, 6)}{cur}"


def percent(x: float) -> str:
    """A stated percent or bound: -1.585 -> '−1.585%'."""
    return f"{num(x)}%"


def measured_percent(x: float) -> str:
    """A measured change, to the hundredth: -7.4107 -> '−7.41%'."""
    return signed(f"{x:.2f}%")


def multiple(x: float) -> str:
    """A stated multiple or bound: 3.0 -> '×3'."""
    return f"×{num(x)}"


def measured_multiple(x: float) -> str:
    """A measured multiple, to the hundredth: 2.75862 -> '×2.76'."""
    return f"×{x:.2f}"


def exchange_rate(x: float, decimals: int = 4) -> str:
    """An exchange rate, to four decimals as the ECB publishes it: 7.19361 -> '7.1936'."""
    return f"{x:.{decimals}f}"


def count(x: float) -> str:
    """A count of things: 1200.0 -> '1,200'."""
    sign = MINUS if x < 0 else ""
    size = abs(x)
    return f"{sign}{size:,.0f}" if float(size).is_integer() else f"{sign}{size:,g}"


def format_figure(
    value: float | None, unit: str | None, currency: str | None = None, *, measured: bool = False
) -> str:
    """A figure in its claim unit (percent, ratio, currency, else a count); '—' if missing."""
    if value is None or math.isnan(value):
        return "—"
    if unit == "percent":
        return measured_percent(value) if measured else percent(value)
    if unit == "ratio":
        return measured_multiple(value) if measured else multiple(value)
    if unit == "currency":
        return money(value, currency)
    return count(value)
