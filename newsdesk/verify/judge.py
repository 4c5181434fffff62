"""Dispatch each claim to the rule for its type and fill verdict, observed, explanation."""

from __future__ import annotations

from typing import Any

import polars as pl

from newsdesk.config import VerifyPolicy
from newsdesk.verify.facts import FactIndex, MarketFacts
from newsdesk.verify.market import judge_listed_valuation, judge_market_cap_change, judge_price_move
from newsdesk.verify.private_valuations import judge_private_valuations
from newsdesk.verify.stated import judge_currency_conversion, judge_valuation_change
from newsdesk.verify.verdict import Judged, unverifiable

_NOT_JUDGED: Judged = (None, None, None)


def _judge_one(claim: dict[str, Any], idx: FactIndex, policy: VerifyPolicy) -> Judged | None:
    """The verdict of one claim; None for a private valuation (judged as a group)."""
    claim_type = claim.get("claim_type")
    if claim_type in (None, "other"):
        return _NOT_JUDGED
    if claim.get("value") is None:
        return unverifiable("no figure extracted")
    if claim_type == "price_move":
        return judge_price_move(claim, idx, policy)
    if claim_type == "market_cap_change":
        return judge_market_cap_change(claim, idx, policy)
    if claim_type == "currency_conversion":
        return judge_currency_conversion(claim, idx, policy)
    if claim_type == "valuation_change":
        return judge_valuation_change(claim, policy)
    if claim_type == "valuation":
        subjects = claim.get("subjects") or []
        if not subjects:
            return unverifiable("no entity named")
        symbols = [idx.resolve(s) for s in subjects]
        if all(symbols):
            return judge_listed_valuation(claim, symbols, idx, policy)  # type: ignore[arg-type]
        return None
    return unverifiable(f"no rule for claim type {claim_type}")


def judge_claims(
    claims: pl.DataFrame,
    facts: MarketFacts,
    policy: VerifyPolicy = VerifyPolicy(),  # noqa: B008 - frozen, so a shared default is safe
) -> pl.DataFrame:
    """Same rows and columns as `claims`, with verdict, observed and explanation filled."""
    idx = FactIndex(facts)
    rows = claims.to_dicts()
    judged: list[Judged | None] = [_judge_one(row, idx, policy) for row in rows]
    private = [i for i, result in enumerate(judged) if result is None]
    for i, result in judge_private_valuations(rows, private, idx, policy).items():
        judged[i] = result
    done = [result or _NOT_JUDGED for result in judged]
    return claims.with_columns(
        pl.Series("verdict", [r[0] for r in done], dtype=pl.String),
        pl.Series("observed", [r[1] for r in done], dtype=pl.Float64),
        pl.Series("explanation", [r[2] for r in done], dtype=pl.String),
    )
