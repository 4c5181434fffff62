"""Write one date's report files: Markdown, standalone HTML and the chart SVGs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from newsdesk.report.charts import price_move_chart
from newsdesk.report.claims import split_claims
from newsdesk.report.html_page import report_html
from newsdesk.report.markdown import report_markdown
from newsdesk.report.quality import QualityCounts, docs_link


@dataclass(frozen=True)
class ReportFiles:
    """Where the report for one date was written."""

    markdown: Path
    html: Path
    charts: list[Path]


def render_report(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    prices: pl.DataFrame,
    *,
    report_date: date,
    out_dir: Path,
    tickers: pl.DataFrame | None = None,
    quality: QualityCounts | None = None,
    docs_index: Path | None = None,
) -> ReportFiles:
    """Write out_dir/<D>.md and <D>.html (charts embedded) plus the chart SVGs.

    `prices` holds the subjects' bars and their benchmarks' (see load_report_inputs);
    `tickers` names each symbol's benchmark; `quality` and `docs_index` make the HTML
    page's quality line and its link to the Data Docs index.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_date.isoformat()
    judged, _ = split_claims(claims)
    charts: dict[str, Path] = {}
    for claim in judged:
        svg = price_move_chart(claim, prices)
        if svg is not None:
            path = out_dir / f"{stem}-{claim['claim_id']}.svg"
            path.write_text(svg, "utf-8")
            charts[claim["claim_id"]] = path
    context = {"report_date": report_date, "prices": prices, "tickers": tickers, "quality": quality}
    md_path = out_dir / f"{stem}.md"
    md_path.write_text(report_markdown(claims, articles, **context), "utf-8")
    html_path = out_dir / f"{stem}.html"
    page = report_html(
        claims, articles, charts, docs_link=docs_link(docs_index, out_dir), **context
    )
    html_path.write_text(page, "utf-8")
    return ReportFiles(markdown=md_path, html=html_path, charts=list(charts.values()))
