"""The report step: write the claims report of a date and attach it to the flow run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.run import Run, get_logger


def report_step(run: Run, report_date: date, docs_index: Path | None) -> Path:
    """Write the claims report for the date and publish it as Prefect artifacts."""
    from flows.artifacts import publish_artifacts
    from newsdesk.report import render_report

    claims, articles, prices = run.warehouse.report_inputs(report_date)
    files = render_report(
        claims,
        articles,
        prices,
        report_date=report_date,
        out_dir=run.settings.warehouse.reports_dir,
    )
    publish_artifacts(
        claims,
        report_date=report_date,
        markdown=files.markdown.read_text(encoding="utf-8"),  # the report just written
        docs_index=docs_index,
    )
    get_logger().info("report: %s", files.markdown)
    return files.markdown
