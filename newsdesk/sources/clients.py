"""Two clients with one interface: the live sources, and the landing zone played back.

A step asks for a symbol's chart, a range's rates, an issuer's companyfacts or a page and
gets landed responses back; it does not know whether they were fetched just now
(`LiveSources`, which lands every response before returning it) or replayed from
an earlier run (`LandedSources`, what `--offline` uses), as Dagster's `HNSnapshotClient`
stands beside `HNAPIClient`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from newsdesk import landing
from newsdesk.http import Fetched, FetchError, HttpClient
from newsdesk.landing import Landed
from newsdesk.sources import frankfurter, sec, yahoo
from newsdesk.sources import news as news_source
from newsdesk.storage import Store

SEC_REUSE_DAYS = 7  # cover pages change quarterly: a week-old companyfacts is fresh enough


class NotLanded(FetchError):
    """No response to hand back (nothing landed, or no SEC User-Agent): a retry will not help."""

    no_retry = True  # read by flows/engine.py when tasks run without Prefect

    def __init__(self, what: str) -> None:
        super().__init__(what, what, attempts=0)
        self.args = (what,)  # the reason alone, not "GET … failed after 0 attempts"


class Sources(ABC):
    """What the steps ask of a source client, live or replayed; both count what they do."""

    requests: Counter[str]
    reused: Counter[str]

    @abstractmethod
    def chart(self, symbol: str, start: date, end: date) -> list[Landed]:
        """The chart responses for a symbol (newest last)."""

    @abstractmethod
    def rates(self, start: date, end: date, quotes: Sequence[str]) -> list[Landed]:
        """The Frankfurter responses covering [start, end]."""

    @abstractmethod
    def companyfacts(self, cik: str) -> list[Landed]:
        """The newest SEC companyfacts response of an issuer (a list of one, or empty)."""

    @abstractmethod
    def page(self, url: str) -> Landed:
        """A news page or feed."""


@dataclass
class LiveSources(Sources):
    """Fetch from the live endpoints and land each response before handing it back."""

    raw: Store  # the landing zone (a local folder or s3://; a plain path works as well)
    market: HttpClient
    fx: HttpClient
    news: HttpClient
    sec: HttpClient | None
    market_url: str
    fx_url: str
    sec_url: str
    requests: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)

    def chart(self, symbol: str, start: date, end: date) -> list[Landed]:
        """One chart request for the symbol over the whole range."""
        fetch = partial(yahoo.fetch_chart, self.market, self.market_url, symbol, start, end)
        key, params = yahoo.chart_key(symbol, start, end), yahoo.chart_params(symbol, start, end)
        return [self._land("yahoo", key, params, fetch)]

    def rates(self, start: date, end: date, quotes: Sequence[str]) -> list[Landed]:
        """One Frankfurter request for the whole range."""
        fetch = partial(frankfurter.fetch_rates, self.fx, self.fx_url, start, end, quotes)
        key, params = frankfurter.fx_key(start, end), frankfurter.fx_params(start, end, quotes)
        return [self._land("frankfurter", key, params, fetch)]

    def companyfacts(self, cik: str) -> list[Landed]:
        """The issuer's companyfacts: a landed one under a week old, else fetched anew."""
        landed = landing.find_landed(self.raw, "sec", key_prefix=sec.sec_key(cik))
        fresh_after = datetime.now(UTC) - timedelta(days=SEC_REUSE_DAYS)
        if landed and landed[-1].fetched_at >= fresh_after:
            self.reused["sec"] += 1
            return landed[-1:]
        if self.sec is None:
            raise NotLanded(
                "SEC requires a User-Agent naming you: set sec.user_agent or "
                "NEWSDESK_SEC_USER_AGENT"
            )
        fetch = partial(sec.fetch_companyfacts, self.sec, self.sec_url, cik)
        return [self._land("sec", sec.sec_key(cik), sec.sec_params(cik), fetch)]

    def page(self, url: str) -> Landed:
        """One news page or feed, landed whatever its status."""
        fetch = partial(news_source.fetch_page, self.news, url)
        key, params = news_source.news_key(url), news_source.news_params(url)
        return self._land("news", key, params, fetch)

    def _land(
        self, source: str, key: str, params: dict[str, Any], fetch: Callable[[], Fetched]
    ) -> Landed:
        """Fetch, land the response and count the request; an error response is landed too."""
        self.requests[source] += 1
        try:
            fetched = fetch()
        except FetchError as exc:
            if exc.last is not None:  # nothing received is lost, not even an error body
                landing.land(self.raw, source, key, exc.last, params)
            raise
        return landing.land(self.raw, source, key, fetched, params)


@dataclass
class LandedSources(Sources):
    """Play the landing zone back: the newest landed response for each request, no network."""

    raw: Store  # the landing zone (a local folder or s3://; a plain path works as well)
    requests: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)

    def chart(self, symbol: str, start: date, end: date) -> list[Landed]:
        """Every landed chart of the symbol, whatever its range."""
        found = landing.find_landed(self.raw, "yahoo", key_prefix=landing.safe_key(symbol))
        if not found:
            raise NotLanded("offline: no chart response in the landing zone")
        self.reused["yahoo"] += len(found)
        return found

    def rates(self, start: date, end: date, quotes: Sequence[str]) -> list[Landed]:
        """The landed rate responses whose range overlaps [start, end], not every one."""
        first, last = start.isoformat(), end.isoformat()
        found = landing.find_landed(
            self.raw,
            "frankfurter",
            where=lambda x: (
                x.params.get("start", "") <= last and x.params.get("end", "9999-12-31") >= first
            ),
        )
        self.reused["frankfurter"] += len(found)
        return found

    def companyfacts(self, cik: str) -> list[Landed]:
        """The newest landed companyfacts of the issuer, if any."""
        found = landing.find_landed(self.raw, "sec", key_prefix=sec.sec_key(cik))
        if found:
            self.reused["sec"] += 1
        return found[-1:]

    def page(self, url: str) -> Landed:
        """The newest landed copy of the page."""
        found = landing.find_landed(self.raw, "news", key_prefix=news_source.news_key(url))
        if not found:
            raise NotLanded(f"{url}: offline and not in the landing zone")
        self.reused["news"] += 1
        return found[-1]
