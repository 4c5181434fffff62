"""Claim extraction benchmark: claims/s from text, articles/s from HTML, against trafilatura.

Generates seeded Chinese and English market-news articles from sentence templates, with
company names from the aliases in ``sql/tickers.csv``, then times in one process:

(a) ``extract_claims`` over the article texts,
(b) ``extract_article`` over the same articles wrapped as news pages,
(c) ``trafilatura.extract`` alone over the same pages (the extractor (b) builds on),

and prints the rates and the ratios of (a), (b) and (a+b) to (c). Then (d): page → article →
claims, one page per call as a news chunk extracts them, over a process pool of 2 workers
against a pool of 1: what fanning extraction out over cores gives.
Run ``python -m bench.claims --help`` for the flags.
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import load_average, machine, peak_rss_bytes, table, time_call

SEED = 20240216
ROOT = Path(__file__).resolve().parents[1]
TICKERS_CSV = ROOT / "sql" / "tickers.csv"
EVENTS_CSV = ROOT / "sql" / "events.csv"
WARMUP = 20
TARGET_SPEEDUP = 1.7  # 2 workers against 1, on two cores
POOL_CHUNK = 25  # pages a worker takes per task: fewer round trips, still an even spread

# The options newsdesk.extract.article passes, so that (c) is the same extraction (b) runs.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_tables": True,
    "include_comments": False,
    "include_images": False,
    "include_links": False,
    "output_format": "txt",
}

ZH_MOVES = [
    "{c}股价{up}{q}{pct}%。",
    "{day}，{c}股价{down}{q}{pct}%，收于{price}美元。",
    "受此消息影响，{c}盘中一度{down}{q}{pct}%。",
    "截至收盘，{c}{up}{pct}%，{c2}{down}{pct2}%。",
]
ZH_CAPS = [
    "{c}市值{lost}{q}{bn}亿美元（约合人民币{rmb}亿元）。",
    "{c}的市值一夜之间{gained}{q}{bn}亿美元。",
    "按最新收盘价计算，{c}总市值约为{tn}万亿美元。",
]
ZH_VALUATIONS = [
    "在最新一轮融资中，{c}的估值达到{bn}亿美元。",
    "{c}估值较去年增加了将近两倍，达到{bn}亿美元。",
]
ZH_FILLERS = [
    "分析人士认为，人工智能仍是市场关注的焦点。",
    "投资者正在等待美联储本周的议息会议结果。",
    "多家机构随后上调了对科技板块的评级。",
    "有市场人士表示，短期波动不会改变长期趋势。",
    "该公司尚未对此发表评论。",
    "业内普遍认为，相关技术距离大规模商用仍有距离。",
    "与此同时，美元指数小幅走强。",
    "交易员表示，成交量明显高于近期平均水平。",
]
EN_MOVES = [
    "{c} shares {rose} {q}{pct}% on {weekday}.",
    "{c} stock {fell} {q}{pct}% to close at ${price}.",
    "Shares of {c} {fell} as much as {pct}% in intraday trading.",
    "{c} {rose} {pct}%, while {c2} {fell} {pct2}%.",
]
EN_CAPS = [
    "{c} lost {q}${bn} billion in market value.",
    "The rally added {q}${bn} billion to {c}'s market capitalization.",
    "{c} now has a market value of about ${tn} trillion.",
]
EN_VALUATIONS = [
    "{c} was valued at ${bn} billion in its latest funding round.",
    "The deal values {c} at roughly ${bn} billion.",
]
EN_FILLERS = [
    "Analysts said artificial intelligence remains the focus of the market.",
    "Investors are waiting for the Federal Reserve's policy meeting this week.",
    "Several brokers raised their ratings on the technology sector afterwards.",
    "Traders said volumes were well above their recent average.",
    "The company did not immediately respond to a request for comment.",
    "Meanwhile, the dollar index edged higher.",
    "Some strategists expect volatility to stay elevated into the earnings season.",
    "The broader market was little changed in early trading.",
]
ZH = {
    "up": ["上涨", "大涨", "收涨", "涨"],
    "down": ["下跌", "暴跌", "收跌", "跌"],
    "q": ["", "超过", "近", "约", "逾"],
    "lost": ["蒸发", "缩水", "减少"],
    "gained": ["增加", "暴增", "增长"],
    "day": ["周一", "周二", "周三", "周四", "周五", "次日", "当天"],
}
EN = {
    "rose": ["rose", "jumped", "gained", "climbed"],
    "fell": ["fell", "dropped", "slid", "tumbled"],
    "q": ["", "more than ", "nearly ", "about ", "over "],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
}
ZH_TITLES = ["{c}股价异动", "科技股全线{down}", "{c}市值{lost}{bn}亿美元", "美股收盘：{c}领涨"]
EN_TITLES = ["{c} shares move on AI news", "Tech stocks {fell}", "{c} loses ${bn} billion"]


@dataclass(frozen=True)
class Generated:
    """One generated article: its text as sentences, and the page wrapping it."""

    url: str
    lang: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    figures: int
    page: str

    @property
    def text(self) -> str:
        """The body text, one paragraph per line, as the article extractor returns it."""
        return "\n".join(self.paragraphs)


def company_names(path: Path = TICKERS_CSV) -> tuple[list[str], list[str]]:
    """Chinese and English names of the equities, from the aliases column."""
    zh: list[str] = []
    en: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] != "equity":
                continue
            aliases = [a.strip() for a in row["aliases"].split("|") if a.strip()]
            zh += [a for a in aliases if not a.isascii()][:1]
            en += [a for a in aliases if a.isascii() and len(a) > 3][:1]
    return zh, en


def _fill(template: str, rng: random.Random, words: dict[str, list[str]], names: list[str]) -> str:
    c, c2 = rng.sample(names, 2)
    values = {key: rng.choice(options) for key, options in words.items()}
    values.update(
        c=c,
        c2=c2,
        pct=f"{rng.uniform(0.3, 12):.2f}".rstrip("0").rstrip("."),
        pct2=f"{rng.uniform(0.3, 12):.1f}",
        price=f"{rng.uniform(5, 900):.2f}",
        bn=str(rng.randint(5, 990)),
        rmb=str(rng.randint(40, 7000)),
        tn=f"{rng.uniform(0.5, 3.5):.2f}",
    )
    return template.format(**values)


def generate(n: int, seed: int = SEED) -> list[Generated]:
    """``n`` articles, alternately Chinese and English, deterministic for a seed."""
    rng = random.Random(seed)
    zh_names, en_names = company_names()
    start = datetime(2024, 1, 2, 8, 0)
    articles = []
    for i in range(n):
        zh = i % 2 == 0
        names, words = (zh_names, ZH) if zh else (en_names, EN)
        figure_templates = (
            (ZH_MOVES + ZH_CAPS + ZH_VALUATIONS) if zh else (EN_MOVES + EN_CAPS + EN_VALUATIONS)
        )
        fillers = ZH_FILLERS if zh else EN_FILLERS
        figures = rng.randint(2, 5)
        sentences = [_fill(rng.choice(figure_templates), rng, words, names) for _ in range(figures)]
        sentences += rng.sample(fillers, rng.randint(3, 7))
        rng.shuffle(sentences)
        # Paragraphs of two or three sentences; Chinese sentences run on without spaces.
        paragraphs, k = [], 0
        while k < len(sentences):
            size = rng.randint(2, 3)
            paragraphs.append(("" if zh else " ").join(sentences[k : k + size]))
            k += size
        title = _fill(rng.choice(ZH_TITLES if zh else EN_TITLES), rng, words, names)
        published = start + timedelta(minutes=rng.randint(0, 60 * 24 * 360))
        host = "finance.example.cn" if zh else "markets.example.com"
        url = f"https://{host}/news/{published:%Y%m%d}/{seed % 1000:03d}{i:06d}.html"
        page = news_page(url, "zh" if zh else "en", title, published, paragraphs, rng)
        articles.append(
            Generated(url, "zh" if zh else "en", title, published, tuple(paragraphs), figures, page)
        )
    return articles


def news_page(
    url: str,
    lang: str,
    title: str,
    published: datetime,
    paragraphs: Sequence[str],
    rng: random.Random,
) -> str:
    """A news page as publishers serve them: chrome, JSON-LD, the article, related links."""
    esc = html.escape
    zh = lang == "zh"
    nav = ["首页", "财经", "股票", "科技", "基金"] if zh else ["Home", "Markets", "Tech", "Funds"]
    related = ZH_FILLERS if zh else EN_FILLERS
    links = "".join(
        f'<li><a href="/news/{rng.randint(10**5, 10**6)}.html">{esc(t[:24])}</a></li>'
        for t in rng.sample(related, 4)
    )
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    stamp = published.strftime("%Y-%m-%dT%H:%M:%S+08:00" if zh else "%Y-%m-%dT%H:%M:%SZ")
    printed = published.strftime("%Y年%m月%d日 %H:%M" if zh else "%B %d, %Y %H:%M")
    source = "来源：示例财经" if zh else "By Example Markets staff"
    more = "相关阅读" if zh else "Related"
    rights = "版权所有 © 2024 示例财经" if zh else "© 2024 Example Markets. All rights reserved."
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        f'<link rel="canonical" href="{esc(url)}">'
        f'<meta property="og:title" content="{esc(title)}">'
        f'<meta property="article:published_time" content="{stamp}">'
        f'<script type="application/ld+json">{{"@type":"NewsArticle","headline":'
        f'"{esc(title)}","datePublished":"{stamp}"}}</script>'
        f"<style>body{{font-family:sans-serif}}</style></head><body>"
        f"<header><nav><ul>{''.join(f'<li><a href=/{k}>{k}</a></li>' for k in nav)}</ul></nav>"
        f"</header><main><article><h1>{esc(title)}</h1>"
        f'<div class="meta"><span class="time">{printed}</span> <span>{source}</span></div>'
        f'<div class="article-body">{body}</div></article>'
        f"<aside><h3>{more}</h3><ul>{links}</ul></aside></main>"
        f"<footer><p>{rights}</p></footer></body></html>"
    )


@dataclass(frozen=True)
class Timed:
    """One timed pass: seconds, items in, items out."""

    name: str
    seconds: float
    articles: int
    outputs: int

    @property
    def per_second(self) -> float:
        """Articles per second."""
        return self.articles / self.seconds if self.seconds > 0 else 0.0


def _timed(name: str, fn: Callable[[], int], articles: int, repeat: int) -> Timed:
    seconds, outputs = time_call(fn, repeat)
    return Timed(name, seconds, articles, outputs)


def run(n: int, repeat: int = 1, pool: bool = True) -> str:
    """Generate ``n`` articles, time the passes and return the printed report."""
    import trafilatura

    from newsdesk.extract.article import NoArticleText, extract_article
    from newsdesk.extract.claims import extract_claims
    from newsdesk.extract.entities import AliasIndex, read_alias_rows
    from newsdesk.extract.events import load_calendar_events

    articles = generate(n)
    aliases = AliasIndex.from_rows(read_alias_rows(TICKERS_CSV))
    events = load_calendar_events(EVENTS_CSV)
    ids = [f"{i:016x}" for i in range(n)]
    types: Counter[str] = Counter()
    whole = 0

    def claims_pass(batch: Sequence[Generated] = articles) -> int:
        types.clear()
        for article_id, article in zip(ids, batch, strict=False):
            found = extract_claims(
                article.text,
                article_id=article_id,
                published_at=article.published,
                aliases=aliases,
                events=events,
            )
            types.update(c.claim_type for c in found)
        return sum(types.values())

    def article_pass(batch: Sequence[Generated] = articles) -> int:
        nonlocal whole
        whole = done = 0
        for article in batch:
            try:
                got = extract_article(article.page, article.url)
            except NoArticleText:
                continue
            done += 1
            whole += all(p in got.text for p in article.paragraphs)
        return done

    def trafilatura_pass(batch: Sequence[Generated] = articles) -> int:
        return sum(
            bool(trafilatura.extract(a.page, url=a.url, **TRAFILATURA_OPTIONS)) for a in batch
        )

    # The first calls load lexicons, compile patterns and warm lxml: not what is measured.
    for warm in (claims_pass, article_pass, trafilatura_pass):
        warm(articles[:WARMUP])
    extractor = _timed("trafilatura.extract alone", trafilatura_pass, n, repeat)
    pages = _timed("extract_article (HTML)", article_pass, n, repeat)
    claims = _timed("extract_claims (text)", claims_pass, n, repeat)
    report = render(n, articles, extractor, pages, claims, types, whole, repeat)
    if not pool:
        return report
    return report + "\n" + render_pool(n, pooled(articles, 1), pooled(articles, 2))


# --- (d) extraction fanned out over processes ---

_worker: dict[str, Any] = {}


def _start_worker() -> None:
    """Each worker reads the aliases and the calendar once, then warms up, off the clock."""
    from newsdesk.extract.entities import AliasIndex, read_alias_rows
    from newsdesk.extract.events import load_calendar_events

    _worker["aliases"] = AliasIndex.from_rows(read_alias_rows(TICKERS_CSV))
    _worker["events"] = load_calendar_events(EVENTS_CSV)
    for page in generate(WARMUP, seed=SEED + 1):
        extract_page((page.page.encode(), page.url, "warm-up"))


def extract_page(item: tuple[bytes, str, str]) -> int:
    """One landed page → its article → its claims, as flows.news reads a page; the claims.

    The per-page call flows.news makes inline today; once news chunks land, this should call
    the chunk's own per-page extraction function instead of repeating its steps.
    """
    from newsdesk.extract.article import NoArticleText, extract_article
    from newsdesk.extract.claims import extract_claims
    from newsdesk.sources.news import decode_html

    body, url, article_id = item
    html_text, _ = decode_html(body, {"content-type": "text/html; charset=utf-8"})
    try:
        article = extract_article(html_text, url)
    except NoArticleText:
        return 0
    found = extract_claims(
        article.text,
        article_id=article_id,
        published_at=article.published_instant or article.published_at,
        aliases=_worker["aliases"],
        events=_worker["events"],
    )
    return len(found)


def _ready() -> int:
    """A worker's pid, after a pause long enough for the other workers to take tasks too."""
    import os
    import time

    time.sleep(0.2)
    return os.getpid()


@dataclass(frozen=True)
class Pooled:
    """One pool's pass over the pages."""

    workers: int
    seconds: float
    claims: int


def pooled(articles: Sequence[Generated], workers: int) -> Pooled:
    """Extract every page over a process pool of ``workers``; timed once the pool is warm.

    Workers are started by forkserver, not fork: polars and lxml hold threads and locks a
    forked child must not inherit.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    items = [(a.page.encode(), a.url, f"{i:016x}") for i, a in enumerate(articles)]
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        # Every worker started and warmed up before the clock: ask until each has answered.
        ready: set[int] = set()
        while len(ready) < workers:
            ready.update(f.result() for f in [pool.submit(_ready) for _ in range(workers)])
        seconds, claims = time_call(
            lambda: sum(pool.map(extract_page, items, chunksize=POOL_CHUNK))
        )
    return Pooled(workers, seconds, claims)


def render_pool(n: int, one: Pooled, two: Pooled) -> str:
    """The pool table: 1 worker against 2, the speed-up and the target."""
    speedup = one.seconds / two.seconds if two.seconds else float("inf")
    rows = [
        [f"{p.workers} worker{'s' if p.workers > 1 else ''}", f"{p.seconds:.2f}",
         f"{n / p.seconds:,.0f}", f"{p.claims:,} claims"]
        for p in (one, two)
    ]  # fmt: skip
    mark = "met" if speedup >= TARGET_SPEEDUP else "MISSED"
    return "\n".join(
        [
            f"extraction fanned out: {n:,} pages → articles → claims, one page per call, "
            f"process pools (forkserver), {POOL_CHUNK} pages per task; load {load_average()}",
            table(["", "seconds", "pages/s", "output"], rows, first=30),
            f"speed-up 2 workers / 1   {speedup:.2f}×  (target ≥ {TARGET_SPEEDUP}× on two "
            f"cores: {mark}); same claims: {'yes' if one.claims == two.claims else 'NO'}",
        ]
    )


def render(
    n: int,
    articles: Sequence[Generated],
    extractor: Timed,
    pages: Timed,
    claims: Timed,
    types: Counter[str],
    whole: int,
    repeat: int,
) -> str:
    """The rates table and the ratios to the extractor alone."""
    pipeline = pages.seconds + claims.seconds
    zh = sum(a.lang == "zh" for a in articles)
    figures = sum(a.figures for a in articles)
    rows = [
        [t.name, f"{t.seconds:.2f}", f"{t.per_second:,.0f}", out]
        for t, out in (
            (claims, f"{claims.outputs:,} claims = {claims.outputs / claims.seconds:,.0f}/s"),
            (pages, f"{pages.outputs:,} articles"),
            (extractor, f"{extractor.outputs:,} texts"),
            (
                Timed("pipeline (a)+(b)", pipeline, n, 0),
                f"{claims.outputs:,} claims from HTML",
            ),
        )
    ]
    by_type = ", ".join(f"{k} {v:,}" for k, v in sorted(types.items()))

    def ratio(seconds: float) -> str:
        return f"{seconds / extractor.seconds:.2f}×" if extractor.seconds else "n/a"

    lines = [
        f"claims: {n:,} generated articles ({zh:,} Chinese, {n - zh:,} English, "
        f"{figures:,} figure sentences)",
        f"machine: {machine()}; load {load_average()}; best of {repeat} run(s), "
        f"after a {WARMUP}-article warm-up",
        table(["", "seconds", "articles/s", "output"], rows, first=30),
        f"ratio (b) extract_article / trafilatura alone      {ratio(pages.seconds)}",
        f"ratio (a) extract_claims / trafilatura alone       {ratio(claims.seconds)}",
        f"ratio (a)+(b) pipeline / trafilatura alone         {ratio(pipeline)}",
        f"claims by type: {by_type}",
        f"articles whose every paragraph came back from HTML: {whole:,}/{n:,}",
        f"peak memory: {peak_rss_bytes() / 2**20:,.0f} MiB",
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.claims", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--articles", type=int, default=10_000, help="articles (10,000)")
    parser.add_argument("--quick", action="store_true", help="500 articles, a smoke test")
    parser.add_argument("--repeat", type=int, default=1, help="runs per pass, best counts (1)")
    passes = parser.add_mutually_exclusive_group()
    passes.add_argument(
        "--no-pool", action="store_true", help="skip (d), the process pools of 1 and 2 workers"
    )
    passes.add_argument("--pool-only", action="store_true", help="(d) alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles = 500
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse(argv)
    if args.pool_only:
        articles = generate(args.articles)
        one, two = pooled(articles, 1), pooled(articles, 2)
        print(f"machine: {machine()}\n" + render_pool(args.articles, one, two), flush=True)
        return 0
    print(run(args.articles, args.repeat, pool=not args.no_pool), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
