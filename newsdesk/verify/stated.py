"""Rules on stated figures: currency conversions and valuation multiples."""

from __future__ import annotations

from typing import Any

from newsdesk.config import VerifyPolicy
from newsdesk.numbers import exchange_rate, measured_multiple, money, multiple
from newsdesk.verify.facts import FactIndex
from newsdesk.verify.tolerance import magnitude_interval, within
from newsdesk.verify.verdict import (
    Judged,
    claim_interval,
    no_date,
    no_rate_reason,
    unverifiable,
)
from newsdesk.verify.wording import QUALIFIER_WORDS

# Claim type under which the two figures of a conversion are read: no vendor floor applies
# to a figure itself; the conversion's floor (if any) widens the implied rate instead.
_FIGURE = "conversion_figure"


def implied_rate_interval(
    claim: dict[str, Any], policy: VerifyPolicy
) -> tuple[float, float, float]:
    """(implied, lo, hi): counter ÷ value, bounded by both figures' precision."""
    value, counter = abs(claim["value"]), abs(claim["counter_value"])
    span = claim.get("span")
    # the conversion's own qualifier (约合) is the rounding itself: each figure is read exact
    v_lo, v_hi = magnitude_interval(
        value, "exact", span_text=span, policy=policy, claim_type=_FIGURE
    )
    c_lo, c_hi = magnitude_interval(
        counter, "exact", span_text=span, policy=policy, claim_type=_FIGURE
    )
    implied = counter / value
    lo, hi = c_lo / v_hi, (c_hi / v_lo if v_lo else float("inf"))
    floor = policy.floors.get(claim["claim_type"], 0.0) * implied
    return implied, min(lo, implied - floor), max(hi, implied + floor)


def judge_currency_conversion(
    claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy
) -> Judged:
    """value/currency ≈ counter_value/counter_currency at the ECB rate of the day."""
    base, quote = claim.get("currency"), claim.get("counter_currency")
    if not claim.get("value") or claim.get("counter_value") is None or not base or not quote:
        return unverifiable("conversion lacks a figure or a currency")
    day = claim.get("reference_date")
    on_publication = day is None
    day = day or idx.published(claim.get("article_id"))
    if day is None:
        return no_date(claim)
    found = idx.cross_rate(base, quote, day, policy.fx_carry_days)
    if found is None:
        return unverifiable(no_rate_reason(quote, day, base))
    rate, rate_day = found
    implied, lo, hi = implied_rate_interval(claim, policy)
    verdict = "supported" if within(rate, (lo, hi)) else "contradicted"
    when = f" (publication date {day})" if on_publication else ""
    carried = f" (rate of {rate_day})" if rate_day != day else ""
    explanation = (
        f"stated {money(abs(claim['value']), base)} ≈ {money(abs(claim['counter_value']), quote)}"
        f" implies {base}/{quote} {exchange_rate(implied)}"
        f" (accepts {exchange_rate(lo, 3)}…{exchange_rate(hi, 3)});"
        f" ECB {base}/{quote} on {day}{when} {exchange_rate(rate)}{carried} → {verdict}"
    )
    return verdict, rate, explanation


def judge_valuation_change(claim: dict[str, Any], policy: VerifyPolicy) -> Judged:
    """The stated multiple against to_value ÷ from_value."""
    start, end = claim.get("from_value"), claim.get("to_value")
    if not start or end is None:
        return unverifiable("change lacks the valuations it starts and ends at")
    observed = end / start
    lo, hi = claim_interval(claim, policy)
    verdict = "supported" if within(abs(observed), (lo, hi)) else "contradicted"
    stated = f"{QUALIFIER_WORDS.get(claim.get('qualifier') or '', '')}{multiple(claim['value'])}"
    cur = claim.get("currency")
    explanation = (
        f"stated valuations {money(start, cur)} → {money(end, cur)}"
        f" = {measured_multiple(observed)};"
        f" stated: {stated} (accepts {multiple(lo)}…{multiple(hi)}) → {verdict}"
    )
    return verdict, observed, explanation
