"""The claims report as one standalone HTML page, article text escaped, charts inlined."""

from __future__ import annotations

import base64
import html
from datetime import date
from pathlib import Path
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

_CSS = (
    "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
    ".claim{border-left:4px solid #999;padding:0 1rem;margin:1.5rem 0}"
    ".supported{border-color:#2a7}.contradicted{border-color:#c33}.unverifiable{border-color:#aa3}"
    "th{text-align:left;padding-right:1rem;vertical-align:top}blockquote{color:#444}"
    ".quality{background:#f4f4f4;padding:.5rem 1rem}"
)


def report_html(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    charts: dict[str, Path],
    *,
    report_date: date,
    prices: pl.DataFrame | None = None,
    tickers: pl.DataFrame | None = None,
    quality: QualityCounts | None = None,
    docs_link: str | None = None,
) -> str:
    """A standalone HTML page: article-derived text escaped, charts as data URIs.

    `docs_link` is the Data Docs index relative to the page, shown on the quality line.
    """
    esc = html.escape
    prices = prices if prices is not None else pl.DataFrame()
    tickers = tickers if tickers is not None else pl.DataFrame()
    title = f"Claims report — {report_date.isoformat()}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        quality_html(quality, docs_link),
    ]
    if claims.height == 0:
        parts.append(f"<p>There were no claims for {report_date.isoformat()}.</p>")
        return "\n".join(parts + ["</body></html>"]) + "\n"
    parts.append(_summary_html(claims, articles))
    for group in by_article(claims, articles):
        parts.append(_article_html(group, charts, prices, tickers))
    return "\n".join(parts + ["</body></html>"]) + "\n"


def quality_html(quality: QualityCounts | None, docs_link: str | None) -> str:
    """The quality line: the day's passed/failed counts and a link to the Data Docs index."""
    esc = html.escape
    text = quality.text() if quality else "Data quality: no checks recorded for this date."
    link = f' <a href="{esc(docs_link)}">Data Docs</a>' if docs_link else ""
    return f'<p class="quality">{esc(text)}{link}</p>'


def _summary_html(claims: pl.DataFrame, articles: pl.DataFrame) -> str:
    esc = html.escape
    titles = {r["article_id"]: article_title(r) for r in articles.to_dicts()}
    parts = ["<h2>Summary</h2>", f"<p>{esc(header_line(claims))}</p>"]
    contradicted = with_verdict(claims, "contradicted")
    items = [
        f"{claim_label(c)}: stated {stated_figure(c)}, observed {observed_figure(c)}"
        f" ({titles.get(c.get('article_id'), 'article')})"
        for c in contradicted
    ]
    parts.append(_list("Contradicted", items))
    unverifiable = with_verdict(claims, "unverifiable")
    items = [
        f"{claim_label(c)}: {c.get('explanation') or 'no reason recorded'}" for c in unverifiable
    ]
    parts.append(_list("Unverifiable", items))
    return "\n".join(parts)


def _list(heading: str, items: list[str]) -> str:
    esc = html.escape
    if not items:
        return f"<p>{esc(heading)}: none.</p>"
    lis = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f"<p>{esc(heading)}:</p><ul>{lis}</ul>"


def _article_html(
    group: ArticleClaims, charts: dict[str, Path], prices: pl.DataFrame, tickers: pl.DataFrame
) -> str:
    esc = html.escape
    url = safe_url(group.article.get("url"))
    title = esc(article_title(group.article))
    heading = f'<a href="{esc(url)}">{title}</a>' if url else title
    parts = [f"<article><h2>{heading}</h2>"]
    sentence = None
    for c in group.judged:
        if c.get("sentence") != sentence:  # the claims of one sentence share its quote
            sentence = c.get("sentence")
            parts.append(f"<blockquote>{esc(sentence or '')}</blockquote>")
        parts.append(_claim_html(c, charts, prices, tickers))
    if group.others:
        items = "".join(
            f"<li>{esc(stated_figure(c))}: {esc(c.get('sentence') or '')}</li>"
            for c in group.others
        )
        parts.append(f"<p>Other figures, not checked:</p><ul>{items}</ul>")
    return "\n".join(parts + ["</article>"])


def _claim_html(
    claim: dict[str, Any], charts: dict[str, Path], prices: pl.DataFrame, tickers: pl.DataFrame
) -> str:
    esc = html.escape
    verdict = verdict_of(claim)
    cells = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in claim_fields(claim, prices, tickers)
    )
    chart = ""
    if claim.get("claim_id") in charts:
        data = base64.b64encode(charts[claim["claim_id"]].read_bytes()).decode("ascii")
        chart = (
            f'<img alt="closes around the reference day" src="data:image/svg+xml;base64,{data}">'
        )
    return (
        f'<section class="claim {esc(verdict.replace(" ", "-"))}">'
        f'<h3><span class="verdict">{esc(verdict)}</span> {esc(claim_label(claim))}</h3>'
        f"<table>{cells}</table>{chart}"
        "</section>"
    )
