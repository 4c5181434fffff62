"""What one run carries through its steps (settings, clients, warehouse, stats), and the
warehouse write slot that keeps every run to one writer at a time."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newsdesk.config import Settings
from newsdesk.http import Fetched, FetchError, HttpClient
from newsdesk.landing import Landed
from newsdesk.warehouse import Warehouse

WRITE_LIMIT = "newsdesk-warehouse-writes"
# The API refuses leases under 60 s; a run killed mid-write frees its slot when this runs out.
WRITE_LEASE_SECONDS = 60
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
    from newsdesk import landing

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
    from newsdesk.sources.sec import sec_client

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


@contextmanager
def write_slot() -> Iterator[None]:
    """Hold the global write slot inside a flow run when the limit exists; else do nothing."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None or not _write_limit_exists():
        yield
        return
    from prefect.concurrency.sync import concurrency

    with concurrency(WRITE_LIMIT, occupy=1, lease_duration=WRITE_LEASE_SECONDS):
        yield


def _write_limit_exists() -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            return bool(client.read_global_concurrency_limit_by_name(WRITE_LIMIT).active)
    except ObjectNotFound:
        return False


class SerialWarehouse(Warehouse):
    """The warehouse as a flow run writes it: each load waits for the global write slot."""

    def write(self, *args: Any, **kwargs: Any) -> dict[str, int]:
        """Warehouse.write, holding the write slot."""
        with write_slot():
            return super().write(*args, **kwargs)

    def append(self, table: str, frame: Any) -> int:
        """Warehouse.append, holding the write slot."""
        with write_slot():
            return super().append(table, frame)


def open_run(settings: Settings, offline: bool) -> Run:
    """A run over the configured warehouse, with clients unless offline."""
    # One writer across runs: each load waits for the global write slot.
    warehouse = SerialWarehouse(settings.warehouse.path)
    clients = None if offline else build_clients(settings)
    return Run(settings=settings, offline=offline, warehouse=warehouse, clients=clients)
