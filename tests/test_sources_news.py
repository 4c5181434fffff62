"""News source: charset decoding, feed detection and parsing, the window, keys."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsdesk.http import HttpClient
from newsdesk.sources.news import (
    FeedItem,
    decode_html,
    fetch_page,
    is_feed,
    items_in_window,
    news_client,
    news_key,
    parse_feed,
)
from tests.localserver import LocalServer

PAGES = Path(__file__).parent / "fixtures" / "pages"
SENTENCE = "沪深两市今日窄幅震荡，成交额较上周略有放大。"
GBK_ONLY = "朱镕基、陶喆与周鸿祎"  # 镕 喆 祎 are in GBK but not in GB2312
GB18030_ONLY = "𠮷野家"  # 𠮷 (U+20BB7) is outside GBK


def html(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("label", ["GB2312", "gb2312", "GBK", "gb_2312-80", "x-gbk", "GB18030"])
def test_declared_gb_family_decodes_as_gb18030(label: str) -> None:
    body = html(SENTENCE + GBK_ONLY).encode("gbk")
    text, codec = decode_html(body, {"Content-Type": f"text/html; charset={label}"})
    assert codec == "gb18030"
    assert SENTENCE in text and GBK_ONLY in text


def test_characters_beyond_gbk_survive_a_gb2312_label() -> None:
    body = html(GB18030_ONLY).encode("gb18030")
    text, _ = decode_html(body, {"content-type": "text/html; charset=GB2312"})
    assert GB18030_ONLY in text


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="gbk">',
        "<meta charset=GB2312>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    ],
)
def test_meta_charset_only(meta: str) -> None:
    body = html(SENTENCE, meta).encode("gbk")
    text, codec = decode_html(body, {"Content-Type": "text/html"})
    assert codec == "gb18030" and SENTENCE in text


def test_header_wins_over_meta() -> None:
    body = html(SENTENCE, '<meta charset="big5">').encode("gbk")
    text, codec = decode_html(body, {"Content-Type": "text/html; charset=gbk"})
    assert codec == "gb18030" and SENTENCE in text


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")],
)
def test_bom_wins_over_declarations(bom: bytes, encoding: str) -> None:
    body = bom + html(SENTENCE, '<meta charset="gbk">').encode(encoding)
    text, codec = decode_html(body, {"Content-Type": "text/html; charset=gbk"})
    assert codec == encoding
    assert text.startswith("<html>") and SENTENCE in text


def test_no_declaration_utf8() -> None:
    text, codec = decode_html(html(SENTENCE).encode("utf-8"), {})
    assert (codec, SENTENCE in text) == ("utf-8", True)


def test_no_declaration_gbk_bytes_read_as_gb18030() -> None:
    text, codec = decode_html(html(SENTENCE + GBK_ONLY).encode("gbk"), {})
    assert codec == "gb18030"
    assert SENTENCE + GBK_ONLY in text


def test_wrong_declaration_falls_through_to_sniffing() -> None:
    body = html(SENTENCE).encode("gbk")
    text, codec = decode_html(body, {"Content-Type": "text/html; charset=utf-8"})
    assert codec == "gb18030" and SENTENCE in text


def test_no_declaration_is_not_read_as_latin1() -> None:
    # requests would fall back to ISO-8859-1 for text/html without a charset: "ZÃ¼rich".
    body = html("Les marchés ont reculé à Zürich et à Genève aujourd'hui.").encode("utf-8")
    text, codec = decode_html(body, {"Content-Type": "text/html"})
    assert codec == "utf-8" and "Zürich" in text


def test_fetch_and_decode_a_gbk_page(local_server: LocalServer) -> None:
    local_server.route(
        "/news/1.html",
        body=html(SENTENCE + GBK_ONLY).encode("gbk"),
        headers={"Content-Type": "text/html; charset=GB2312"},
    )
    got = fetch_page(HttpClient("newsdesk-test/0.1"), local_server.url("/news/1.html"))
    text, _ = decode_html(got.body, got.headers)
    assert SENTENCE + GBK_ONLY in text


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("feed_rss.xml", "application/rss+xml", True),
        ("feed_rss.xml", "text/xml", True),
        ("feed_atom.xml", "application/xml", True),
        ("feed_atom.xml", "", True),
        ("zh_article.html", "text/html", False),
        ("en_article.html", "", False),
    ],
)
def test_is_feed(name: str, content_type: str, expected: bool) -> None:
    body = (PAGES / name).read_bytes()
    assert is_feed(body, {"Content-Type": content_type}) is expected


def test_parse_rss() -> None:
    items = parse_feed((PAGES / "feed_rss.xml").read_bytes())
    assert [i.url.rsplit("/", 1)[1] for i in items] == [
        "video-model.html",
        "oil.html",
        "preview.html",
        "undated.html",
    ]  # the entry without a link is dropped
    assert items[0].title == "视频生成模型亮相 软件股应声下跌"
    assert items[0].published == datetime(2024, 2, 16, 13, 40, tzinfo=UTC)  # 21:40 +08:00
    assert items[3].published is None


def test_parse_atom() -> None:
    items = parse_feed((PAGES / "feed_atom.xml").read_bytes())
    assert [i.url for i in items] == [
        "https://markets.example.com/2024/02/16/creative-software",
        "https://markets.example.com/2024/02/14/bond-yields",
    ]
    assert items[0].published == datetime(2024, 2, 16, 22, 5, tzinfo=UTC)  # 17:05 -05:00
    assert items[1].published == datetime(2024, 2, 14, 9, 0, tzinfo=UTC)  # only <updated>


def test_items_in_window_keeps_only_the_window() -> None:
    items = parse_feed((PAGES / "feed_rss.xml").read_bytes())
    beijing = timezone(timedelta(hours=8))
    start = datetime(2024, 2, 16, tzinfo=beijing)
    end = datetime(2024, 2, 17, tzinfo=beijing)
    kept = items_in_window(items, start, end)
    assert [i.url.rsplit("/", 1)[1] for i in kept] == ["video-model.html"]


def test_window_bounds_are_half_open() -> None:
    at = datetime(2024, 2, 16, tzinfo=UTC)
    item = FeedItem("https://x.example/a", None, at)
    assert items_in_window([item], at, at + timedelta(days=1)) == [item]
    assert items_in_window([item], at - timedelta(days=1), at) == []


def test_window_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        items_in_window([], datetime(2024, 2, 16), datetime(2024, 2, 17))


def test_news_key() -> None:
    url = "https://News.Example.cn:8443/markets/2024/0216/video-model.html"
    key = news_key(url)
    host, digest = key.split("/")
    assert host == "news.example.cn_8443"
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert news_key(url + "?page=2") != key


def test_news_client_is_polite_per_host() -> None:
    assert news_client("newsdesk-test/0.1").min_interval == 1.0
    assert news_client("newsdesk-test/0.1", min_interval=2.5).min_interval == 2.5
