"""The news step: fetch (or replay) pages and feeds, land them, extract articles and claims.

Nothing is published here: the claims are judged and checked first, and publish_step
(flows/verify.py) then writes articles, claims and events together, so no unjudged claim
is ever visible in the warehouse. Each page is fetched, decoded and read on its own: one
that fails is named in ``failed`` (the run then ends 1), one whose body cannot be read is
also quarantined (the only row this step writes), and the other pages go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import chunks
from flows.chunks import NewsChunk, NewsChunkResult, retried, split, staging_store
from flows.run import Run, build_sources, get_logger
from newsdesk.extract.article import Article, NoArticleText, extract_article
from newsdesk.extract.claims import Claim, extract_claims
from newsdesk.extract.dates import load_calendar_events
from newsdesk.extract.entities import AliasIndex, read_alias_rows, read_kinds
from newsdesk.landing import Landed
from newsdesk.resources import sql_dir
from newsdesk.sources import news as news_source
from newsdesk.sources.clients import LandedSources, Sources
from newsdesk.staging import read_staged, run_prefix, stage_frame
from newsdesk.storage import Store
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
    """Fetch (or replay) the configured pages and the feed items published in [start, end].

    The feeds are read here; the pages go out in chunks (``compute.chunk_pages``) that fetch,
    land and read them into articles and claims wherever the task runner puts them (the
    CPU-bound part); the chunks' articles are then deduplicated here, in page order.
    """
    log = get_logger()
    skipped: list[str] = []
    failed: dict[str, str] = {}
    set_aside: list[Malformed] = []
    urls = _page_urls(run, start, end, skipped, failed, set_aside)
    store = staging_store(run.settings)
    try:
        specs = news_chunks(run, urls, store)
        outcomes = chunks.run_chunks(news_chunk, specs, run.settings)
        articles, claims = merge_news(outcomes, store, skipped, failed, set_aside, run)
    finally:  # read back into memory: the staged frames are done with
        store.remove(run_prefix(run.run_id, "news"))
    result = NewsResult(articles, claims, events_from_claims(claims), skipped, failed, set_aside)
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


def news_chunks(run: Run, urls: list[tuple[str, datetime | None]], store: Store) -> list[NewsChunk]:
    """The run's pages in chunks of compute.chunk_pages, with the staged tables every chunk
    reads: the tickers (aliases) and the articles already held (content hash → id)."""
    if not urls:
        return []
    prefix = run_prefix(run.run_id, "news")
    store.remove(prefix)  # what a killed attempt of this run left
    tickers_rel, known_rel = f"{prefix}/tickers.parquet", f"{prefix}/known.parquet"
    stage_frame(store, tickers_rel, run.warehouse.table("tickers"))
    known = run.warehouse.known_articles()
    stage_frame(
        store,
        known_rel,
        pl.DataFrame(
            {"content_sha256": list(known), "article_id": list(known.values())},
            schema={"content_sha256": pl.Utf8, "article_id": pl.Utf8},
        ),
    )
    offline = isinstance(run.sources, LandedSources)
    size = run.settings.compute.chunk_pages
    return [
        NewsChunk(
            settings=run.settings,
            offline=offline,
            run_id=run.run_id,
            index=index,
            pages=tuple(part),
            first=index * size,
            total=len(urls),
            known_rel=known_rel,
            tickers_rel=tickers_rel,
        )
        for index, part in enumerate(split(urls, size))
    ]


def merge_news(
    outcomes: Sequence[chunks.Outcome],
    store: Store,
    skipped: list[str],
    failed: dict[str, str],
    set_aside: list[Malformed],
    run: Run,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The chunks' articles and claims in page order, the same text kept once (its first
    page wins, as one process reading the pages in turn keeps it); a chunk that failed whole
    fails each of its pages. The chunks' counters go to the run's stats."""
    article_parts, claim_parts = [], []
    texts: set[str] = set()
    ids: set[str] = set()
    for spec, found, error in outcomes:
        if found is None:
            for url, _ in spec.pages:
                skipped.append(f"chunk failed: {error}")
                failed[url] = f"chunk failed: {error}"
            continue
        skipped.extend(found.skipped)
        failed.update(found.failed)
        set_aside.extend(found.set_aside)
        articles = read_staged(store, found.staged.get("articles", []), articles_frame([]))
        # Another chunk may have read the same text first (under this id, or a new one).
        first = ~articles["content_sha256"].is_in(list(texts)) & ~articles["article_id"].is_in(
            list(ids)
        )
        articles = articles.filter(first)
        texts.update(articles["content_sha256"].to_list())
        ids.update(articles["article_id"].to_list())
        claims = read_staged(store, found.staged.get("claims", []), claims_frame([]))
        article_parts.append(articles)
        claim_parts.append(
            claims.filter(pl.col("article_id").is_in(articles["article_id"].to_list()))
        )
    chunks.tally(run.stats.requests, run.stats.reused, [r for _, r, _ in outcomes if r])
    articles = pl.concat([articles_frame([]), *article_parts], how="vertical_relaxed")
    claims = pl.concat([claims_frame([]), *claim_parts], how="vertical_relaxed")
    return articles, claims


# --- a chunk: runs wherever the task runner puts it, with its own sources -----------------


@task(name="news-chunk", cache_policy=NO_CACHE)
def news_chunk(spec: NewsChunk) -> NewsChunkResult:
    """Fetch, land and read one chunk of pages into articles and claims, staged."""
    return run_news_chunk(spec)


def run_news_chunk(spec: NewsChunk) -> NewsChunkResult:
    """The chunk's pages fetched (or replayed) with sources of its own, each read on its own
    into an article and its claims; the frames staged as Parquet."""
    log = get_logger()
    settings = spec.settings
    sources = build_sources(settings, offline=spec.offline)
    store = staging_store(settings)
    tickers = read_staged(store, [spec.tickers_rel])
    known = dict(read_staged(store, [spec.known_rel]).iter_rows()) if spec.known_rel else {}
    aliases = _alias_index(tickers)
    calendar = _calendar()
    exchanges = dict(tickers.select("symbol", "exchange").iter_rows())

    def exchange_of(symbol: str) -> str:
        return exchanges.get(symbol) or "XNYS"

    skipped: list[str] = []
    failed: dict[str, str] = {}
    set_aside: list[Malformed] = []
    articles: list[dict] = []
    taken: set[str] = set()
    claims: list[Claim] = []
    retries = settings.http.task_retries
    for done, (url, feed_published) in enumerate(spec.pages, start=spec.first + 1):
        landed = _page(sources, retries, url, skipped, failed)
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
        if done % 20 == 0 or done == spec.total:
            log.info("news: %d/%d pages read, %d claims so far", done, spec.total, len(claims))
    prefix = run_prefix(spec.run_id, f"news/{spec.name}")
    staged: dict[str, list[str]] = {}
    for table, frame in (("articles", articles_frame(articles)), ("claims", claims_frame(claims))):
        if not frame.is_empty():
            staged[table] = [f"{prefix}/{table}.parquet"]
            stage_frame(store, staged[table][0], frame)
    return NewsChunkResult(
        staged=staged,
        skipped=tuple(skipped),
        failed=failed,
        set_aside=tuple(set_aside),
        counts=chunks.counted(sources),
        pid=chunks.here(),
    )


def _page(
    sources: Sources, retries: int, url: str, skipped: list[str], failed: dict[str, str]
) -> Landed | None:
    try:
        return retried(sources.page, retries, url)
    except Exception as exc:  # refused, 404, a broken encoding: this page fails, not the run
        _failed(url, exc, skipped, failed)
        return None


def _failed(url: str, exc: Exception, skipped: list[str], failed: dict[str, str]) -> None:
    reason = one_line(exc)
    get_logger().error("news: %s failed: %s", url, reason)
    skipped.append(reason)
    failed[url] = reason


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
        # The few feeds are read here, with the run's own sources (counted in its stats).
        landed = _page(run.sources, run.settings.http.task_retries, feed_url, skipped, failed)
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


@cache
def _calendar() -> Any:
    """The reference event calendar, read once per process (every news chunk reads it)."""
    return load_calendar_events(sql_dir() / "events.csv")


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
