"""The news step: fetch (or replay) pages and feeds, land them, extract articles and claims.

Nothing is published here: the claims are judged and checked first, and publish_step
(flows/verify.py) then writes articles, claims and events together, so no unjudged claim
is ever visible in the warehouse. Each page is fetched, decoded and read on its own: one
that fails is named in ``failed`` (the run then ends 1), one whose body cannot be read is
also quarantined (the only row this step writes), and the other pages go on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import engine
from flows.run import Run, get_logger, with_retries
from newsdesk.extract.article import Article, NoArticleText, extract_article
from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.dates import load_calendar_events
from newsdesk.extract.entities import AliasIndex, read_alias_rows, read_kinds
from newsdesk.landing import Landed
from newsdesk.resources import sql_dir
from newsdesk.sources import news as news_source
from newsdesk.sources.clients import Sources
from newsdesk.transform.news_frames import articles_frame, claims_frame, events_from_claims
from newsdesk.transform.quarantine import one_line, quarantine_rows, whole_body
from newsdesk.transform.records import Malformed


@dataclass
class NewsResult:
    """What the news step read: articles, their claims (not yet judged) and events."""

    articles: pl.DataFrame
    claims: pl.DataFrame
    events: pl.DataFrame
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # url → why it could not be read
    set_aside: list[Malformed] = field(default_factory=list)  # bodies quarantined


@flow(name="news", flow_run_name="news-{start}..{end}", validate_parameters=False)
def news_step(run: Run, start: date, end: date) -> NewsResult:
    """Fetch (or replay) the configured pages and the feed items published in [start, end]."""
    log = get_logger()
    skipped: list[str] = []
    failed: dict[str, str] = {}
    set_aside: list[Malformed] = []
    urls = _page_urls(run, start, end, skipped, failed, set_aside)
    tickers = run.warehouse.table("tickers")
    aliases = _alias_index(tickers)
    calendar = load_calendar_events(sql_dir() / "events.csv")
    exchanges = dict(tickers.select("symbol", "exchange").iter_rows())

    def exchange_of(symbol: str) -> str:
        return exchanges.get(symbol) or "XNYS"

    known = run.warehouse.known_articles()
    articles: list[dict] = []
    taken: set[str] = set()
    claims: list[Claim] = []
    for done, (url, feed_published) in enumerate(urls, start=1):
        landed = _page(run, url, skipped, failed)
        if landed is None:
            continue
        try:
            article = _article(landed, url, feed_published, skipped)
            if article is None:
                continue
            # The same text at two URLs is one article: keep the first id seen.
            article_id = known.get(article.content_sha256, article.article_id)
            if article_id in taken:
                continue
            found = extract_claims(
                article.text, article_id=article_id,
                published_at=article.published_instant or article.published_at,
                aliases=aliases, events=calendar, exchange_of=exchange_of,
            )  # fmt: skip
        except Exception as exc:  # one page that cannot be read is that page's failure alone
            _unreadable(landed, url, exc, failed, set_aside)
            continue
        known.setdefault(article.content_sha256, article_id)
        taken.add(article_id)
        row = asdict(article) | {
            "article_id": article_id,
            "fetched_at": landed.fetched_at.astimezone(UTC).replace(tzinfo=None),
            "raw_path": str(landed.body_path),
        }
        articles.append(row)
        claims.extend(found)
        if done % 20 == 0 or done == len(urls):
            log.info("news: %d/%d pages read, %d claims so far", done, len(urls), len(claims))

    claims_read = claims_frame(claims)
    result = NewsResult(
        articles_frame(articles),
        claims_read,
        events_from_claims(claims_read),
        skipped,
        failed,
        set_aside,
    )
    if set_aside:
        run.warehouse.append("quarantine", quarantine_rows(set_aside, run.run_id))
    log.info(
        "news: %d articles, %d claims, %d skipped, %d failed",
        result.articles.height,
        result.claims.height,
        len(skipped),
        len(failed),
    )
    return result


@task(name="fetch-page", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def fetch_page(sources: Sources, url: str) -> Landed:
    """One news page or feed, landed raw whatever its status."""
    return sources.page(url)


def _page(run: Run, url: str, skipped: list[str], failed: dict[str, str]) -> Landed | None:
    try:
        return engine.call(with_retries(run, fetch_page), run.sources, url)
    except Exception as exc:  # refused, 404, a broken encoding: this page fails, not the run
        reason = one_line(exc)
        get_logger().error("news: %s failed: %s", url, reason)
        skipped.append(reason)
        failed[url] = reason
        return None


def _unreadable(
    landed: Landed, url: str, exc: Exception, failed: dict[str, str], set_aside: list[Malformed]
) -> None:
    reason = f"page unreadable ({one_line(exc)})"
    get_logger().error("news: %s failed: %s; body kept at %s", url, reason, landed.body_path)
    failed[url] = f"{reason}; kept at {landed.body_path}"
    set_aside.append(whole_body("news", url, reason, str(landed.body_path)))


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
    run: Run,
    start: date,
    end: date,
    skipped: list[str],
    failed: dict[str, str],
    set_aside: list[Malformed],
) -> list[tuple[str, datetime | None]]:
    urls: list[tuple[str, datetime | None]] = [(u, None) for u in run.settings.news.pages]
    tz = run.settings.tz
    window = (
        datetime.combine(start, time(), tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC),
    )
    for feed_url in run.settings.news.feeds:
        landed = _page(run, feed_url, skipped, failed)
        if landed is None:
            continue
        try:
            items = news_source.items_in_window(news_source.parse_feed(landed.read_body()), *window)
        except Exception as exc:
            _unreadable(landed, feed_url, exc, failed, set_aside)
            continue
        urls.extend((item.url, item.published) for item in items)
    seen: set[str] = set()
    return [(u, p) for u, p in urls if not (u in seen or seen.add(u))]


def _alias_index(tickers: pl.DataFrame) -> AliasIndex:
    rows = [
        (symbol, list(aliases or []))
        for symbol, aliases in tickers.select("symbol", "aliases").iter_rows()
    ]
    entities = sql_dir() / "entities.csv"
    if entities.exists():
        rows.extend(read_alias_rows(entities))
    # the tickers table has no sector; the seed does ("the chipmaker" → the last chipmaker named)
    seed = sql_dir() / "tickers.csv"
    kinds = {symbol: kind or "" for symbol, kind in tickers.select("symbol", "kind").iter_rows()}
    if seed.exists():
        kinds.update({s: k for s, k in read_kinds(seed).items() if s in kinds})
    return AliasIndex.from_rows(rows, kinds)
