"""The two source clients: live (fetch, then land) and replay (the landing zone), one interface."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.chunks import retried as retry_fetch
from flows.run import build_sources
from newsdesk.config import Settings, StorageSettings
from newsdesk.http import FetchError, HttpClient
from newsdesk.landing import find_landed
from newsdesk.sources.clients import LandedSources, LiveSources, NotLanded
from newsdesk.storage import Store
from tests.s3 import s3_endpoint, s3_store  # noqa: F401 - fixtures

START, END = date(2024, 2, 12), date(2024, 2, 20)
CHART = b'{"chart": {"result": [], "error": null}}'


def live(raw: Path | Store, base_url: str) -> LiveSources:
    client = HttpClient("newsdesk-test", retries=0)
    return LiveSources(
        Store.at(raw), market=client, fx=client, news=client, sec=None,
        market_url=base_url, fx_url=base_url, sec_url=base_url,
    )  # fmt: skip


def test_live_lands_each_response_and_replay_hands_back_the_same(local_server, tmp_path):
    local_server.route("/v8/finance/chart/ADBE", body=CHART)
    sources = live(tmp_path, local_server.url())
    fetched = sources.chart("ADBE", START, END)
    assert sources.requests == {"yahoo": 1}
    assert fetched[0].read_body() == CHART
    assert find_landed(tmp_path, "yahoo") == fetched

    replay = LandedSources(Store.at(tmp_path))
    assert replay.chart("ADBE", START, END) == fetched
    assert replay.reused == {"yahoo": 1} and replay.requests == {}


def test_an_error_response_is_landed_before_the_failure_is_raised(local_server, tmp_path):
    local_server.route("/gone.html", status=410, body=b"gone for good")
    sources = live(tmp_path, local_server.url())
    with pytest.raises(FetchError, match="410"):
        sources.page(local_server.url("/gone.html"))
    kept = find_landed(tmp_path, "news", ok_only=False)
    assert [x.status for x in kept] == [410] and kept[0].read_body() == b"gone for good"


def test_replay_says_what_it_lacks_in_one_line(tmp_path):
    replay = LandedSources(Store.at(tmp_path))
    with pytest.raises(NotLanded, match="^offline: no chart response in the landing zone$"):
        replay.chart("ADBE", START, END)
    with pytest.raises(NotLanded, match="^https://x.test/a: offline and not in the landing zone$"):
        replay.page("https://x.test/a")
    assert replay.rates(START, END, ["CNY"]) == [] and replay.companyfacts("796343") == []


@pytest.mark.slow  # starts moto_server
def test_what_lands_on_s3_replays_offline_from_s3_byte_for_byte(local_server, s3_store):  # noqa: F811
    page = "<html>\u6e2f\u5143 7.81</html>".encode("gb18030")
    local_server.route("/v8/finance/chart/ADBE", body=CHART)
    local_server.route("/zh.html", body=page, headers={"Content-Type": "text/html; charset=gbk"})
    sources = live(s3_store, local_server.url())
    fetched = [*sources.chart("ADBE", START, END), sources.page(local_server.url("/zh.html"))]
    assert all(x.body_path.startswith(s3_store.root + "/") for x in fetched)

    settings = replace(
        Settings(),
        warehouse=replace(Settings().warehouse, raw_dir=s3_store.root),
        storage=StorageSettings(endpoint_url=s3_store.endpoint_url, region=s3_store.region),
    )
    replay = build_sources(settings, offline=True)  # the configured endpoint, no network else
    assert isinstance(replay, LandedSources)
    replayed = [*replay.chart("ADBE", START, END), replay.page(local_server.url("/zh.html"))]
    assert replayed == fetched
    assert [x.read_body() for x in replayed] == [CHART, page]
    assert replay.requests == {} and replay.reused == {"yahoo": 1, "news": 1}


def test_live_sec_without_a_user_agent_is_refused_before_any_request(tmp_path):
    sources = live(tmp_path, "http://127.0.0.1:9")
    with pytest.raises(NotLanded, match="User-Agent"):
        sources.companyfacts("796343")
    assert sources.requests == {}


@pytest.mark.parametrize(
    ("error", "retried"),
    [(NotLanded("offline: nothing"), False), (FetchError("http://x", "timeout", 3), True)],
)
def test_a_fetch_is_retried_unless_nothing_was_there_to_find(
    error, retried, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("flows.engine.time.sleep", lambda seconds: None)
    calls: list[int] = []

    def fetch() -> None:
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        retry_fetch(fetch, 2)
    assert len(calls) == (3 if retried else 1)
