"""The claims report as Markdown: the summary, then each article with its claims.

Lines are wrapped short: the report is read in a terminal and as a Prefect artifact.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import polars as pl

from newsdesk.report.claims import (
    ArticleClaims,
    article_title,
    by_article,
    claim_fields,
    claim_label,
    header_line,
    safe_url,
    verdict_of,
    with_verdict,
)
from newsdesk.report.figures import observed_figure, stated_figure
from newsdesk.report.quality import QualityCounts
from newsdesk.report.wrap import wrap

WIDTH = 100


def report_markdown(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    *,
    report_date: date,
    prices: pl.DataFrame | None = None,
    tickers: pl.DataFrame | None = None,
    quality: QualityCounts | None = None,
) -> str:
    """The report as Markdown (also the Prefect artifact)."""
    # without tickers no benchmark is known; without prices no move is measured
    prices = prices if prices is not None else pl.DataFrame()
    tickers = tickers if tickers is not None else pl.DataFrame()
    lines = [f"# Claims report — {report_date.isoformat()}", ""]
    if claims.height == 0:
        lines += [f"There were no claims for {report_date.isoformat()}.", ""]
        lines += [quality.text(), ""] if quality else []
        return "\n".join(lines)
    lines += summary_lines(claims, articles, quality)
    for group in by_article(claims, articles):
        lines += _article_lines(group, prices, tickers)
    return "\n".join(lines)


def summary_lines(
    claims: pl.DataFrame, articles: pl.DataFrame, quality: QualityCounts | None
) -> list[str]:
    """Counts by verdict, then the contradicted claims, then the unverifiable with reasons."""
    titles = {r["article_id"]: article_title(r) for r in articles.to_dicts()}
    lines = ["## Summary", "", header_line(claims), ""]
    contradicted = with_verdict(claims, "contradicted")
    lines += ["Contradicted:" if contradicted else "Contradicted: none.", ""]
    for c in contradicted:
        text = (
            f"{claim_label(c)}: stated {stated_figure(c)}, observed {observed_figure(c)}"
            f" ({titles.get(c.get('article_id'), 'article')})"
        )
        lines += _item(text)
    lines += [""] if contradicted else []
    unverifiable = with_verdict(claims, "unverifiable")
    lines += ["Unverifiable:" if unverifiable else "Unverifiable: none.", ""]
    for c in unverifiable:
        lines += _item(f"{claim_label(c)}: {c.get('explanation') or 'no reason recorded'}")
    lines += [""] if unverifiable else []
    if quality is not None:
        lines += [quality.text(), ""]
    return lines


def _article_lines(group: ArticleClaims, prices: pl.DataFrame, tickers: pl.DataFrame) -> list[str]:
    lines = [f"## {_md(article_title(group.article))}", ""]
    url = safe_url(group.article.get("url"))
    if url:
        lines += [f"<{_link(url)}>", ""]
    sentence = None
    for c in group.judged:
        if c.get("sentence") != sentence:  # the claims of one sentence share its quote
            sentence = c.get("sentence")
            lines += [*wrap(_md(sentence), WIDTH, "> ", "> "), ""]
        lines += [f"### {verdict_of(c)}: {_md(claim_label(c))}", ""]
        for name, text in claim_fields(c, prices, tickers):
            lines += _item(f"{name}: {text}")
        lines.append("")
    if group.others:
        lines += ["Other figures, not checked:", ""]
        for c in group.others:
            lines += _item(f"{stated_figure(c)}: {c.get('sentence') or ''}")
        lines.append("")
    return lines


def _item(text: str) -> list[str]:
    """A list item, wrapped, its continuation lines indented."""
    return wrap(_md(text), WIDTH, "- ", "  ")


def _link(url: str) -> str:
    """A URL that stays one autolink: no space or angle bracket inside."""
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _md(text: Any) -> str:
    """Article text in Markdown: no raw HTML, on one line; quotes stay as written."""
    return html.escape(" ".join(str(text or "").split()), quote=False)
