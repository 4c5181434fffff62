"""The report step: write the claims report of a date and attach it to the flow run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.run import Run, get_logger


def report_step(run: Run, report_date: date, docs_index: Path | None) -> Path:
    """Write the claims report for the date and publish it as Prefect artifacts."""
    from flows.artifacts import publish_artifacts
    from newsdesk.report import render_report

    claims, articles, prices = report_inputs(run, report_date)
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


def report_inputs(run: Run, report_date: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Claims of the articles published on the date (or speaking of it), with their context."""
    wh = run.warehouse
    claims = wh.query(
        "select c.* from claims c join articles a using (article_id) "
        "where cast(a.published_at as date) = ? or c.reference_date = ? "
        "order by a.published_at, c.claim_id",
        [report_date, report_date],
    )
    ids = claims["article_id"].unique().to_list()
    articles = wh.query("select * from articles where article_id in (select unnest(?))", [ids])
    symbols = claims["subjects"].explode().drop_nulls().unique().to_list()
    prices = wh.query("select * from prices where symbol in (select unnest(?))", [symbols])
    return claims, articles, prices
