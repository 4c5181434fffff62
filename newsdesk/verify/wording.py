"""How figures are written in explanations: one readable line per verdict."""

from __future__ import annotations

import math
from collections.abc import Callable

MINUS = "\u2212"  # a true minus sign reads better than a hyphen in −7.41%
QUALIFIER_WORDS = {"over": "over ", "nearly": "nearly ", "about": "about ", "under": "under "}


def signed(text: str) -> str:
    """Swap the ASCII hyphen of a negative number for a minus sign."""
    return text.replace("-", MINUS)


def pct(x: float) -> str:
    """-7.4107 -> '−7.41%'."""
    return signed(f"{x:.2f}%")


def num(x: float, digits: int = 4) -> str:
    """A plain figure to `digits` significant digits."""
    if math.isinf(x):
        return "∞" if x > 0 else f"{MINUS}∞"
    return signed(f"{x:.{digits}g}")


def money(x: float, currency: str | None) -> str:
    """-4.769e10, 'USD' -> '−47.69 bn USD'."""
    cur = f" {currency}" if currency else ""
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(x) >= size:
            return f"{num(x / size)} {word}{cur}"
    return f"{num(x, 6)}{cur}"


def interval(lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    """'≥ 7%' / '≤ −7%' / '7.113…7.474' for an accepted interval."""
    if math.isinf(hi) and math.isinf(lo):
        return "anything"
    if math.isinf(hi):
        return f"≥ {fmt(lo)}"
    if math.isinf(lo):
        return f"≤ {fmt(hi)}"
    return f"{fmt(lo)}…{fmt(hi)}"


def stated_move(value: float, qualifier: str | None, rise: str, fall: str, figure: str) -> str:
    """('fell', 'over', '7%') -> 'fell over 7%'."""
    verb = fall if value < 0 else rise
    return f"{verb} {QUALIFIER_WORDS.get(qualifier or '', '')}{figure}"
