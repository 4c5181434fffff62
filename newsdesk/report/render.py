"""Write one date's report files: Markdown, standalone HTML and the chart PNGs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from newsdesk.report.charts import price_move_chart
from newsdesk.report.claims import split_claims
from newsdesk.report.html_page import report_html
from newsdesk.report.markdown import report_markdown


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
) -> ReportFiles:
    """Write out_dir/<D>.md and <D>.html (charts embedded) plus the chart PNGs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_date.isoformat()
    judged, _ = split_claims(claims)
    charts: dict[str, Path] = {}
    for claim in judged:
        png = price_move_chart(claim, prices)
        if png is not None:
            path = out_dir / f"{stem}-{claim['claim_id']}.png"
            path.write_bytes(png)
            charts[claim["claim_id"]] = path
    md_path = out_dir / f"{stem}.md"
    md_path.write_text(report_markdown(claims, articles, report_date=report_date), "utf-8")
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(report_html(claims, articles, charts, report_date=report_date), "utf-8")
    return ReportFiles(markdown=md_path, html=html_path, charts=list(charts.values()))
