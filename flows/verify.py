"""The verify step: judge the run's claims against the market facts the warehouse holds,
and publish them once they are judged and checked."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from flows.news import NewsResult
from flows.run import Run, get_logger
from newsdesk.tables import empty
from newsdesk.verify import MarketFacts, judge_claims, reported_valuations
from newsdesk.warehouse import Replace


@dataclass(frozen=True)
class Verdicts:
    """The run's claims, judged, and the private valuations they report."""

    claims: pl.DataFrame
    reported: pl.DataFrame


def verify_step(run: Run, news: NewsResult) -> Verdicts:
    """Judge the run's claims against the warehouse; nothing is written yet."""
    claims = news.claims
    if claims.is_empty():
        return Verdicts(claims, empty("valuations"))
    facts = load_facts(run, news)
    policy = run.settings.verify
    judged = judge_claims(claims, facts, policy)
    reported = reported_valuations(
        judged, facts.articles, tickers=facts.tickers, fx_rates=facts.fx_rates, policy=policy
    )
    run.stats.claims_judged = judged.filter(pl.col("verdict").is_not_null()).height
    get_logger().info(
        "verify: %s",
        ", ".join(f"{v} {n}" for v, n in judged.group_by("verdict").len().iter_rows() if v),
    )
    return Verdicts(judged, reported)


def load_facts(run: Run, news: NewsResult) -> MarketFacts:
    """The prices, valuations, rates and tickers the claims need, and their articles."""
    symbols = news.claims["subjects"].explode().drop_nulls().unique().to_list()
    # The run's own articles, without their text: they are published with the claims.
    articles = news.articles.drop("text")
    return MarketFacts(
        articles=articles, **run.warehouse.facts_for_claims(with_share_classes(run, symbols))
    )


def with_share_classes(run: Run, symbols: list[str]) -> list[str]:
    """The symbols and their issuers' other listed classes (GOOGL → GOOG), whose facts the
    warehouse may hold: a figure may be of either class (newsdesk/verify/readings.py)."""
    tickers = run.warehouse.table("tickers").filter(pl.col("cik").is_not_null())
    ciks = tickers.filter(pl.col("symbol").is_in(symbols))["cik"].to_list()
    classes = tickers.filter(pl.col("cik").is_in(ciks))["symbol"].to_list()
    return sorted({*symbols, *classes})


def publish_step(run: Run, news: NewsResult, verdicts: Verdicts) -> None:
    """Write the run's articles, judged claims, events and reported valuations at once.

    Called after the checks passed (write–audit–publish): an article's earlier claims and
    events are replaced in the same transaction, so a reader sees the old verdicts or the
    new ones, never claims without a verdict.
    """
    ids = news.articles["article_id"].to_list()
    counts = run.warehouse.write(
        [
            ("articles", news.articles),
            ("claims", verdicts.claims),
            ("events", news.events),
            ("valuations", verdicts.reported),
        ],
        replace=[Replace("claims", "article_id", ids), Replace("events", "article_id", ids)],
    )
    reported = counts.pop("valuations", 0)
    run.stats.rows.update(counts)
    run.stats.rows["valuations (reported)"] += reported
    get_logger().info(
        "publish: %d articles, %d claims, %d events",
        counts.get("articles", 0),
        counts.get("claims", 0),
        counts.get("events", 0),
    )
