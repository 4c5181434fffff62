"""Article extraction: main text without chrome, dates, language, identity."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsdesk.extract.article import (
    NoArticleText,
    article_id_for,
    detect_lang,
    extract_article,
    parse_date,
)
from newsdesk.http import HttpClient
from newsdesk.sources.news import decode_html, fetch_page
from tests.builders import SEED, seed_page
from tests.localserver import LocalServer

PAGES = Path(__file__).parent / "fixtures" / "pages"

PARAGRAPHS = [
    "周四港股早盘低开，恒生指数一度跌逾百点，随后在科技股带动下逐步收复失地。",
    "分析人士指出，外资流向仍是影响短期走势的关键，市场对下周公布的经济数据保持观望。",
    "板块方面，新能源汽车与半导体个股表现分化，部分前期涨幅较大的品种出现获利回吐。",
    "有私募基金经理表示，当前估值处于历史较低区间，中长期配置价值正在逐步显现。",
]


def page(head: str = "", top: str = "", paragraphs: list[str] = PARAGRAPHS, nav: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>港股早盘</title>{head}</head>"
        f"<body>{nav}<div class='article'><h1>港股早盘低开后回升</h1>{top}"
        f"<div class='content'>{body}</div></div></body></html>"
    )


def zh_article() -> str:
    return (PAGES / "zh_article.html").read_text(encoding="utf-8")


def test_chinese_page_loses_its_chrome() -> None:
    article = extract_article(zh_article(), "https://news.example.cn/markets/2024/0216/a.html")
    lines = article.text.splitlines()
    assert lines[0].startswith("一款能够根据文字描述生成短视频的新模型")
    assert any(line.startswith("另一位基金经理则提醒") for line in lines)
    for chrome in ("首页", "您的位置", "热门新闻", "精彩专题", "更多+", "版权所有", "关于我们"):
        assert chrome not in article.text, chrome
    assert not any(line.endswith(".jpg") for line in lines)
    assert article.title == "视频生成模型亮相 软件股应声下跌"
    assert article.lang == "zh"


def test_a_figure_in_a_table_survives() -> None:
    article = extract_article(zh_article(), "https://news.example.cn/a.html")
    rows = [line for line in article.text.splitlines() if "Adobe" in line]
    assert len(rows) == 1
    assert [cell.strip() for cell in rows[0].strip("| ").split("|")] == ["Adobe", "-7.4%"]


def test_english_page() -> None:
    article = extract_article(
        (PAGES / "en_article.html").read_text(encoding="utf-8"), "https://markets.example.com/a"
    )
    assert article.lang == "en"
    assert "wipe tens of billions of dollars" in article.text
    assert "All rights reserved" not in article.text
    assert article.title.startswith("Creative software shares slide")
    assert article.published_at is None  # the page states no date anywhere


@pytest.mark.parametrize(
    ("head", "top", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-02-20T10:05:40+08:00">',
            "",
            datetime(2024, 2, 20, 10, 5, 40),
        ),
        ('<meta name="pubdate" content="2024-02-20 10:05">', "", datetime(2024, 2, 20, 10, 5)),
        ('<meta name="PublishDate" content="2024/02/20">', "", datetime(2024, 2, 20)),
        (
            '<meta property="og:published_time" content="2024-02-20T02:05:40Z">',
            "",
            datetime(2024, 2, 20, 2, 5, 40),
        ),
        (
            "",
            '<time datetime="2024-02-20T10:05:40+08:00">2月20日</time>',
            datetime(2024, 2, 20, 10, 5, 40),
        ),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
            '[{"@type": "WebPage"}, {"@type": "NewsArticle", '
            '"datePublished": "2024-02-20T10:05:40+08:00"}]}</script>',
            "",
            datetime(2024, 2, 20, 10, 5, 40),
        ),
        (
            "",
            "<div class='info'>2024-02-20 10:05:40作者:佚名</div>",
            datetime(2024, 2, 20, 10, 5, 40),
        ),
        ("", "<div class='info'>发布时间：2024年2月20日 10:05</div>", datetime(2024, 2, 20, 10, 5)),
        # order: meta before <time> before a printed date
        (
            '<meta name="pubdate" content="2024-02-19 08:00">',
            '<time datetime="2024-02-18">18日</time><div>2024-02-17 09:00</div>',
            datetime(2024, 2, 19, 8, 0),
        ),
        (
            '<script type="application/ld+json">{"datePublished": "2024-02-18"}</script>',
            "<div>2024-02-17 09:00</div>",
            datetime(2024, 2, 18),
        ),
        ("", "", None),
    ],
)
def test_published_at_sources(head: str, top: str, expected: datetime | None) -> None:
    assert extract_article(page(head, top), "https://hk.example.com/a").published_at == expected


def test_feed_date_comes_before_a_printed_date_and_after_the_page_metadata() -> None:
    feed = datetime(2024, 2, 20, 2, 5, 40, tzinfo=UTC)
    printed = page(top="<div>2024-02-17 09:00</div>")
    assert extract_article(
        printed, "https://hk.example.com/a", feed_published=feed
    ).published_at == (datetime(2024, 2, 20, 2, 5, 40))
    meta = page(head='<meta name="pubdate" content="2024-02-19 08:00">')
    assert extract_article(meta, "https://hk.example.com/a", feed_published=feed).published_at == (
        datetime(2024, 2, 19, 8, 0)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-20 10:05:40作者", datetime(2024, 2, 20, 10, 5, 40)),
        ("2024年2月20日 10:05", datetime(2024, 2, 20, 10, 5)),
        ("2024年2月20日", datetime(2024, 2, 20)),
        ("2024/2/5", datetime(2024, 2, 5)),
        ("2024-02-20T10:05:40Z", datetime(2024, 2, 20, 10, 5, 40)),
        ("第2024-13-45号 then 2024-02-20", datetime(2024, 2, 20)),
        ("约合人民币3500亿元", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("美国电脑软件公司Adobe股价暴跌，Shutterstock跌幅居前。", "zh"),
        ("Shares of Adobe fell more than 7% on Friday.", "en"),
        ("Alibaba (阿里巴巴) shares rose 5% on Friday after results.", "en"),
        ("2024 — 7% / 3.5", None),
    ],
)
def test_detect_lang(text: str, lang: str | None) -> None:
    assert detect_lang(text) == lang


def test_canonical_link_gives_two_urls_one_article_id() -> None:
    html = zh_article()
    a = extract_article(html, "https://m.example.cn/share?id=99&utm_source=wechat")
    b = extract_article(html, "https://news.example.cn/markets/2024/0216/video-model.html#top")
    assert a.canonical_url == "https://news.example.cn/markets/2024/0216/video-model.html"
    assert a.article_id == b.article_id
    assert a.url != b.url


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        (
            "HTTPS://News.Example.CN:443/a/b/?id=3&utm_source=x#top",
            "https://news.example.cn/a/b?id=3",
            True,
        ),
        ("http://example.com:80/a", "http://example.com/a", True),
        ("http://example.com/a?utm_medium=rss&utm_campaign=z", "http://example.com/a", True),
        ("http://example.com:8080/a", "http://example.com/a", False),
        ("http://example.com/a?id=3", "http://example.com/a?id=4", False),
        ("http://example.com/a", "https://example.com/a", False),
    ],
)
def test_article_id_normalises_urls(left: str, right: str, same: bool) -> None:
    assert (article_id_for(left) == article_id_for(right)) is same
    assert len(article_id_for(left)) == 16


def test_same_text_at_two_urls_has_one_content_hash() -> None:
    nav = "<div class='nav'><a href='/'>首页</a> <a href='/hk'>港股</a></div>"
    paragraphs = [*PARAGRAPHS, "Café Holdings 与 Zürich Re 的股价同步走弱。"]
    a = extract_article(page(nav=nav, paragraphs=paragraphs), "https://hk.example.com/a")
    # the second copy: other chrome, decomposed accents (NFD), other runs of white space
    rewrapped = [unicodedata.normalize("NFD", p).replace(" ", " \n   ") for p in paragraphs]
    b = extract_article(page(paragraphs=rewrapped), "https://mirror.example.org/b")
    assert a.article_id != b.article_id
    assert "\u0301" not in b.text  # the text itself is NFC too
    assert a.content_sha256 == b.content_sha256
    c = extract_article(page(paragraphs=PARAGRAPHS[:3]), "https://hk.example.com/c")
    assert c.content_sha256 != a.content_sha256


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html><head><title>空</title></head><body></body></html>",
        "<html><body><div class='nav'><a href='/'>首页</a></div><p>更多+</p></body></html>",
        "<html><body><p>54fbb2fb43166d2224b401c551e99cfa9252d2f3.jpg</p></body></html>",
    ],
)
def test_no_article_text(html: str) -> None:
    with pytest.raises(NoArticleText):
        extract_article(html, "https://example.com/empty")


@pytest.mark.skipif(not SEED.exists(), reason=f"seed article not found at {SEED}")
def test_seed_article_served_as_gbk(local_server: LocalServer) -> None:
    local_server.route(
        "/news/sora.html",
        # as a GBK site would, characters GBK lacks (the seed has U+00A0) become references
        body=seed_page(SEED.read_text(encoding="utf-8")).encode("gbk", "xmlcharrefreplace"),
        headers={"Content-Type": "text/html; charset=GB2312"},
    )
    url = local_server.url("/news/sora.html")
    fetched = fetch_page(HttpClient("newsdesk-test/0.1"), url)
    html, codec = decode_html(fetched.body, fetched.headers)
    article = extract_article(html, fetched.url)
    assert codec == "gb18030"
    assert "Adobe股价暴跌超7%" in article.text
    assert "版权所有" not in article.text
    assert not any(line.endswith(".jpg") for line in article.text.splitlines())
    assert article.published_at == datetime(2024, 2, 20, 10, 5, 40)
    assert article.lang == "zh"
    assert article.canonical_url == url


# --- the publication time: every source, its zone, and which one wins ---

HKT = timedelta(hours=8)


@pytest.mark.parametrize(
    ("url", "head", "top", "local", "offset", "precision"),
    [
        ("https://x.example.com/a", '<meta name="date" content="2025-02-03">', "",
         datetime(2025, 2, 3), None, "date"),
        ("https://x.example.com/a", '<meta name="DC.date.issued" content="2024-02-23T10:05:00Z">',
         "", datetime(2024, 2, 23, 10, 5), timedelta(0), "time"),
        ("https://x.example.com/a", '<meta name="publishdate" content="2024-02-19">', "",
         datetime(2024, 2, 19), None, "date"),
        ("https://x.example.com/a", '<meta itemprop="datePublished" '
         'content="2024-01-25T16:30:00-05:00">', "", datetime(2024, 1, 25, 16, 30),
         timedelta(hours=-5), "time"),
        # visible datelines, with a zone word beside the time
        ("https://x.example.com/a", "", "<p class='meta'>Markets | Mar 09, 2024</p>",
         datetime(2024, 3, 9), None, "date"),
        ("https://x.example.com/a", "", "<span>Updated: February 23, 2024 5:30 AM IST</span>",
         datetime(2024, 2, 23, 5, 30), timedelta(hours=5, minutes=30), "time"),
        ("https://x.example.com/a", "", "<span>Jan 28, 2025 08:00 HKT</span>",
         datetime(2025, 1, 28, 8, 0), HKT, "time"),
        ("https://x.example.com/a", "", "<span>January 27, 2025 4:45 PM ET</span>",
         datetime(2025, 1, 27, 16, 45), timedelta(hours=-5), "time"),
        ("https://x.example.com/a", "", "<span>July 1, 2024 4:45 PM ET</span>",  # daylight time
         datetime(2024, 7, 1, 16, 45), timedelta(hours=-4), "time"),
        ("https://x.example.com/a", "", "<span>28 January 2025 07:00 GMT</span>",
         datetime(2025, 1, 28, 7, 0), timedelta(0), "time"),
        # a bare time: +08:00 on a Chinese page from a .cn/.hk/.tw/.my host, else no zone
        ("https://news.example.cn/a", "", "<div>2024年2月26日 08:15 来源：本站</div>",
         datetime(2024, 2, 26, 8, 15), HKT, "time"),
        ("https://news.example.com.hk/a", "", "<div>2025年1月28日 星期二 08:00</div>",
         datetime(2025, 1, 28, 8, 0), HKT, "time"),
        ("https://www.example.com/a", "", "<div>2024-02-23 10:05</div>",
         datetime(2024, 2, 23, 10, 5), None, "time"),
        # CST is China Standard Time on a Chinese page
        ("https://www.example.com/a", "", "<div>2025-01-28 08:00 CST</div>",
         datetime(2025, 1, 28, 8, 0), HKT, "time"),
        ("https://www.example.com/a", "", "<div>北京时间2025-01-28 08:00</div>",
         datetime(2025, 1, 28, 8, 0), HKT, "time"),
    ],
)  # fmt: skip
def test_publication_time_and_zone(
    url: str,
    head: str,
    top: str,
    local: datetime,
    offset: timedelta | None,
    precision: str,
) -> None:
    article = extract_article(page(head, top), url)
    assert (article.published_at, article.published_offset) == (local, offset)
    assert article.published_precision == precision
    if precision == "time" and offset is not None:
        assert article.published_instant == local.replace(tzinfo=timezone(offset))
    else:
        assert article.published_instant is None  # a day, or a time with no zone: no moment


def test_a_wire_dateline_opening_the_first_paragraph() -> None:
    lead = "NEW YORK, Mar 09, 2024 - " + PARAGRAPHS[0] * 3
    article = extract_article(page(paragraphs=[lead, *PARAGRAPHS[1:]]), "https://x.example.com/a")
    assert article.published_at == datetime(2024, 3, 9) and article.published_precision == "date"


def test_a_date_inside_an_article_sentence_is_no_dateline() -> None:
    text = "On January 27, 2025, " + PARAGRAPHS[0] * 3
    article = extract_article(page(paragraphs=[text, *PARAGRAPHS[1:]]), "https://x.example.com/a")
    assert article.published_at is None


def test_a_time_on_the_same_day_refines_a_date_only_source() -> None:
    head = '<script type="application/ld+json">{"datePublished": "2024-02-23"}</script>'
    top = "<span>February 23, 2024 5:30 AM IST</span>"
    article = extract_article(page(head, top), "https://x.example.com/a")
    assert article.published_at == datetime(2024, 2, 23, 5, 30)
    assert article.published_offset == timedelta(hours=5, minutes=30)


def test_metadata_with_a_time_beats_a_date_only_source() -> None:
    head = (
        '<meta name="date" content="2025-01-27">'
        '<meta property="og:published_time" content="2025-01-27T16:45:00-05:00">'
    )
    article = extract_article(page(head), "https://x.example.com/a")
    assert article.published_instant == datetime(
        2025, 1, 27, 16, 45, tzinfo=timezone(timedelta(hours=-5))
    )


def test_htmldate_is_the_last_fallback_and_gives_a_date_only() -> None:
    article = extract_article(page(), "https://x.example.com/markets/2024/02/20/sora.html")
    assert article.published_at == datetime(2024, 2, 20)
    assert article.published_precision == "date" and article.published_instant is None


def test_a_utc_stamp_of_a_chinese_page_from_an_asian_host_is_told_in_its_own_zone() -> None:
    head = '<meta property="article:published_time" content="2025-01-27T23:00:00Z">'
    article = extract_article(page(head), "https://news.example.cn/a")
    assert (article.published_at, article.published_offset) == (datetime(2025, 1, 28, 7), HKT)
    feed = datetime(2025, 1, 27, 23, 0, tzinfo=UTC)
    fed = extract_article(page(), "https://news.example.cn/a", feed_published=feed)
    assert fed.published_instant == feed
    assert fed.published_at == datetime(2025, 1, 28, 7)


def test_a_table_row_is_one_line_however_the_table_is_nested() -> None:
    # a movers table inside a <p> (invalid, and common): cells must not fall apart into lines
    html = (
        "<html><body><article><h1>Movers</h1><p>Monday's biggest fallers follow.<table>"
        "<tr><th>Company</th><th>Change</th></tr><tr><td>Broadcom</td><td>-17.4%</td></tr>"
        "</table></p><p>Nvidia lost 17% that day, its worst session since March 2020, "
        "as investors weighed a cheaper Chinese model.</p></article></body></html>"
    )
    text = extract_article(html, "https://markets.example.com/movers.html").text
    assert "| Broadcom | -17.4% |" in text.splitlines()
