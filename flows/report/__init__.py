"""The claims report: Markdown and standalone HTML with price charts, and Prefect artifacts."""

from flows.report.render import (
    CHART_WINDOW,
    MINUS,
    SCALES,
    VERDICTS,
    ReportFiles,
    format_number,
    observed_figure,
    price_move_chart,
    publish_artifacts,
    render_report,
    report_html,
    report_markdown,
    stated_figure,
    verdict_counts,
)

__all__ = [
    "CHART_WINDOW",
    "MINUS",
    "SCALES",
    "VERDICTS",
    "ReportFiles",
    "format_number",
    "observed_figure",
    "price_move_chart",
    "publish_artifacts",
    "render_report",
    "report_html",
    "report_markdown",
    "stated_figure",
    "verdict_counts",
]
