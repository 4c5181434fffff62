"""What one run carries through its steps (settings, sources, warehouse, stats), and the
warehouse write slot that keeps every run to one writer at a time."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from newsdesk.config import Settings
from newsdesk.errors import RunFailed, UsageError
from newsdesk.http import Budget, HttpClient
from newsdesk.sources.clients import LandedSources, LiveSources, Sources
from newsdesk.sources.news import news_client
from newsdesk.sources.sec import sec_client
from newsdesk.warehouse import Warehouse, WarehouseError

# What fails a run with a reason the operator can act on: one line, no traceback.
FAILURES = (RunFailed, UsageError, WarehouseError)

WRITE_LIMIT = "newsdesk-warehouse-writes"
# The API refuses leases under 60 s; a run killed mid-write frees its slot when this runs out.
WRITE_LEASE_SECONDS = 60
USER_AGENT = "newsdesk/0.1 (nightly news figure checks; +https://github.com/newsdesk/newsdesk)"


@dataclass
class RunStats:
    """Counters a run reports to the `runs` table and its artifacts."""

    requests: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    set_aside: Counter[str] = field(default_factory=Counter)  # "sec CIK…" → records set aside
    claims_judged: int = 0
    # The dates the run covers ({"start": ..., "end": ...}): `newsdesk status` reads it.
    span: dict[str, str] | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "requests": dict(self.requests),
            "reused": dict(self.reused),
            "rows": dict(self.rows),
            "failures": list(self.failures),
            "set_aside": dict(self.set_aside),
            "claims_judged": self.claims_judged,
            "span": dict(self.span) if self.span else None,
        }


@dataclass
class Run:
    """One run of the nightly job or a backfill."""

    settings: Settings
    warehouse: Warehouse
    sources: Sources
    run_id: str = field(default_factory=lambda: new_run_id())
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stats: RunStats = field(default_factory=RunStats)

    def __post_init__(self) -> None:
        # The sources count their requests and replays into the run's stats.
        self.stats.requests = self.sources.requests
        self.stats.reused = self.sources.reused

    @property
    def today(self) -> date:
        """Today in the schedule's timezone."""
        return datetime.now(self.settings.tz).date()


def new_run_id() -> str:
    """The Prefect flow-run id inside a flow run (the `runs` row and the UI point at each
    other), else a fresh uuid hex."""
    from flows.engine import in_flow_run

    if in_flow_run():
        from prefect.runtime import flow_run

        if flow_run.id:
            return str(flow_run.id)
    return uuid.uuid4().hex


def failed_state(exc: BaseException) -> Any:
    """The flow's return value for a failure with a reason: inside a flow run, a Failed state
    whose message is the reason (so the run's log ends in that line, not in the engine's
    traceback) and whose data is the exception (so a caller's `flow()` still raises it);
    outside one (a direct CLI run), the exception is raised again."""
    from flows.engine import in_flow_run

    if not in_flow_run():
        raise exc
    from prefect.states import Failed

    return Failed(message=str(exc), data=exc)


def build_sources(settings: Settings, *, offline: bool) -> Sources:
    """The landing zone played back when offline, else the live sources as configured."""
    from newsdesk.storage import Store

    raw = Store.at(settings.warehouse.raw_dir, settings.storage)
    if offline:
        return LandedSources(raw)
    http = settings.http
    common = {
        "timeout": (http.connect_timeout, http.read_timeout),
        "retries": http.retries,
        "backoff": http.backoff,
        "max_bytes": http.max_bytes,
        "deadline": http.deadline,
    }
    user_agent = settings.sec.user_agent

    def budget() -> Budget:  # one per source: its requests together get source_budget seconds
        return Budget(http.source_budget)

    from flows.limits import throttle  # each source's rate, shared with the other workers

    return LiveSources(
        raw,
        market=HttpClient(
            USER_AGENT, budget=budget(), throttle=throttle(settings, "market"), **common
        ),
        fx=HttpClient(USER_AGENT, budget=budget(), **common),
        news=news_client(
            USER_AGENT,
            min_interval=settings.news.min_interval,
            budget=budget(),
            throttle=throttle(settings, "news"),
            **common,
        ),
        sec=sec_client(user_agent, budget=budget(), throttle=throttle(settings, "sec"), **common)
        if user_agent
        else None,
        market_url=settings.market.base_url,
        fx_url=settings.fx.base_url,
        sec_url=settings.sec.base_url,
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

    def write_staged(self, *args: Any, **kwargs: Any) -> dict[str, int]:
        """Warehouse.write_staged, holding the write slot."""
        with write_slot():
            return super().write_staged(*args, **kwargs)

    def append(self, table: str, frame: Any) -> int:
        """Warehouse.append, holding the write slot."""
        with write_slot():
            return super().append(table, frame)


def open_run(settings: Settings, offline: bool) -> Run:
    """A run over the configured warehouse, replaying the landing zone when offline.

    The rows of runs a SIGKILL left `running` are closed first (the CLI's guard does the same;
    a deployment run needs it here).
    """
    from flows.interrupts import recover

    recover(settings.warehouse.path, settings.warehouse.raw_dir)
    # One writer across runs: each load waits for the global write slot.
    warehouse = SerialWarehouse(settings.warehouse.path)
    return Run(settings, warehouse, build_sources(settings, offline=offline))
