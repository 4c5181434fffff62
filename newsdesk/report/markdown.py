"""The claims report as Markdown: a verdict table and the figures left unchecked."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import polars as pl

from newsdesk.report.claims import article_index, claim_label, header_line, safe_url, split_claims
from newsdesk.report.figures import observed_figure, stated_figure


def report_markdown(claims: pl.DataFrame, articles: pl.DataFrame, *, report_date: date) -> str:
    """The report as Markdown (also the Prefect artifact)."""
    lines = [f"# Claims report — {report_date.isoformat()}", ""]
    if claims.height == 0:
        lines.append(f"There were no claims for {report_date.isoformat()}.")
        return "\n".join(lines) + "\n"
    lines += [header_line(claims), ""]
    index = article_index(articles)
    judged, others = split_claims(claims)
    if judged:
        lines += ["## Claims", ""]
        lines += ["| verdict | claim | stated | observed | explanation | article |"]
        lines += ["|---|---|---|---|---|---|"]
        for c in judged:
            article = index.get(c.get("article_id"), {})
            url = safe_url(article.get("url")).replace(")", "%29").replace(" ", "%20")
            link = f"[{_md(article.get('title') or 'article')}]({url})"
            lines.append(
                f"| **{c.get('verdict') or 'not judged'}** "
                f"| {_md(claim_label(c))}: {_md(c.get('sentence'))} "
                f"| {stated_figure(c)} | {observed_figure(c)} | {_md(c.get('explanation'))} "
                f"| {link} |"
            )
        lines.append("")
    if others:
        lines += ["## Other figures (not checked)", ""]
        for c in others:
            url = safe_url(index.get(c.get("article_id"), {}).get("url"))
            lines.append(f"- {stated_figure(c)}: {_md(c.get('sentence'))} ([article]({url}))")
        lines.append("")
    return "\n".join(lines)


def _md(text: Any) -> str:
    """Article text in Markdown: no raw HTML, no table-breaking pipes or newlines."""
    return html.escape(str(text or "")).replace("|", "\\|").replace("\n", " ")
