"""Request rates across workers: the limits a config asks for, created with slot decay on a
real Prefect API, and the throttle that takes their slots before each request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from flows import limits
from flows.run import build_sources
from newsdesk.config import LimitSettings, NewsSettings, Settings, WarehouseSettings
from newsdesk.http import FetchError


def settings_with(
    *, yahoo: float = 2.0, sec: float = 8.0, news_host: float = 1.0, urls: tuple[str, ...] = ()
) -> Settings:
    return replace(
        Settings(),
        limits=LimitSettings(yahoo=yahoo, sec=sec, news_host=news_host),
        news=NewsSettings(feeds=urls[:1], pages=urls[1:]),
    )


@pytest.fixture(autouse=True)
def no_rate_limits_left_behind() -> Iterator[None]:
    """Later tests of this session's server fetch without the limits these tests create."""
    yield
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for found in client.read_global_concurrency_limits(limit=200):
            if found.name.startswith(limits.PREFIX):
                client.delete_global_concurrency_limit_by_name(found.name)
    limits._known.clear()


def read_limit(name: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name)


def test_one_limit_per_provider_and_per_configured_news_host() -> None:
    settings = settings_with(
        yahoo=1.5,
        sec=9.0,
        news_host=0.5,
        urls=(
            "https://feeds.Example.com/rss",
            "https://user@news.example.org:8443/a",
            "https://feeds.example.com/b",
        ),
    )
    assert limits.rate_limits(settings) == {
        "newsdesk-rate-yahoo": 1.5,
        "newsdesk-rate-sec": 9.0,
        "newsdesk-rate-news": 0.5,
        "newsdesk-rate-news-feeds.example.com": 0.5,
        "newsdesk-rate-news-news.example.org-8443": 0.5,
    }


def test_without_a_prefect_api_no_source_is_throttled() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert all(limits.throttle(Settings(), s) is None for s in ("market", "sec", "news"))
        sources = build_sources(Settings(), offline=False)
    assert sources.market.throttle is None


@pytest.mark.slow
def test_ensure_limits_creates_one_decaying_slot_per_rate_and_follows_the_config(
    prefect_harness: None,
) -> None:
    first = settings_with(yahoo=1.5, sec=9.5, urls=("https://one.example/a",))
    limits.ensure_limits(first)
    for name, rate in limits.rate_limits(first).items():
        found = read_limit(name)
        assert (found.limit, found.slot_decay_per_second, found.active) == (1, rate, True), name
    limits.ensure_limits(settings_with(yahoo=0.5, sec=9.5, urls=("https://one.example/a",)))
    assert read_limit("newsdesk-rate-yahoo").slot_decay_per_second == 0.5


@pytest.mark.slow
def test_the_throttle_holds_a_slot_that_other_requests_wait_for(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SEC at one request per 20 s: the slot taken stays taken for the rest of this test.
    settings = settings_with(sec=0.05)
    limits.ensure_limits(settings)
    take = limits.throttle(settings, "sec")
    assert take is not None
    take("https://data.sec.gov/api/xbrl/companyfacts/CIK0000796343.json")
    assert read_limit("newsdesk-rate-sec").active_slots == 1
    monkeypatch.setattr(limits, "SLOT_WAIT_SECONDS", 1.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no newsdesk-rate-sec slot within 1 s after 0 attempts"):
        take("https://data.sec.gov/api/xbrl/companyfacts/CIK0000320193.json")
    assert time.monotonic() - started >= 0.9


@pytest.mark.slow
def test_throttled_requests_leave_at_the_configured_rate(prefect_harness: None) -> None:
    settings = settings_with(yahoo=2.0)
    limits.ensure_limits(settings)
    take = limits.throttle(settings, "market")
    assert take is not None
    started = time.monotonic()
    for _ in range(3):
        take("https://query1.finance.yahoo.com/v8/finance/chart/ADBE")
    # the first request goes at once, each next one waits for the slot to decay (0.5 s)
    assert time.monotonic() - started >= 0.9


@pytest.mark.slow
def test_a_host_whose_limit_the_server_lacks_is_not_held_up(prefect_harness: None) -> None:
    settings = settings_with(news_host=0.05, urls=("https://unlimited.example/feed",))
    take = limits.throttle(settings, "news")
    assert take is not None
    started = time.monotonic()
    for _ in range(3):
        take("https://unlimited.example/feed")
    assert time.monotonic() - started < 5.0  # three slots at 0.05/s would take 40 s


@pytest.mark.slow
def test_a_news_host_no_config_names_gets_a_limit_of_its_own_once_rates_are_on(
    prefect_harness: None,
) -> None:
    settings = settings_with(news_host=0.05, urls=("https://feeds.example/rss",))
    limits.ensure_limits(settings)
    take = limits.throttle(settings, "news")
    assert take is not None
    take("https://elsewhere.example/2024/02/16/story.html")
    # its own slot, taken; the shared one and the configured host's are untouched
    assert read_limit("newsdesk-rate-news-elsewhere.example").active_slots == 1
    assert read_limit("newsdesk-rate-news-elsewhere.example").slot_decay_per_second == 0.05
    assert read_limit("newsdesk-rate-news").active_slots == 0
    assert read_limit("newsdesk-rate-news-feeds.example").active_slots == 0
    take("https://third.example/a")  # another host does not wait for the first one's slot
    assert read_limit("newsdesk-rate-news-third.example").active_slots == 1


@pytest.mark.slow
def test_live_sources_built_against_the_api_throttle_market_sec_and_news(
    prefect_harness: None, tmp_path
) -> None:
    settings = replace(
        settings_with(),
        warehouse=WarehouseSettings(raw_dir=str(tmp_path / "raw")),
        sec=replace(Settings().sec, user_agent="Jane Doe jane@example.com"),
    )
    sources = build_sources(settings, offline=False)
    assert sources.market.throttle is not None
    assert sources.news.throttle is not None
    assert sources.sec is not None and sources.sec.throttle is not None
    assert sources.fx.throttle is None  # Frankfurter has no shared limit
