"""The steps after loading: judge the claims, run the quality suites, write the report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import polars as pl

from flows.news import NewsResult
from flows.run import Run, get_logger
from newsdesk.errors import RunFailed, UsageError

EXPECTATIONS_DIR = Path(__file__).resolve().parents[1] / "expectations"


def verify_step(run: Run, news: NewsResult) -> pl.DataFrame:
    """Judge the run's claims against the warehouse and store the verdicts."""
    from newsdesk.verify import VerifyPolicy, judge_claims, reported_valuations

    claims = news.claims
    if claims.is_empty():
        return claims
    facts = load_facts(run, claims)
    settings = run.settings.verify
    policy = VerifyPolicy(
        about_margin=settings.about_margin,
        nearly_margin=settings.nearly_margin,
        floors=dict(settings.floors),
    )
    judged = judge_claims(claims, facts, policy)
    reported = reported_valuations(
        judged, facts.articles, tickers=facts.tickers, fx_rates=facts.fx_rates, policy=policy
    )
    counts = run.warehouse.write([("claims", judged), ("valuations", reported)])
    run.stats.rows["valuations (reported)"] += counts.get("valuations", 0)
    run.stats.claims_judged = judged.filter(pl.col("verdict").is_not_null()).height
    get_logger().info(
        "verify: %s",
        ", ".join(f"{v} {n}" for v, n in judged.group_by("verdict").len().iter_rows() if v),
    )
    return judged


def load_facts(run: Run, claims: pl.DataFrame):  # -> newsdesk.verify.MarketFacts
    """The prices, valuations, rates, articles and tickers the claims need."""
    from newsdesk.verify import MarketFacts

    wh = run.warehouse
    symbols = claims["subjects"].explode().drop_nulls().unique().to_list()
    ids = claims["article_id"].unique().to_list()
    return MarketFacts(
        prices=wh.query("select * from prices where symbol in (select unnest(?))", [symbols]),
        valuations=wh.query(
            "select * from valuations where entity in (select unnest(?))", [symbols]
        ),
        fx_rates=wh.table("fx_rates"),
        # The claims' own articles, without their text: not every article ever stored.
        articles=wh.query(
            "select * exclude (text) from articles where article_id in (select unnest(?))", [ids]
        ),
        tickers=wh.table("tickers"),
    )


def check_step(run: Run, frames: Mapping[str, pl.DataFrame], run_date: date):
    """Hold what the run loaded to the suites; a blocking failure fails the run."""
    from newsdesk.extract.sessions import sessions_between
    from newsdesk.quality import run_checks

    # The watchlist's prices can only be expected on a day the market was open.
    expected = list(run.settings.market.watchlist) if sessions_between(run_date, run_date) else []
    try:
        report = run_checks(
            {name: frame for name, frame in frames.items() if frame is not None},
            run_id=run.run_id,
            run_date=run_date,
            suites_dir=EXPECTATIONS_DIR,
            docs_dir=run.settings.warehouse.dq_dir,
            severity_overrides=dict(run.settings.quality.severity),
            expected_symbols=expected,
            today=run.today,
        )
    except ValueError as exc:  # an unknown expectation id in quality.severity
        raise UsageError(f"config: quality.severity: {exc}") from None
    run.warehouse.append("dq_results", report.to_frame())
    log = get_logger()
    failed = report.failed_blocking
    log.info("checks: %d expectations, %d blocking failures", len(report.outcomes), len(failed))
    if failed:
        raise RunFailed(f"data-quality check failed: {report.summary_line()}")
    return report


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
