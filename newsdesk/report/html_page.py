"""The claims report as one standalone HTML page, article text escaped, charts inlined."""

from __future__ import annotations

import base64
import html
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk.report.claims import article_index, claim_label, header_line, safe_url, split_claims
from newsdesk.report.figures import observed_figure, stated_figure

_CSS = (
    "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
    ".claim{border-left:4px solid #999;padding:0 1rem;margin:1.5rem 0}"
    ".supported{border-color:#2a7}.contradicted{border-color:#c33}.unverifiable{border-color:#aa3}"
    "th{text-align:left;padding-right:1rem}blockquote{color:#444}"
)


def report_html(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    charts: dict[str, Path],
    *,
    report_date: date,
) -> str:
    """A standalone HTML page: article-derived text escaped, charts as data URIs."""
    esc = html.escape
    title = f"Claims report — {report_date.isoformat()}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    if claims.height == 0:
        parts.append(f"<p>There were no claims for {report_date.isoformat()}.</p>")
        return "\n".join(parts + ["</body></html>"]) + "\n"
    parts.append(f"<p>{esc(header_line(claims))}</p>")
    index = article_index(articles)
    judged, others = split_claims(claims)
    if judged:
        parts.append("<h2>Claims</h2>")
        for c in judged:
            parts.append(_claim_html(c, index.get(c.get("article_id"), {}), charts))
    if others:
        parts.append("<h2>Other figures (not checked)</h2><ul>")
        for c in others:
            url = safe_url(index.get(c.get("article_id"), {}).get("url"))
            parts.append(
                f"<li>{esc(stated_figure(c))}: {esc(c.get('sentence') or '')} "
                f'(<a href="{esc(url)}">article</a>)</li>'
            )
        parts.append("</ul>")
    return "\n".join(parts + ["</body></html>"]) + "\n"


def _claim_html(claim: dict[str, Any], article: dict[str, Any], charts: dict[str, Path]) -> str:
    esc = html.escape
    verdict = claim.get("verdict") or "not judged"
    url = safe_url(article.get("url"))
    rows = [
        ("stated", stated_figure(claim)),
        ("observed", observed_figure(claim)),
        ("explanation", claim.get("explanation") or ""),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    chart = ""
    if claim.get("claim_id") in charts:
        data = base64.b64encode(charts[claim["claim_id"]].read_bytes()).decode("ascii")
        chart = f'<img alt="closes around the reference day" src="data:image/png;base64,{data}">'
    return (
        f'<section class="claim {esc(verdict)}">'
        f'<h3><span class="verdict">{esc(verdict)}</span> {esc(claim_label(claim))}</h3>'
        f"<blockquote>{esc(claim.get('sentence') or '')}</blockquote>"
        f"<table>{cells}</table>{chart}"
        f'<p><a href="{esc(url)}">{esc(article.get("title") or url or "article")}</a></p>'
        "</section>"
    )
