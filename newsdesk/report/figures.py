"""Every number the report prints, one function per kind of figure.

Stated figures read like the article, measured ones to fixed decimals (newsdesk.numbers, the
same functions the verdict explanations use), so one number is never printed two ways.
"""

from __future__ import annotations

import math
from typing import Any

from newsdesk.numbers import count, exchange_rate, format_figure, measured_percent, signed


def stated_figure(claim: dict[str, Any]) -> str:
    """The stated value with its range, qualifier and stated conversion."""
    unit, currency = claim.get("unit"), claim.get("currency")
    text = format_figure(claim.get("value"), unit, currency)
    range_end = claim.get("range_end")
    if range_end is not None and not math.isnan(range_end):
        text = f"{text} to {format_figure(range_end, unit, currency)}"
    qualifier = claim.get("qualifier")
    if qualifier and qualifier != "exact":
        text = f"{text} ({qualifier})"
    counter = claim.get("counter_value")
    if counter is not None and not math.isnan(counter):
        text = f"{text} ≈ {format_figure(counter, unit, claim.get('counter_currency'))}"
    return text


def observed_figure(claim: dict[str, Any]) -> str:
    """The measured figure in the claim's unit (a conversion is judged on its FX rate)."""
    observed = claim.get("observed")
    if claim.get("claim_type") == "currency_conversion" and observed is not None:
        pair = f"{claim.get('currency') or '?'}/{claim.get('counter_currency') or '?'}"
        return f"{exchange_rate(observed)} {pair}"
    return format_figure(observed, claim.get("unit"), claim.get("currency"), measured=True)


def move_figure(percent: float) -> str:
    """A measured close-to-close move: -7.4149 -> '−7.41%' (as the verdicts write it)."""
    return measured_percent(percent)


def points_figure(points: float) -> str:
    """A difference of two moves in percentage points: -6.5 -> '−6.50 points'."""
    # -0.001 rounds to "-0.00": no sign on a zero
    text = f"{points:.2f}"
    return f"{signed(text) if text != '-0.00' else '0.00'} points"


def number_of(n: int) -> str:
    """A count of claims or checks: 1200 -> '1,200' (as a count figure is written)."""
    return count(n)


def count_figure(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun: 1 -> '1 claim', 3 -> '3 claims'."""
    return f"{number_of(n)} {noun if n == 1 else plural or noun + 's'}"
