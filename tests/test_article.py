"""Article extraction: main text without chrome, dates, language, identity."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
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
