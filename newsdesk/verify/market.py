"""Rules judged against market data: price moves, market-cap changes, listed valuations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from newsdesk.config import VerifyPolicy
from newsdesk.numbers import exchange_rate, measured_percent, money, percent
from newsdesk.verify.facts import FactIndex
from newsdesk.verify.verdict import Judged, decide, no_date, unverifiable


def _money_in(currency: str) -> Callable[[float], str]:
    return lambda x: money(x, currency)


def judge_price_move(claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy) -> Judged:
    """One day's move: close vs the previous close (low/high vs it when intraday)."""
    subjects = claim.get("subjects") or []
    if not subjects:
        return unverifiable("no subject named")
    day: date | None = claim.get("reference_date")
    if day is None:
        return no_date(claim)
    symbol = idx.resolve(subjects[0])
    if symbol is None:
        return unverifiable(f"unknown subject {subjects[0]}: no listed symbol or prices")
    series = idx.bars.get(symbol)
    bar = series.on(day) if series else None
    if bar is None:
        return unverifiable(f"no {symbol} price on {day} (not a trading day, or not loaded)")
    prev = series.before(day)  # type: ignore[union-attr]
    if prev is None:
        return unverifiable(f"no {symbol} close before {day}")
    prev_close = prev[1]["close"]
    # Yahoo's `close` is split-adjusted only; adj_close would also fold in later dividends
    if claim.get("intraday"):
        field = "low" if claim["value"] < 0 else "high"
        price = bar[field] if bar.get(field) is not None else bar["close"]
        observed = (price / prev_close - 1) * 100
        measured = (
            f"{symbol} close {prev_close:.2f} → intraday {field} {price:.2f} on {day}"
            f" = {measured_percent(observed)}"
        )
    else:
        observed = (bar["close"] / prev_close - 1) * 100
        measured = (
            f"{symbol} close {prev_close:.2f} → {bar['close']:.2f} on {day}"
            f" = {measured_percent(observed)}"
        )
    return decide(claim, observed, measured, policy, fmt=percent, words=("rose", "fell"))


def _to_claim_currency(
    usd: float, currency: str, day: date, idx: FactIndex, policy: VerifyPolicy
) -> tuple[float, str] | None:
    """A USD figure in the claim's currency, with the rate note; None if no rate."""
    if currency == "USD":
        return usd, ""
    found = idx.usd_rate(currency, day, policy.fx_carry_days)
    if found is None:
        return None
    rate, rate_day = found
    return (
        usd * rate,
        f" × {exchange_rate(rate)} USD/{currency} (rate of {rate_day})"
        f" = {money(usd * rate, currency)}",
    )


def judge_market_cap_change(claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy) -> Judged:
    """Sum of the subjects' market-cap changes on the day, in the claim's currency."""
    subjects = claim.get("subjects") or []
    if not subjects:
        return unverifiable("no subject named")
    day: date | None = claim.get("reference_date")
    if day is None:
        return no_date(claim)
    parts: list[tuple[str, float]] = []
    missing: list[str] = []
    for subject in subjects:
        entity = idx.resolve(subject) or subject
        prev_day = idx.previous_day(entity, day)
        now = idx.cap_on(entity, day)
        before = idx.cap_on(entity, prev_day) if prev_day else None
        if now is None or before is None:
            missing.append(subject)
        else:
            parts.append((entity, now - before))
    if missing:
        names = ", ".join(missing)
        return unverifiable(f"no market cap for {names} on {day} and the trading day before")
    total = sum(change for _, change in parts)
    terms = " + ".join(f"{entity} {money(change, None)}" for entity, change in parts)
    currency = claim.get("currency") or "USD"
    converted = _to_claim_currency(total, currency, day, idx, policy)
    if converted is None:
        return unverifiable(f"no USD/{currency} rate on or before {day}")
    observed, note = converted
    measured = f"market cap change on {day}: {terms} = {money(total, 'USD')}{note}"
    return decide(
        claim, observed, measured, policy, fmt=_money_in(currency), words=("gained", "lost")
    )


def judge_listed_valuation(
    claim: dict[str, Any], symbols: list[str], idx: FactIndex, policy: VerifyPolicy
) -> Judged:
    """A listed company's stated worth against its market cap on the date."""
    day: date | None = claim.get("reference_date")
    on_publication = day is None
    day = day or idx.published(claim.get("article_id"))
    if day is None:
        return no_date(claim)
    caps: list[tuple[str, float, date]] = []
    for symbol in symbols:
        found = idx.cap_as_of(symbol, day, policy.fx_carry_days)
        if found is None:
            return unverifiable(f"no market cap for {symbol} on or before {day}")
        caps.append((symbol, *found))
    total = sum(value for _, value, _ in caps)
    currency = claim.get("currency") or "USD"
    converted = _to_claim_currency(total, currency, day, idx, policy)
    if converted is None:
        return unverifiable(f"no USD/{currency} rate on or before {day}")
    observed, note = converted
    terms = " + ".join(f"{s} {money(v, None)} ({d})" for s, v, d in caps)
    when = f"publication date {day}" if on_publication else str(day)
    measured = f"market cap on {when}: {terms} = {money(total, 'USD')}{note}"
    return decide(
        claim, observed, measured, policy, fmt=_money_in(currency), words=("worth", "worth")
    )
