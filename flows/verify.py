"""The verify step: judge the run's claims against the market facts the warehouse holds."""

from __future__ import annotations

import polars as pl

from flows.news import NewsResult
from flows.run import Run, get_logger


def verify_step(run: Run, news: NewsResult) -> pl.DataFrame:
    """Judge the run's claims against the warehouse and store the verdicts."""
    from newsdesk.verify import judge_claims, reported_valuations

    claims = news.claims
    if claims.is_empty():
        return claims
    facts = load_facts(run, claims)
    policy = run.settings.verify
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
