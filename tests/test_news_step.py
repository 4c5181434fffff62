"""The news step against a local server: feeds, pages, charsets, and what is skipped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from prefect import flow

from flows.news import NewsResult, news_step
from flows.run import open_run
from flows.verify import publish_step, verify_step
from newsdesk.config import HttpSettings, NewsSettings, Settings, WarehouseSettings
from newsdesk.warehouse import Warehouse

# Every test runs the step as a Prefect flow against the session's test server.
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

DAY = date(2024, 2, 20)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(title: str, body: str, published: str = "2024-02-20T09:00:00Z") -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{published}"></head>
<body><nav>Home | Markets | Tech</nav><article><h1>{title}</h1>{body}</article>
<footer>All rights reserved.</footer></body></html>""".encode()


MOVES = page(
    "Chip stocks slide",
    "<p>Nvidia shares slid 3.2% on Tuesday, Feb. 20, as traders took profits before results.</p>"
    "<p>Broadcom fell 2.1% in the same session, and neither stock recovered by the close.</p>",
)
QUIET = page(
    "A calm session",
    "<p>Traders described a calm session with few moves worth noting and light volume.</p>"
    "<p>Most desks said they were waiting for the central bank before taking positions.</p>",
)


def feed(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>item</title><link>{url}</link><pubDate>{when}</pubDate></item>"
        for url, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Markets</title><link>http://example.test/</link>{entries}</channel></rss>"
    ).encode()


def settings_for(root: Path, pages: list[str], feeds: list[str]) -> Settings:
    return Settings(
        warehouse=WarehouseSettings(path=root / "w.duckdb", raw_dir=root / "raw"),
        news=NewsSettings(pages=tuple(pages), feeds=tuple(feeds), min_interval=0.0),
        http=HttpSettings(retries=0, backoff=0.01, task_retries=0, read_timeout=2.0),
    )


def run_news(settings: Settings, offline: bool = False, publish: bool = True) -> NewsResult:
    """The news step, then (as the nightly run does) its claims judged and published."""

    @flow(name="news-test")
    def news_flow() -> NewsResult:
        run = open_run(settings, offline)
        news = news_step(run, DAY, DAY)
        if publish:
            publish_step(run, news, verify_step(run, news))
        return news

    return news_flow()


@pytest.fixture
def site(local_server, tmp_path):
    s = local_server
    s.route("/a/moves.html", body=MOVES, headers=HTML)
    s.route("/mirror/moves.html", body=MOVES, headers=HTML)  # the same text at a second URL
    s.route("/a/quiet.html", body=QUIET, headers=HTML)
    s.route("/a/empty.html", body=b"", headers=HTML)
    s.route("/a/broken.html", body=b"<html><body><div><p>", headers=HTML)
    s.route("/a/old.html", body=page("Old", "<p>Old news fell 9%.</p>"), headers=HTML)
    s.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=feed([
        (s.url("/a/quiet.html"), "Tue, 20 Feb 2024 08:00:00 GMT"),
        (s.url("/a/old.html"), "Mon, 12 Feb 2024 08:00:00 GMT"),     # outside the window
        (s.url("/a/gone.html"), "Tue, 20 Feb 2024 10:00:00 GMT"),    # 404
    ]))  # fmt: skip
    pages = [s.url(p) for p in ("/a/moves.html", "/mirror/moves.html", "/a/empty.html",
                                "/a/broken.html")]  # fmt: skip
    return s, settings_for(tmp_path, pages, [s.url("/feed.xml")])


def test_pages_and_feed_items_in_the_window_are_read_and_the_rest_skipped(site):
    server, settings = site
    result = run_news(settings)
    wh = Warehouse(settings.warehouse.path)
    urls = wh.query("select url from articles order by url")["url"].to_list()
    assert urls == [server.url("/a/moves.html"), server.url("/a/quiet.html")]
    requested = {r.path for r in server.requests}
    assert "/a/old.html" not in requested  # outside the run's window: not even fetched
    skipped = " ".join(result.skipped)
    assert "gone.html" in skipped and "404" in skipped
    assert "empty.html" in skipped and "broken.html" in skipped
    moves = wh.query(
        "select subjects[1] as s, value, reference_date from claims "
        "where claim_type = 'price_move' order by s"
    ).rows()
    assert moves == [("AVGO", -2.1, DAY), ("NVDA", -3.2, DAY)]
    assert wh.query("select count(*) n from claims where article_id is null")["n"][0] == 0


def test_the_news_step_writes_nothing_until_its_claims_are_judged(site):
    _, settings = site
    result = run_news(settings, publish=False)
    assert result.claims.height > 0 and result.claims["verdict"].null_count() > 0
    wh = Warehouse(settings.warehouse.path)
    for table in ("articles", "claims", "events"):
        assert wh.query(f"select count(*) n from {table} where article_id is not null")["n"][0] == 0


def test_news_rerun_and_offline_replay_change_nothing(site, tmp_path):
    _, settings = site
    run_news(settings)
    tables = ["articles", "claims", "events"]
    first = Warehouse(settings.warehouse.path).checksums(tables)
    run_news(settings)
    assert Warehouse(settings.warehouse.path).checksums(tables) == first
    replay = Settings(
        warehouse=WarehouseSettings(
            path=tmp_path / "replay.duckdb", raw_dir=settings.warehouse.raw_dir
        ),
        news=settings.news,
    )
    run_news(replay, offline=True)
    assert Warehouse(replay.warehouse.path).checksums(tables) == first


def test_a_gbk_page_declared_gb2312_reads_correctly(local_server, tmp_path):
    text = "<p>英伟达股价周二下跌3.2%，博通同日收跌2.1%，两家公司均未能收复失地。</p>"
    body = page("芯片股回落", text).replace(b'charset="utf-8"', b'charset="gb2312"')
    body = body.decode().encode("gbk")
    local_server.route("/zh.html", body=body, headers={"Content-Type": "text/html; charset=GB2312"})
    settings = settings_for(tmp_path, [local_server.url("/zh.html")], [])
    run_news(settings)
    wh = Warehouse(settings.warehouse.path)
    assert "英伟达股价周二下跌3.2%" in wh.query("select text from articles")["text"][0]
    values = wh.query("select value from claims where claim_type = 'price_move' order by value")
    assert values["value"].to_list() == [-3.2, -2.1]
