"""The news step: fetch pages and feeds, land them, extract articles and claims, load them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.run import Run, get_logger, land_fetch
from newsdesk import landing
from newsdesk.extract.article import Article, NoArticleText, extract_article
from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.dates import load_calendar_events
from newsdesk.extract.entities import AliasIndex, read_alias_rows
from newsdesk.http import FetchError
from newsdesk.landing import Landed
from newsdesk.sources import news as news_source
from newsdesk.warehouse import SQL_DIR, Replace

CLAIM_COLUMNS = {
    "claim_id": pl.Utf8, "article_id": pl.Utf8, "sentence": pl.Utf8, "claim_type": pl.Utf8,
    "subjects": pl.List(pl.Utf8), "value": pl.Float64, "unit": pl.Utf8, "currency": pl.Utf8,
    "counter_value": pl.Float64, "counter_currency": pl.Utf8, "qualifier": pl.Utf8,
    "reference_date": pl.Date, "verdict": pl.Utf8, "observed": pl.Float64,
    "explanation": pl.Utf8, "range_end": pl.Float64, "from_value": pl.Float64,
    "to_value": pl.Float64, "intraday": pl.Boolean, "date_note": pl.Utf8, "span": pl.Utf8,
}  # fmt: skip
ARTICLE_COLUMNS = {
    "article_id": pl.Utf8, "url": pl.Utf8, "title": pl.Utf8, "published_at": pl.Datetime("us"),
    "lang": pl.Utf8, "fetched_at": pl.Datetime("us"), "content_sha256": pl.Utf8,
    "text": pl.Utf8, "canonical_url": pl.Utf8, "raw_path": pl.Utf8,
}  # fmt: skip
JUDGED_TYPES = ("price_move", "market_cap_change", "valuation", "valuation_change")


@dataclass
class NewsResult:
    """What the news step loaded."""

    articles: pl.DataFrame
    claims: pl.DataFrame
    events: pl.DataFrame
    skipped: list[str] = field(default_factory=list)

    def mentioned(self) -> tuple[list[str], list[date]]:
        """The ticker symbols and reference dates the claims speak of."""
        needs_market = self.claims.filter(pl.col("claim_type").is_in(JUDGED_TYPES))
        if needs_market.is_empty():
            return [], []
        symbols = needs_market["subjects"].explode().drop_nulls().unique().sort().to_list()
        days = needs_market["reference_date"].drop_nulls().unique().sort().to_list()
        return symbols, days


@flow(name="news", flow_run_name="news-{start}..{end}", validate_parameters=False)
def news_step(run: Run, start: date, end: date) -> NewsResult:
    """Fetch (or replay) the configured pages and the feed items published in [start, end]."""
    log = get_logger()
    skipped: list[str] = []
    urls = _page_urls(run, start, end, skipped)
    aliases = _alias_index(run)
    calendar = load_calendar_events(SQL_DIR / "events.csv")
    exchanges = dict(run.warehouse.query("select symbol, exchange from tickers").iter_rows())

    def exchange_of(symbol: str) -> str:
        return exchanges.get(symbol) or "XNYS"

    known = dict(run.warehouse.query("select content_sha256, article_id from articles").iter_rows())
    articles: list[dict] = []
    taken: set[str] = set()
    claims: list[Claim] = []
    for done, (url, feed_published) in enumerate(urls, start=1):
        landed = _page(run, url, skipped)
        if landed is None:
            continue
        article = _article(landed, url, feed_published, skipped)
        if article is None:
            continue
        # The same text at two URLs is one article: keep the first id seen.
        article_id = known.setdefault(article.content_sha256, article.article_id)
        if article_id in taken:
            continue
        taken.add(article_id)
        row = asdict(article) | {
            "article_id": article_id,
            "fetched_at": landed.fetched_at.astimezone(UTC).replace(tzinfo=None),
            "raw_path": str(landed.body_path),
        }
        articles.append(row)
        claims.extend(
            extract_claims(
                article.text, article_id=article_id, published_at=article.published_at,
                aliases=aliases, events=calendar, exchange_of=exchange_of,
            )
        )  # fmt: skip
        if done % 20 == 0 or done == len(urls):
            log.info("news: %d/%d pages read, %d claims so far", done, len(urls), len(claims))

    result = NewsResult(_articles_frame(articles), _claims_frame(claims), pl.DataFrame(), skipped)
    result.events = events_from_claims(result.claims)
    ids = result.articles["article_id"].to_list()
    counts = run.warehouse.write(
        [("articles", result.articles), ("claims", result.claims), ("events", result.events)],
        replace=[Replace("claims", "article_id", ids), Replace("events", "article_id", ids)],
    )
    run.stats.rows.update(counts)
    log.info(
        "news: %d articles, %d claims, %d skipped", len(ids), result.claims.height, len(skipped)
    )
    return result


def events_from_claims(claims: pl.DataFrame) -> pl.DataFrame:
    """One event per reported move, market-cap change or valuation."""
    reported = claims.filter(pl.col("claim_type").is_in(JUDGED_TYPES))
    return reported.select(
        pl.col("claim_id").alias("event_id"),
        pl.col("reference_date").alias("event_date"),
        pl.col("subjects").list.join(",").alias("entity"),
        pl.col("claim_type").alias("event_type"),
        pl.col("sentence").str.slice(0, 200).alias("title"),
        pl.col("article_id"),
    )


@task(name="fetch-page", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_page(run: Run, url: str) -> Landed:
    """One news page or feed, landed raw whatever its status."""
    return land_fetch(
        run, "news", news_source.news_key(url), news_source.news_params(url),
        lambda: news_source.fetch_page(run.clients.news, url),
    )  # fmt: skip


def _page(run: Run, url: str, skipped: list[str]) -> Landed | None:
    if run.offline:
        found = landing.find_landed(run.raw_dir, "news", key_prefix=news_source.news_key(url))
        if not found:
            skipped.append(f"{url}: offline and not in the landing zone")
            return None
        run.stats.reused["news"] += 1
        return found[-1]
    try:
        return fetch_page.with_options(retries=run.settings.http.task_retries)(run, url)
    except (FetchError, ValueError) as exc:
        get_logger().warning("news: skipped %s", exc)
        skipped.append(str(exc))
        return None


def _article(
    landed: Landed, url: str, feed_published: datetime | None, skipped: list[str]
) -> Article | None:
    body = landed.read_body()
    if not body.strip():
        skipped.append(f"{url}: empty body")
        get_logger().warning("news: skipped %s: empty body", url)
        return None
    html, _charset = news_source.decode_html(body, landed.headers)
    try:
        return extract_article(html, url, feed_published=feed_published)
    except NoArticleText as exc:
        skipped.append(f"{url}: no article text ({exc})")
        get_logger().warning("news: skipped %s: no article text", url)
        return None


def _page_urls(
    run: Run, start: date, end: date, skipped: list[str]
) -> list[tuple[str, datetime | None]]:
    urls: list[tuple[str, datetime | None]] = [(u, None) for u in run.settings.news.pages]
    tz = run.settings.tz
    window = (
        datetime.combine(start, time(), tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC),
    )
    for feed_url in run.settings.news.feeds:
        landed = _page(run, feed_url, skipped)
        if landed is None:
            continue
        items = news_source.parse_feed(landed.read_body())
        for item in news_source.items_in_window(items, *window):
            urls.append((item.url, item.published))
    seen: set[str] = set()
    return [(u, p) for u, p in urls if not (u in seen or seen.add(u))]


def _alias_index(run: Run) -> AliasIndex:
    rows = [
        (symbol, list(aliases or []))
        for symbol, aliases in run.warehouse.query(
            "select symbol, aliases from tickers"
        ).iter_rows()
    ]
    entities = SQL_DIR / "entities.csv"
    if entities.exists():
        rows.extend(read_alias_rows(entities))
    return AliasIndex.from_rows(rows)


def _articles_frame(rows: Sequence[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        [{k: r.get(k) for k in ARTICLE_COLUMNS} for r in rows], schema=ARTICLE_COLUMNS
    )


def _claims_frame(claims: Sequence[Claim]) -> pl.DataFrame:
    rows = [{k: getattr(c, k) for k in CLAIM_COLUMNS} for c in claims]
    return pl.DataFrame(rows, schema=CLAIM_COLUMNS)
