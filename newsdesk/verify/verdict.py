"""Turn an observed figure and a stated one into a verdict line."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from newsdesk.config import VerifyPolicy
from newsdesk.verify.tolerance import (
    magnitude_interval,
    opposite_directions,
    range_interval,
    within,
)
from newsdesk.verify.wording import interval, stated_move

# (verdict, observed, explanation)
Judged = tuple[str | None, float | None, str | None]


def unverifiable(reason: str) -> Judged:
    """No verdict is possible; say why."""
    return "unverifiable", None, reason


# The euro foreign exchange reference rates the ECB publishes (and has published since 1999):
# a currency outside them has no rate to check against, however the quotes are configured.
ECB_CURRENCIES = frozenset(
    {
        *("USD", "JPY", "BGN", "CYP", "CZK", "DKK", "EEK", "GBP", "HUF", "LTL", "LVL", "MTL"),
        *("PLN", "ROL", "RON", "SEK", "SIT", "SKK", "CHF", "ISK", "NOK", "HRK", "RUB", "TRL"),
        *("TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR"),
        *("NZD", "PHP", "SGD", "THB", "ZAR", "EUR"),
    }
)


def no_rate_reason(currency: str, day: object, base: str = "USD") -> str:
    """Why a USD→currency (or base→currency) rate is missing: the ECB publishes none for
    the currency (TWD), or it is not among the loaded quotes or not near the day."""
    for cur in (currency, base):
        if cur not in ECB_CURRENCIES:
            return f"the ECB publishes no {cur} rate"
    return f"no {base}/{currency} rate on or before {day}"


def no_date(claim: dict[str, Any]) -> Judged:
    """The claim's date could not be pinned down: quote the extractor's note."""
    note = claim.get("date_note") or "no note"
    return unverifiable(f"no reference date ({note})")


def claim_interval(
    claim: dict[str, Any], policy: VerifyPolicy, claim_type: str | None = None
) -> tuple[float, float]:
    """The |observed| interval a claim's figure and qualifier allow; claim_type picks the floor."""
    return magnitude_interval(
        claim["value"],
        claim.get("qualifier"),
        span_text=claim.get("span"),
        policy=policy,
        claim_type=claim_type or claim["claim_type"],
        precision=claim.get("precision"),
    )


def decide(
    claim: dict[str, Any],
    observed: float,
    measured: str,
    policy: VerifyPolicy,
    *,
    fmt: Callable[[float], str],
    words: tuple[str, str],
) -> Judged:
    """Compare |observed| with the interval the stated words allow, direction first."""
    value: float = claim["value"]
    qualifier = claim.get("qualifier")
    claim_type: str = claim["claim_type"]
    range_end = claim.get("range_end")
    span = claim.get("span")
    if range_end is not None:
        lo, hi = range_interval(
            value, range_end, qualifier, span_text=span, policy=policy, claim_type=claim_type
        )
        figure = f"{fmt(min(abs(value), abs(range_end)))}–{fmt(max(abs(value), abs(range_end)))}"
        strict = False
    else:
        lo, hi = claim_interval(claim, policy)
        figure = fmt(abs(value))
        # "under 5%" excludes 5% itself, unless a vendor floor has widened it anyway
        strict = qualifier == "under" and not policy.floors.get(claim_type, 0.0)
    rise, fall = words
    stated = stated_move(value, None if range_end is not None else qualifier, rise, fall, figure)
    accepts = interval(-hi, -lo, fmt) if value < 0 else interval(lo, hi, fmt)
    if opposite_directions(value, observed):
        verdict, why = "contradicted", f" ({rise if observed > 0 else fall}, not {stated})"
    else:
        ok = within(abs(observed), (lo, hi), strict_hi=strict)
        verdict, why = ("supported" if ok else "contradicted"), ""
    return verdict, observed, f"{measured}; stated: {stated} (accepts {accepts}) → {verdict}{why}"


def decide_reach(
    claim: dict[str, Any],
    extreme: float,
    measured: str,
    policy: VerifyPolicy,
    *,
    fmt: Callable[[float], str],
    words: tuple[str, str],
) -> Judged:
    """A level reached during the session: supported when the day's extreme reaches what the
    words allow; contradicted only when even the extreme cannot reach it."""
    value: float = claim["value"]
    range_end = claim.get("range_end")
    if range_end is not None:
        lo, hi = range_interval(
            value,
            range_end,
            claim.get("qualifier"),
            span_text=claim.get("span"),
            policy=policy,
            claim_type=claim["claim_type"],
        )
    else:
        lo, hi = claim_interval(claim, policy)
    rise, fall = words
    figure = fmt(abs(value))
    stated = stated_move(value, claim.get("qualifier"), rise, fall, figure)
    reach = abs(extreme) if not opposite_directions(value, extreme) else 0.0
    verdict = "supported" if within(reach, (lo, math.inf)) else "contradicted"
    lowest = -lo if value < 0 else lo
    accepts = f"an extreme {'≤' if value < 0 else '≥'} {fmt(lowest)}"
    return verdict, extreme, f"{measured}; stated: {stated} (accepts {accepts}) → {verdict}"
