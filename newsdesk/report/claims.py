"""The claim rows as every rendering reads them: counts, the summary, articles, fields, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from newsdesk.report.benchmarks import market_move
from newsdesk.report.figures import count_figure, number_of, observed_figure, stated_figure

VERDICTS = ("supported", "contradicted", "unverifiable")
NOT_JUDGED = "not judged"


def verdict_counts(claims: pl.DataFrame) -> dict[str, int]:
    """Claims per verdict, plus the unjudged `other` figures."""
    rows = claims.to_dicts()
    counts = {v: sum(1 for r in rows if r.get("verdict") == v) for v in VERDICTS}
    counts["other"] = sum(1 for r in rows if r.get("claim_type") == "other")
    return counts


def header_line(claims: pl.DataFrame) -> str:
    """'3 claims judged: 1 supported, …; 1 other figure not checked.'"""
    counts = verdict_counts(claims)
    judged = ", ".join(f"{number_of(counts[v])} {v}" for v in VERDICTS)
    total = sum(counts[v] for v in VERDICTS)
    other = count_figure(counts["other"], "other figure")
    return f"{count_figure(total, 'claim')} judged: {judged}; {other} not checked."


def verdict_of(claim: dict[str, Any]) -> str:
    """The claim's verdict, or 'not judged'."""
    return claim.get("verdict") or NOT_JUDGED


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


def article_title(article: dict[str, Any]) -> str:
    """The article's title, else its web address, else 'article'."""
    return str(article.get("title") or safe_url(article.get("url")) or "article")


@dataclass
class ArticleClaims:
    """One article and its claims, judged ones first, the unchecked figures apart."""

    article: dict[str, Any]
    judged: list[dict[str, Any]] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)


def by_article(claims: pl.DataFrame, articles: pl.DataFrame) -> list[ArticleClaims]:
    """Claims grouped by article (articles in the frame's order), each article's claims in the
    order its text states them, so the claims of one sentence sit together."""
    index = {r["article_id"]: r for r in articles.to_dicts()}
    groups: dict[Any, ArticleClaims] = {}
    for claim in claims.to_dicts():
        aid = claim.get("article_id")
        group = groups.setdefault(aid, ArticleClaims(index.get(aid) or {"article_id": aid}))
        (group.others if claim.get("claim_type") == "other" else group.judged).append(claim)
    for group in groups.values():
        text = str(group.article.get("text") or "")
        group.judged.sort(key=lambda c: _reading_order(c, text))
        group.others.sort(key=lambda c: _reading_order(c, text))
    return list(groups.values())


def _reading_order(claim: dict[str, Any], text: str) -> tuple[int, int]:
    """Where the claim's sentence starts in the article, then its figure in the sentence; a
    sentence not found keeps its place after the found ones (the sort is stable)."""
    sentence, span = str(claim.get("sentence") or ""), str(claim.get("span") or "")
    at = text.find(sentence) if sentence else -1
    within = sentence.find(span) if span else -1
    return (at if at >= 0 else len(text) + 1, within if within >= 0 else len(sentence))


def with_verdict(claims: pl.DataFrame, verdict: str) -> list[dict[str, Any]]:
    """The judged claims with that verdict, in the frame's order."""
    return [c for c in claims.to_dicts() if c.get("verdict") == verdict]


def claim_fields(
    claim: dict[str, Any], prices: pl.DataFrame, tickers: pl.DataFrame
) -> list[tuple[str, str]]:
    """What the report shows of a judged claim, label → text, each figure printed one way."""
    fields = [("stated", stated_figure(claim)), ("observed", observed_figure(claim))]
    move = market_move(claim, prices, tickers)
    if move is not None:
        fields.append(("market", move.text()))
    fields.append(("why", claim.get("explanation") or ""))
    return fields


def split_claims(claims: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Judged claims and the `other` figures, in the frame's order."""
    rows = claims.to_dicts()
    judged = [r for r in rows if r.get("claim_type") != "other"]
    return judged, [r for r in rows if r.get("claim_type") == "other"]
