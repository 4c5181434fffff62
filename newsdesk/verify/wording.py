"""How a verdict is worded: qualifiers, accepted intervals, stated moves (figures: numbers.py)."""

from __future__ import annotations

import math
from collections.abc import Callable

QUALIFIER_WORDS = {"over": "over ", "nearly": "nearly ", "about": "about ", "under": "under "}


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
