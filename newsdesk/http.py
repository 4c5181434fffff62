"""The one HTTP client every source uses: timeouts, retries, backoff, size cap, politeness.

Retries live here rather than in Prefect because Prefect's ``retry_jitter_factor``
does nothing for task retries, and a polite client must spread its retries itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 120.0
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """One HTTP response, read whole; ``headers`` keys are lower-case."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime


class FetchError(Exception):
    """A request that failed for good; ``str(e)`` is one line naming URL, reason and attempts."""

    def __init__(
        self,
        url: str,
        reason: str,
        attempts: int,
        status: int | None = None,
        last: Fetched | None = None,
    ) -> None:
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"GET {url} failed: {reason} after {attempts} {plural}")
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.status = status
        self.last = last


class _Transient(Exception):
    """A failure worth retrying: timeout, refused or cut connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TooLarge(Exception):
    """The body passed ``max_bytes``."""


class HttpClient:
    """GET with connect/read timeouts, retries with jittered backoff, and per-host spacing."""

    def __init__(
        self,
        user_agent: str,
        timeout: tuple[float, float] = (5.0, 30.0),
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = 25_000_000,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not user_agent or not user_agent.strip():
            raise ValueError("HttpClient needs a User-Agent that says who is asking")
        self.user_agent = user_agent.strip()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.min_interval = min_interval
        self._sleep = sleep
        self._session = session or requests.Session()
        self._random = rng or random.Random()
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """Fetch ``url`` (plus ``params``), retrying transient failures; raise FetchError."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"only http and https URLs can be fetched, not {url!r}")
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        full_url = requests.Request("GET", url, params=params).prepare().url or url
        attempts = self.retries + 1
        for attempt in range(attempts):
            self._wait_for_host(parts.netloc.lower())
            try:
                fetched = self._get_once(url, params, sent)
            except _TooLarge as exc:
                raise FetchError(full_url, str(exc), attempt + 1) from None
            except _Transient as exc:
                if attempt + 1 == attempts:
                    raise FetchError(full_url, exc.reason, attempt + 1) from None
                self._sleep(self._backoff_delay(attempt))
                continue
            if 200 <= fetched.status < 300:
                return fetched
            if fetched.status not in RETRY_STATUSES or attempt + 1 == attempts:
                raise FetchError(
                    full_url, f"HTTP {fetched.status}", attempt + 1, fetched.status, fetched
                )
            delay = self._retry_after(fetched)
            self._sleep(self._backoff_delay(attempt) if delay is None else delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _get_once(self, url: str, params: Any, headers: dict[str, str]) -> Fetched:
        try:
            resp = self._session.get(
                url, params=params, headers=headers, timeout=self.timeout, stream=True
            )
        except requests.Timeout:
            raise _Transient("timeout") from None
        except requests.ConnectionError as exc:
            raise _Transient(_connection_reason(exc)) from None
        with resp:
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise _TooLarge(f"body of {declared} bytes exceeds the {self.max_bytes} byte cap")
            body = bytearray()
            try:
                for chunk in resp.iter_content(_CHUNK):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise _TooLarge(f"body exceeds the {self.max_bytes} byte cap")
            except requests.exceptions.ChunkedEncodingError:
                raise _Transient("incomplete body") from None
            except requests.ConnectionError as exc:
                raise _Transient(_connection_reason(exc)) from None
            return Fetched(
                url=resp.url,
                status=resp.status_code,
                headers={k.lower(): v for k, v in resp.headers.items()},
                body=bytes(body),
                fetched_at=datetime.now(UTC),
            )

    def _wait_for_host(self, host: str) -> None:
        # Reserve the next free slot under the lock, sleep outside it: concurrent
        # callers for one host queue up min_interval apart without holding the lock.
        if self.min_interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.min_interval
        if slot > now:
            self._sleep(slot - now)

    def _backoff_delay(self, attempt: int) -> float:
        # Full jitter (AWS architecture blog): uniform over [0, cap] spreads a burst of
        # clients that failed together instead of having them retry in lockstep.
        return self._random.uniform(0, min(MAX_BACKOFF, self.backoff * 2**attempt))

    def _retry_after(self, fetched: Fetched) -> float | None:
        if fetched.status not in RETRY_AFTER_STATUSES:
            return None
        return parse_retry_after(fetched.headers.get("retry-after"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped at 120."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def _connection_reason(exc: requests.ConnectionError) -> str:
    # requests wraps a read timeout met while streaming the body in ConnectionError.
    if any(isinstance(arg, ReadTimeoutError) for arg in exc.args):
        return "timeout"
    text = str(exc).lower()
    if "timed out" in text:
        return "timeout"
    if "refused" in text:
        return "connection refused"
    return "connection error"
