"""The report step: write the claims report of a date and attach it to the flow run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.run import Run, get_logger


def judged_days(claims: pl.DataFrame, articles: pl.DataFrame, start: date, end: date) -> list[date]:
    """Days in [start, end] the run judged claims for: the day an article with a judged claim
    was published, or the day a judged claim speaks of (what a day's report shows)."""
    if claims.is_empty() or "verdict" not in claims.columns:
        return []
    judged = claims.filter(pl.col("verdict").is_not_null())
    published = articles.select(
        "article_id", pl.col("published_at").cast(pl.Date).alias("published_on")
    )
    days = judged.join(published, on="article_id", how="left")
    found = {*days["published_on"].to_list(), *days["reference_date"].to_list()}
    return sorted(d for d in found if d is not None and start <= d <= end)


def reports_step(
    run: Run,
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    start: date,
    end: date,
    docs_index: Path | None,
) -> Path | None:
    """Write the reports of the days the run judged claims for, and only those.

    Returns the newest report written, or None (and says so) when the run judged no claim
    in [start, end]: a run that loaded nothing rewrites no report.
    """
    days = judged_days(claims, articles, start, end)
    if not days:
        get_logger().info("report: no claims judged for %s..%s, no report written", start, end)
        return None
    return [report_step(run, day, docs_index) for day in days][-1]


def report_step(run: Run, report_date: date, docs_index: Path | None) -> Path:
    """Write the claims report for the date and publish it as Prefect artifacts."""
    from flows.artifacts import publish_artifacts, quality_markdown
    from newsdesk.report import load_report_inputs, render_report

    inputs = load_report_inputs(run.warehouse, report_date, run_id=run.run_id)
    claims, articles = inputs.claims, inputs.articles
    files = render_report(
        claims,
        articles,
        inputs.prices,
        report_date=report_date,
        out_dir=run.settings.warehouse.reports_dir,
        tickers=inputs.tickers,
        quality=inputs.quality,
        docs_index=docs_index,
    )
    publish_artifacts(
        claims,
        report_date=report_date,
        articles=articles,
        docs_index=docs_index,
        quality=lambda: quality_markdown(run, docs_index),
    )
    get_logger().info("report: %s", files.markdown)
    return files.markdown
