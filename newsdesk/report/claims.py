"""The claim rows as every rendering reads them: verdict counts, judged vs other, labels, links."""

from __future__ import annotations

from typing import Any

import polars as pl

VERDICTS = ("supported", "contradicted", "unverifiable")


def verdict_counts(claims: pl.DataFrame) -> dict[str, int]:
    """Claims per verdict, plus the unjudged `other` figures."""
    rows = claims.to_dicts()
    counts = {v: sum(1 for r in rows if r.get("verdict") == v) for v in VERDICTS}
    counts["other"] = sum(1 for r in rows if r.get("claim_type") == "other")
    return counts


def header_line(claims: pl.DataFrame) -> str:
    """'3 claims judged: 2 supported, …; 1 other figure not checked.'"""
    counts = verdict_counts(claims)
    judged = ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
    total, other = sum(counts[v] for v in VERDICTS), counts["other"]
    return (
        f"{total} claim{'s' if total != 1 else ''} judged: {judged}; "
        f"{other} other figure{'s' if other != 1 else ''} not checked."
    )


def article_index(articles: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Article rows by article_id."""
    return {r["article_id"]: r for r in articles.to_dicts()}


def split_claims(claims: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Judged claims and the `other` figures, in the frame's order."""
    rows = claims.to_dicts()
    judged = [r for r in rows if r.get("claim_type") != "other"]
    return judged, [r for r in rows if r.get("claim_type") == "other"]


def joined_subjects(claim: dict[str, Any]) -> str:
    """The claim's subjects as 'ADBE, SSTK'."""
    return ", ".join(claim.get("subjects") or [])


def claim_label(claim: dict[str, Any]) -> str:
    """'price_move ADBE', or just the type when the claim names no subject."""
    return " ".join(filter(None, [claim.get("claim_type") or "", joined_subjects(claim)]))


def safe_url(url: Any) -> str:
    """Only web links: a feed could hand us a javascript: URL."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""
