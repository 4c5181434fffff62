"""The claims report: Markdown and standalone HTML with price charts, and Prefect artifacts."""

from flows.report.artifacts import publish_artifacts
from flows.report.charts import CHART_WINDOW, price_move_chart
from flows.report.claims import VERDICTS, verdict_counts
from flows.report.figures import MINUS, SCALES, format_number, observed_figure, stated_figure
from flows.report.html_page import report_html
from flows.report.markdown import report_markdown
from flows.report.render import ReportFiles, render_report

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
