"""What one run carries through its steps: settings, clients, warehouse and stats."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flows.config import Settings
from flows.http import Fetched, FetchError, HttpClient
from flows.landing import Landed
from flows.warehouse import Warehouse

USER_AGENT = "newsdesk/0.1 (nightly news figure checks; +https://github.com/newsdesk/newsdesk)"


@dataclass
class Clients:
    """The HTTP clients a run uses; tests build them against a local server."""

    market: HttpClient
    fx: HttpClient
    news: HttpClient
    sec: HttpClient | None


@dataclass
class RunStats:
    """Counters a run reports to the `runs` table and its artifacts."""

    requests: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    claims_judged: int = 0

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "requests": dict(self.requests),
            "reused": dict(self.reused),
            "rows": dict(self.rows),
            "failures": list(self.failures),
            "claims_judged": self.claims_judged,
        }


@dataclass
class Run:
    """One run of the nightly job or a backfill."""

    settings: Settings
    offline: bool
    warehouse: Warehouse
    clients: Clients | None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stats: RunStats = field(default_factory=RunStats)

    @property
    def raw_dir(self) -> Path:
        """The landing zone."""
        return self.settings.warehouse.raw_dir

    @property
    def today(self) -> date:
        """Today in the schedule's timezone."""
        return datetime.now(self.settings.tz).date()


def land_fetch(
    run: Run, source: str, key: str, params: dict, fetch: Callable[[], Fetched]
) -> Landed:
    """Fetch, land the response, and count the request; an error response is landed too."""
    from flows import landing

    run.stats.requests[source] += 1
    try:
        fetched = fetch()
    except FetchError as exc:
        if exc.last is not None:  # nothing received is lost, not even an error body
            landing.land(run.raw_dir, source, key, exc.last, params)
        raise
    return landing.land(run.raw_dir, source, key, fetched, params)


def build_clients(settings: Settings) -> Clients:
    """HTTP clients for every source, as the settings describe them."""
    from flows.sources.sec import sec_client

    http = settings.http
    common = {
        "timeout": (http.connect_timeout, http.read_timeout),
        "retries": http.retries,
        "backoff": http.backoff,
        "max_bytes": http.max_bytes,
    }
    sec = None
    if settings.sec.user_agent:
        sec = sec_client(settings.sec.user_agent, **common)
    return Clients(
        market=HttpClient(USER_AGENT, **common),
        fx=HttpClient(USER_AGENT, **common),
        news=HttpClient(USER_AGENT, min_interval=settings.news.min_interval, **common),
        sec=sec,
    )


def get_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run, else the module logger."""
    try:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            return get_run_logger()
        except MissingContextError:
            pass
    except ImportError:  # pragma: no cover - prefect is a dependency
        pass
    return logging.getLogger("newsdesk")
