"""Figures as a reader says them: stated and observed values with units, ranges and qualifiers."""

from __future__ import annotations

import math
from typing import Any

from newsdesk.verify.wording import MINUS

SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


def format_number(value: float, unit: str | None, currency: str | None = None) -> str:
    """A figure as a reader says it: '−7 %', '−48.0 B USD', '3×', '1,200'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = MINUS if value < 0 else ""
    size = abs(value)
    if unit == "percent":
        return f"{sign}{round(size, 2):g} %"
    if unit == "ratio":
        return f"{sign}{size:g}×"
    if unit == "currency":
        for factor, suffix in SCALES:
            if size >= factor:
                return f"{sign}{size / factor:.1f} {suffix} {currency or ''}".rstrip()
        return f"{sign}{size:,.0f} {currency or ''}".rstrip()
    return f"{sign}{size:,.0f}" if float(size).is_integer() else f"{sign}{size:,g}"


def stated_figure(claim: dict[str, Any]) -> str:
    """The stated value with its range, qualifier and stated conversion."""
    unit, currency = claim.get("unit"), claim.get("currency")
    text = format_number(claim.get("value"), unit, currency)
    range_end = claim.get("range_end")
    if range_end is not None and not math.isnan(range_end):
        text = f"{text} to {format_number(range_end, unit, currency)}"
    qualifier = claim.get("qualifier")
    if qualifier and qualifier != "exact":
        text = f"{text} ({qualifier})"
    counter = claim.get("counter_value")
    if counter is not None and not math.isnan(counter):
        text = f"{text} ≈ {format_number(counter, unit, claim.get('counter_currency'))}"
    return text


def observed_figure(claim: dict[str, Any]) -> str:
    """The measured figure in the claim's unit (a conversion is judged on its FX rate)."""
    observed = claim.get("observed")
    if claim.get("claim_type") == "currency_conversion" and observed is not None:
        pair = f"{claim.get('currency') or '?'}/{claim.get('counter_currency') or '?'}"
        return f"{observed:.4f} {pair}"
    return format_number(observed, claim.get("unit"), claim.get("currency"))
