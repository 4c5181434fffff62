"""The claims report: Markdown and standalone HTML with price charts and market context."""

from newsdesk.report.benchmarks import MarketMove, benchmarks_for, market_move
from newsdesk.report.charts import CHART_WINDOW, price_move_chart
from newsdesk.report.claims import VERDICTS, verdict_counts
from newsdesk.report.figures import observed_figure, stated_figure
from newsdesk.report.html_page import report_html
from newsdesk.report.inputs import ReportInputs, load_report_inputs
from newsdesk.report.markdown import report_markdown
from newsdesk.report.quality import QualityCounts, quality_counts
from newsdesk.report.render import ReportFiles, render_report

__all__ = [
    "CHART_WINDOW",
    "VERDICTS",
    "MarketMove",
    "QualityCounts",
    "ReportFiles",
    "ReportInputs",
    "benchmarks_for",
    "load_report_inputs",
    "market_move",
    "observed_figure",
    "price_move_chart",
    "quality_counts",
    "render_report",
    "report_html",
    "report_markdown",
    "stated_figure",
    "verdict_counts",
]
