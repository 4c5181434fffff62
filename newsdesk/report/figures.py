"""Figures as a reader says them: stated and observed values with units, ranges and qualifiers."""

from __future__ import annotations

import math
from typing import Any

from newsdesk.numbers import exchange_rate, format_figure


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
