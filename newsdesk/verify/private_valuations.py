"""Valuations of non-listed entities: recorded, never verified, disagreements flagged."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import polars as pl

from newsdesk.config import VerifyPolicy
from newsdesk.numbers import money
from newsdesk.tables import VALUATIONS_SCHEMA
from newsdesk.verify.facts import FactIndex, MarketFacts, usd_value
from newsdesk.verify.precision import figure_precision
from newsdesk.verify.verdict import Judged, claim_interval

RECORDED = "private company; reported valuation recorded"
STARTING = "private company; starting figure of a stated change, not recorded as a valuation"


def is_starting_figure(claim: dict[str, Any], claims: list[dict[str, Any]]) -> bool:
    """Is this the earlier valuation of a valuation_change stated in the same sentence?"""
    # "从大约290亿美元的估值,增加了将近两倍": 290亿 is OpenAI's worth months ago, not today
    return any(
        other["claim_type"] == "valuation_change"
        and other.get("article_id") == claim.get("article_id")
        and other.get("sentence") == claim.get("sentence")
        and other.get("from_value") is not None
        and math.isclose(other["from_value"], abs(claim["value"]), rel_tol=1e-9)
        for other in claims
    )


def _is_private(claim: dict[str, Any]) -> bool:
    return str(claim.get("explanation") or "").startswith(RECORDED)


def _as_of(claim: dict[str, Any], idx: FactIndex) -> date | None:
    return claim.get("reference_date") or idx.published(claim.get("article_id"))


def _usd_interval(
    claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy
) -> tuple[float, float] | None:
    """The stated figure's interval (precision and qualifier, no vendor floor) in USD."""
    day = _as_of(claim, idx)
    found = idx.usd_rate(claim.get("currency") or "USD", day, policy.fx_carry_days) if day else None
    if found is None:
        return None
    lo, hi = claim_interval(claim, policy, claim_type="reported_valuation")
    return lo / found[0], hi / found[0]


def _apart(mine: tuple[float, float], theirs: tuple[float, float] | None) -> bool:
    """Two stated intervals that do not overlap: the figures disagree."""
    return theirs is not None and (theirs[1] < mine[0] or theirs[0] > mine[1])


def _stored_interval(row: dict[str, Any]) -> tuple[float, float] | None:
    """A stored reported valuation in USD, read to the precision of its own digits."""
    value, usd = row.get("value"), usd_value(row)
    if not value or usd is None:
        return None
    # the stored number has lost how it was written (1000亿 vs 1,000亿 vs 10,000亿): read it
    # to its own digits, but to two significant digits at least, as news figures usually are
    two_digits = 10 ** (math.floor(math.log10(abs(value))) - 1) / 2
    p = min(figure_precision(value, span_text=None), two_digits)
    return (abs(value) - p) * usd / value, (abs(value) + p) * usd / value


def _disagreements(
    i: int,
    members: list[int],
    claims: list[dict[str, Any]],
    spans: dict[int, tuple[float, float] | None],
    idx: FactIndex,
    month: str,
) -> list[str]:
    """Other figures for the same entity and month whose intervals do not overlap this one."""
    mine = spans[i]
    if mine is None:
        return []
    said: list[str] = []
    for j in members:
        theirs = spans[j]
        if j != i and _apart(mine, theirs):
            other = claims[j]
            where = idx.url(other.get("article_id")) or other.get("article_id")
            said.append(f"{money(abs(other['value']), other.get('currency'))} in {where}")
    own_url = idx.url(claims[i].get("article_id"))
    for row in idx.reported.get(claims[i]["subjects"][0], []):
        # a re-run finds this article's own figure stored: that is no disagreement
        if row.get("source") == own_url or row.get("as_of") is None:
            continue
        if f"{row['as_of']:%Y-%m}" == month and _apart(mine, _stored_interval(row)):
            said.append(f"{money(row['value'], row.get('currency'))} in {row['source']}")
    return said


def judge_private_valuations(
    claims: list[dict[str, Any]], picked: list[int], idx: FactIndex, policy: VerifyPolicy
) -> dict[int, Judged]:
    """Unverifiable by design; flag figures for the same entity and month that disagree."""
    out: dict[int, Judged] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for i in picked:
        claim = claims[i]
        if is_starting_figure(claim, claims):
            out[i] = ("unverifiable", None, STARTING)
            continue
        out[i] = ("unverifiable", None, RECORDED)
        day = _as_of(claim, idx)
        if day is not None:
            groups.setdefault((claim["subjects"][0], f"{day:%Y-%m}"), []).append(i)
    for (_entity, month), members in groups.items():
        spans = {i: _usd_interval(claims[i], idx, policy) for i in members}
        for i in members:
            said = _disagreements(i, members, claims, spans, idx, month)
            if said:
                out[i] = (
                    "unverifiable",
                    None,
                    f"{RECORDED}; disagrees for {month}: {'; '.join(said)}",
                )
    return out


def reported_valuations(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    *,
    tickers: pl.DataFrame | None = None,
    fx_rates: pl.DataFrame | None = None,
    policy: VerifyPolicy = VerifyPolicy(),  # noqa: B008 - frozen, so a shared default is safe
) -> pl.DataFrame:
    """Valuations rows (kind 'reported') from the valuation claims of non-listed entities."""
    empty = MarketFacts()
    idx = FactIndex(
        MarketFacts(
            articles=articles,
            tickers=empty.tickers if tickers is None else tickers,
            fx_rates=empty.fx_rates if fx_rates is None else fx_rates,
        )
    )
    rows = claims.to_dicts()
    out: list[dict[str, Any]] = []
    for claim in rows:
        subjects = claim.get("subjects") or []
        if claim["claim_type"] != "valuation" or not subjects or claim.get("value") is None:
            continue
        if idx.resolve(subjects[0]) is not None or is_starting_figure(claim, rows):
            continue
        if tickers is None and claim.get("explanation") and not _is_private(claim):
            continue  # judged claims tell listed from private even without the tickers
        day = _as_of(claim, idx)
        if day is None:
            continue
        currency = claim.get("currency") or "USD"
        found = idx.usd_rate(currency, day, policy.fx_carry_days)
        value = abs(claim["value"])
        url = idx.url(claim.get("article_id")) or f"article:{claim.get('article_id')}"
        out.append(
            {
                "entity": subjects[0],
                "as_of": day,
                "kind": "reported",
                "value": value,
                "currency": currency,
                "value_usd": value / found[0] if found else None,
                "source": url,
                "shares": None,
                "shares_as_of": None,
                # a USD figure needs no rate: rate_date stays NULL
                "rate_date": found[1] if found and currency != "USD" else None,
            }
        )
    frame = pl.DataFrame(out, schema=VALUATIONS_SCHEMA)
    return frame.unique(
        subset=["entity", "as_of", "kind", "source"], keep="first", maintain_order=True
    )
