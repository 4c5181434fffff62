"""Rules judged against market data: price moves, market-cap changes, listed valuations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from newsdesk.config import VerifyPolicy
from newsdesk.numbers import count, exchange_rate, measured_percent, money, percent
from newsdesk.verify.facts import FactIndex, usd_value
from newsdesk.verify.readings import (
    OFF_SESSION,
    Reading,
    choose,
    explicit_date,
    neighbours,
)
from newsdesk.verify.verdict import (
    Judged,
    decide,
    decide_reach,
    no_date,
    no_rate_reason,
    unverifiable,
)


def _money_in(currency: str) -> Callable[[float], str]:
    return lambda x: money(x, currency)


def _close_move(
    symbol: str, day: date, idx: FactIndex
) -> tuple[float, float, dict[str, Any]] | str:
    """(previous close, observed %, bar) of `symbol` on `day`, or why it cannot be measured."""
    series = idx.bars.get(symbol)
    bar = series.on(day) if series else None
    if series is None or bar is None:
        return f"no {symbol} price on {day} (not a trading day, or not loaded)"
    prev = series.before(day)
    if prev is None:
        return f"no {symbol} close before {day}"
    prev_close = prev[1]["close"]
    # Yahoo's `close` is split-adjusted only; adj_close would also fold in later dividends
    return prev_close, (bar["close"] / prev_close - 1) * 100, bar


def _extreme(bar: dict[str, Any], prev_close: float, fall: bool) -> tuple[str, float, float]:
    """(field, price, % from the previous close) of the day's low (a fall) or high (a rise)."""
    field = "low" if fall else "high"
    price = bar[field] if bar.get(field) is not None else bar["close"]
    return field, price, (price / prev_close - 1) * 100


def _on_close(
    claim: dict[str, Any], symbol: str, day: date, idx: FactIndex, policy: VerifyPolicy
) -> Judged:
    """Close to close on `day`."""
    measured = _close_move(symbol, day, idx)
    if isinstance(measured, str):
        return unverifiable(measured)
    prev_close, observed, bar = measured
    text = (
        f"{symbol} close {prev_close:.2f} → {bar['close']:.2f} on {day}"
        f" = {measured_percent(observed)}"
    )
    return decide(claim, observed, text, policy, fmt=percent, words=("rose", "fell"))


def _in_range(
    claim: dict[str, Any], symbol: str, day: date, idx: FactIndex, policy: VerifyPolicy
) -> Judged:
    """A move reached during the session ("at one point fell 15%"): the day's extreme must
    reach the stated figure; the price passed it on its way there."""
    measured = _close_move(symbol, day, idx)
    if isinstance(measured, str):
        return unverifiable(measured)
    prev_close, _, bar = measured
    field, price, observed = _extreme(bar, prev_close, claim["value"] < 0)
    text = (
        f"{symbol} close {prev_close:.2f} → intraday {field} {price:.2f} on {day}"
        f" = {measured_percent(observed)}"
    )
    return decide_reach(claim, observed, text, policy, fmt=percent, words=("rose", "fell"))


def _off_session_near(claim: dict[str, Any]) -> bool:
    """Whether the words right after the figure put it outside the session ("dropped 6% in
    after-hours trading"), whether or not the extractor marked it intraday."""
    sentence, span = claim.get("sentence") or "", claim.get("span") or ""
    at = sentence.find(span) if span else -1
    return at >= 0 and OFF_SESSION.search(sentence[at : at + len(span) + 40]) is not None


def judge_price_move(claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy) -> Judged:
    """One day's move under every plausible reading (see readings.py): close to close, or the
    day's low/high when stated as intraday; the neighbouring sessions when the date was not
    stated outright; the issuer's other listed share class."""
    subjects = claim.get("subjects") or []
    if not subjects:
        return unverifiable("no subject named")
    day: date | None = claim.get("reference_date")
    if day is None:
        return no_date(claim)
    symbol = idx.resolve(subjects[0])
    if symbol is None:
        return unverifiable(f"unknown subject {subjects[0]}: no listed symbol or prices")
    intraday = bool(claim.get("intraday"))
    if intraday and OFF_SESSION.search(claim.get("sentence") or "") or _off_session_near(claim):
        # the day's bars hold the regular session only: a pre-market or after-hours price
        # is neither in its range nor its close
        return unverifiable("a move before or after the session: the day's prices do not hold it")

    def on(sym: str, d: date, how: str) -> Reading:
        if how == "close":
            name = f"{sym} close to close on {d}"
            return Reading(name, lambda: _on_close(claim, sym, d, idx, policy))
        name = f"{sym} intraday range on {d}"
        return Reading(name, lambda: _in_range(claim, sym, d, idx, policy))

    first = "range" if intraday else "close"
    # A figure not stated as intraday is not read as one: on the corpus that reading saved a
    # planted false figure (about 5% on a −2.1% close, low −4.6%) and no true one.
    readings = [on(symbol, day, first)]
    series = idx.bars.get(symbol)
    if series is not None and not explicit_date(claim):
        for d in neighbours(series.dates, day, idx.published(claim.get("article_id"))):
            readings.append(on(symbol, d, first))
    for sibling in idx.share_classes(symbol):
        readings.append(on(sibling, day, first))
    return choose(readings)


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


# How one entity's change is measured under a reading: None when the facts are missing
Change = Callable[[str, date, date], tuple[float, str] | None]


def _stored_change(idx: FactIndex) -> Change:
    """The stored market caps of the two days, each with the share count in force that day."""

    def change(entity: str, day: date, prev_day: date) -> tuple[float, str] | None:
        now, before = idx.cap_on(entity, day), idx.cap_on(entity, prev_day)
        if now is None or before is None:
            return None
        return now - before, f"{entity} {money(now - before, None)}"

    return change


def _per_share(row: dict[str, Any] | None) -> float | None:
    if row is None or not row.get("shares") or usd_value(row) is None:
        return None
    return usd_value(row) / row["shares"]  # type: ignore[operator]


def _extreme_change(idx: FactIndex, fall: bool) -> Change:
    """The stored cap of the day scaled from its close to the day's low (a fall) or high (a
    rise), against the day before: a market-value move stated as intraday."""

    def change(entity: str, day: date, prev_day: date) -> tuple[float, str] | None:
        now, before = idx.cap_on(entity, day), idx.cap_on(entity, prev_day)
        series = idx.bars.get(entity)
        bar = series.on(day) if series else None
        if now is None or before is None or bar is None or not bar.get("close"):
            return None
        field, price, _ = _extreme(bar, bar["close"], fall)
        delta = now * price / bar["close"] - before
        return delta, f"{entity} {money(delta, None)} (at the intraday {field} {price:.2f})"

    return change


def _count_change(idx: FactIndex, which: int) -> Change:
    """Δ(USD price) × one share count for both days: the count in force on the day (0), the
    one filed before it (−1) or after it (+1)."""

    def change(entity: str, day: date, prev_day: date) -> tuple[float, str] | None:
        row, prev = idx.cap_row(entity, day), idx.cap_row(entity, prev_day)
        now_price, prev_price = _per_share(row), _per_share(prev)
        if row is None or now_price is None or prev_price is None:
            return None
        counts = idx.share_counts(entity)
        key = (row["shares_as_of"], row["shares"])
        if key not in counts or not 0 <= counts.index(key) + which < len(counts):
            return None
        as_of, shares = counts[counts.index(key) + which]
        if not 0.8 <= shares / row["shares"] <= 1.25:
            return None  # a split between the filings: that count is in other units
        delta = (now_price - prev_price) * shares
        return delta, f"{entity} {money(delta, None)} ({count(shares)} shares of {as_of})"

    return change


def _cap_change(
    claim: dict[str, Any],
    entities: list[str],
    day: date,
    idx: FactIndex,
    policy: VerifyPolicy,
    change: Change,
) -> Judged:
    """The summed market-cap change of `entities` on `day`, measured by `change`."""
    parts: list[tuple[float, str]] = []
    missing: list[str] = []
    for entity in entities:
        prev_day = idx.previous_day(entity, day)
        found = change(entity, day, prev_day) if prev_day else None
        if found is None:
            missing.append(entity)
        else:
            parts.append(found)
    if missing:
        names = ", ".join(missing)
        return unverifiable(f"no market cap for {names} on {day} and the trading day before")
    total = sum(delta for delta, _ in parts)
    terms = " + ".join(term for _, term in parts)
    currency = claim.get("currency") or "USD"
    converted = _to_claim_currency(total, currency, day, idx, policy)
    if converted is None:
        return unverifiable(no_rate_reason(currency, day))
    observed, note = converted
    measured = f"market cap change on {day}: {terms} = {money(total, 'USD')}{note}"
    settle = decide_reach if claim.get("intraday") else decide
    return settle(
        claim, observed, measured, policy, fmt=_money_in(currency), words=("gained", "lost")
    )


def _count_changed(idx: FactIndex, entities: list[str], day: date) -> bool:
    """Whether some entity's stored caps of the day and the day before use different counts."""
    for entity in entities:
        prev_day = idx.previous_day(entity, day)
        row, prev = idx.cap_row(entity, day), idx.cap_row(entity, prev_day) if prev_day else None
        if row and prev and row.get("shares") != prev.get("shares"):
            return True
    return False


def judge_market_cap_change(claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy) -> Judged:
    """Sum of the subjects' market-cap changes on the day, in the claim's currency, under every
    plausible reading (see readings.py): the stored caps; one share count for both days, the
    one in force or the nearest filed before or after; the neighbouring sessions when the date
    was not stated outright; the issuer's other listed share class."""
    subjects = claim.get("subjects") or []
    if not subjects:
        return unverifiable("no subject named")
    day: date | None = claim.get("reference_date")
    if day is None:
        return no_date(claim)
    entities = [idx.resolve(subject) or subject for subject in subjects]

    def reading(name: str, ents: list[str], d: date, change: Change) -> Reading:
        return Reading(name, lambda: _cap_change(claim, ents, d, idx, policy, change))

    stored, first = _stored_change(idx), f"market caps as stored on {day}"
    if claim.get("intraday"):
        # 市值盘中一度蒸发…: never judged on the close; the neighbouring sessions still apply
        stored, first = _extreme_change(idx, claim["value"] < 0), f"the intraday extreme on {day}"
    readings = [reading(first, entities, day, stored)]
    if _count_changed(idx, entities, day):
        readings.append(
            reading("one share count for both days", entities, day, _count_change(idx, 0))
        )
    if any(len(idx.share_counts(entity)) > 1 for entity in entities):
        for which, when in ((-1, "before"), (1, "after")):
            name = f"the share count filed {when}"
            readings.append(reading(name, entities, day, _count_change(idx, which)))
    series = idx.bars.get(entities[0]) or idx.caps.get(entities[0])
    if series is not None and not explicit_date(claim):
        for d in neighbours(series.dates, day, idx.published(claim.get("article_id"))):
            readings.append(reading(f"market caps as stored on {d}", entities, d, stored))
    if len(entities) == 1:
        for sibling in idx.share_classes(entities[0]):
            readings.append(reading(f"{sibling} prices on {day}", [sibling], day, stored))
    return choose(readings)


# A stated worth more than this factor away from the market cap is no misstatement of the worth
# but a misread amount (a change, another company's): it is not judged.
IMPLAUSIBLE_WORTH = 2.0


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
        return unverifiable(no_rate_reason(currency, day))
    observed, note = converted
    terms = " + ".join(f"{s} {money(v, None)} ({d})" for s, v, d in caps)
    when = f"publication date {day}" if on_publication else str(day)
    measured = f"market cap on {when}: {terms} = {money(total, 'USD')}{note}"
    stated = abs(claim.get("value") or 0.0)
    if stated and not 1 / IMPLAUSIBLE_WORTH <= observed / stated <= IMPLAUSIBLE_WORTH:
        # "$593 billion of its market value disappeared" read as a worth of $593 billion, or
        # another company's worth beside it: no plausible reading of a worth is that far off
        return unverifiable(
            f"{measured}: {money(stated, currency)} is not this company's worth under any"
            " plausible reading (a change of value, or another company's, read as a worth?)"
        )
    return decide(
        claim, observed, measured, policy, fmt=_money_in(currency), words=("worth", "worth")
    )
