"""The one HTTP client every source uses: deadlines, budgets, retries, size cap, politeness.

Retries live here rather than in Prefect because Prefect's ``retry_jitter_factor``
does nothing for task retries, and a polite client must spread its retries itself.

A read timeout only bounds the wait *between* bytes: a server that drips one byte every
few seconds would hold a request for ever. So every ``get`` also has a total deadline
(retries and waits included), enforced by a timer that shuts the socket down, and every
client draws on a per-source ``Budget`` for the run. Bodies are decoded here (gzip,
deflate) so the size cap counts *decoded* bytes: a gzip bomb stops at ``max_bytes``.

Redirects are followed by hand so each hop can be judged: data sources (``redirects=
"same-origin"``) follow only to the same scheme, host and port; news pages (``"web"``)
follow to any http or https host but never from https down to http. Anything else
(another scheme such as ``file://``, a loop, more than ``MAX_REDIRECTS`` hops) is refused.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from urllib3.exceptions import ReadTimeoutError

from newsdesk import wire

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 120.0
DEFAULT_DEADLINE = 120.0  # seconds for one get(), every attempt and wait included
DEFAULT_SOURCE_BUDGET = 900.0  # seconds one source may spend in one run
_CHUNK = 64 * 1024

Redirects = Literal["same-origin", "web"]


@dataclass(frozen=True)
class Fetched:
    """One HTTP response, read whole and decoded; ``headers`` keys are lower-case."""

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


class Budget:
    """Seconds a source may spend in one run, shared by its requests and threads.

    The clock starts at the first request, not at construction: a run builds every
    client up front, and the market step should not pay for the time the news step took.
    """

    def __init__(
        self, seconds: float = DEFAULT_SOURCE_BUDGET, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not seconds > 0:
            raise ValueError(f"a source budget must be positive seconds, got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._started: float | None = None
        self._lock = threading.Lock()
        self._waiters = 0
        self._wait_began = 0.0

    def ends_at(self) -> float:
        """The clock reading at which the budget is spent (starting it if need be)."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            return self._started + self.seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.ends_at() - self._clock())

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Time spent waiting for a rate slot shared with other workers is not the source's:
        while any of its requests waits for one, the budget's clock stands still."""
        with self._lock:
            if self._waiters == 0:
                self._wait_began = self._clock()
            self._waiters += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiters -= 1
                if self._waiters == 0 and self._started is not None:
                    self._started += max(0.0, self._clock() - self._wait_began)


class _Transient(Exception):
    """A failure worth retrying: timeout, refused or cut connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Too large, undecodable, a refused redirect, out of time: no retry can mend it.
_Refused = wire.Refused


class HttpClient:
    """GET with timeouts, a total deadline, a source budget, retries and per-host spacing."""

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
        *,
        deadline: float = DEFAULT_DEADLINE,
        budget: Budget | None = None,
        redirects: Redirects = "same-origin",
        clock: Callable[[], float] = time.monotonic,
        throttle: Callable[[str], None] | None = None,
    ) -> None:
        if not user_agent or not user_agent.strip():
            raise ValueError("HttpClient needs a User-Agent that says who is asking")
        if not deadline > 0:
            raise ValueError(f"a request deadline must be positive seconds, got {deadline!r}")
        if redirects not in ("same-origin", "web"):
            raise ValueError(f"redirects must be 'same-origin' or 'web', not {redirects!r}")
        self.user_agent = user_agent.strip()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.min_interval = min_interval
        self.deadline = float(deadline)
        self.budget = budget or Budget(clock=clock)
        self.redirects = redirects
        self._sleep = sleep
        self._clock = clock
        # Called with the URL before every attempt: a rate shared with other workers (a
        # Prefect rate limit) blocks here, on top of this process's own host spacing.
        self.throttle = throttle
        self._session = session or requests.Session()
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, wire.WatchedAdapter())
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
        # Only encodings decoded here (and capped on their decoded size) are asked for.
        sent = {
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate",
            **(headers or {}),
        }
        try:
            full_url = requests.Request("GET", url, params=params).prepare().url or url
        except requests.RequestException as exc:
            raise ValueError(f"cannot build a request for {url!r}: {_one_line(exc)}") from None
        host = parts.netloc.lower()
        attempts = self.retries + 1
        until: float | None = None
        for attempt in range(attempts):
            self._wait_for_host(host, full_url, attempt, until)
            if self.throttle is not None:
                with self.budget.waiting():
                    self.throttle(full_url)
            if until is None:  # the deadline runs from the first attempt, after the host's queue
                until = min(self._clock() + self.deadline, self.budget.ends_at())
            try:
                fetched = self._attempt(full_url, sent, until)
            except _Refused as exc:
                raise FetchError(full_url, str(exc), attempt + 1) from None
            except _Transient as exc:
                if attempt + 1 == attempts:
                    raise FetchError(full_url, exc.reason, attempt + 1) from None
                self._pause(self._backoff_delay(attempt), until, full_url, exc.reason, attempt)
                continue
            if 200 <= fetched.status < 300:
                return fetched
            if fetched.status not in RETRY_STATUSES or attempt + 1 == attempts:
                raise FetchError(
                    full_url, f"HTTP {fetched.status}", attempt + 1, fetched.status, fetched
                )
            asked = self._retry_after(fetched)
            reason = f"HTTP {fetched.status}"
            if asked is not None and asked > until - self._clock():
                # Waiting would only end in a timeout: say so now, with the server's number.
                raise FetchError(
                    full_url,
                    f"{reason} asking to retry after {asked:g} s, beyond {self._left(until)}",
                    attempt + 1,
                    fetched.status,
                    fetched,
                )
            delay = self._backoff_delay(attempt) if asked is None else min(asked, MAX_RETRY_AFTER)
            self._pause(delay, until, full_url, reason, attempt, fetched)
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, url: str, headers: dict[str, str], until: float) -> Fetched:
        """One attempt, following the redirects the policy allows."""
        seen = {url}
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, resp_headers, body, final = self._exchange(current, headers, until)
            location = resp_headers.get("location")
            if status not in REDIRECT_STATUSES or not location:
                return Fetched(final, status, resp_headers, body, datetime.now(UTC))
            try:
                target = urljoin(current, location.strip())
                self._check_redirect(current, target)
            except ValueError:  # urllib's own refusal, e.g. "Invalid IPv6 URL"
                raise _Refused(f"redirect to an invalid location {location.strip()!r}") from None
            if target in seen:
                raise _Refused(f"redirect loop at {target}")
            seen.add(target)
            current = target
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")

    def _exchange(
        self, url: str, headers: dict[str, str], until: float
    ) -> tuple[int, dict[str, str], bytes, str]:
        """Send one GET and read its body whole, all before ``until``."""
        left = until - self._clock()
        if left <= 0:
            raise _Refused(self._out_of_time())
        connect, read = self.timeout
        watch = wire.Watch()
        timer = threading.Timer(left, watch.fire)
        timer.daemon = True
        wire.current.watch = watch
        timer.start()
        try:
            try:
                resp = self._session.get(
                    url,
                    headers=headers,
                    timeout=(min(connect, left), min(read, left)),
                    stream=True,
                    allow_redirects=False,
                )
            except requests.Timeout:
                raise _Transient("timeout") from None
            except requests.ConnectionError as exc:
                raise _Transient(_connection_reason(exc)) from None
            except (requests.RequestException, ValueError) as exc:
                # ValueError: requests reads a redirect's Location even when not following it
                raise _Refused(_one_line(exc)) from None
            with resp:
                watch.watch(resp)
                lowered = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in REDIRECT_STATUSES and lowered.get("location"):
                    return resp.status_code, lowered, b"", resp.url
                body = self._read_body(resp, lowered)
            if watch.fired:  # a cut socket can look like a short, complete body
                raise _Refused(self._out_of_time())
            return resp.status_code, lowered, body, resp.url
        except (_Transient, _Refused):
            if watch.fired:
                raise _Refused(self._out_of_time()) from None
            raise
        finally:
            timer.cancel()
            wire.current.watch = None

    def _read_body(self, resp: requests.Response, headers: Mapping[str, str]) -> bytes:
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _Refused(f"body of {declared} bytes exceeds the {self.max_bytes} byte cap")
        decoder = wire.Decoder(headers.get("content-encoding", ""), self.max_bytes)
        received = 0
        try:
            while True:
                chunk = resp.raw.read1(_CHUNK, decode_content=False)
                if not chunk:
                    break
                received += len(chunk)
                if received > self.max_bytes:
                    raise _Refused(f"body exceeds the {self.max_bytes} byte cap")
                decoder.feed(chunk)
        except ReadTimeoutError:
            raise _Transient("timeout") from None
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError):
            # ValueError: the file under a socket the deadline shut, read once more
            raise _Transient("incomplete body") from None
        return decoder.finish()

    def _check_redirect(self, current: str, target: str) -> None:
        here, there = urlsplit(current), urlsplit(target)
        if there.scheme not in ("http", "https") or not there.netloc:
            raise _Refused(f"redirect to {target!r} refused: only http and https")
        if self.redirects == "same-origin":
            if (there.scheme, there.netloc.lower()) != (here.scheme, here.netloc.lower()):
                raise _Refused(f"redirect to another origin refused: {target}")
        elif here.scheme == "https" and there.scheme == "http":
            raise _Refused(f"redirect from https down to http refused: {target}")

    def _pause(
        self,
        delay: float,
        until: float,
        url: str,
        reason: str,
        attempt: int,
        last: Fetched | None = None,
    ) -> None:
        """Sleep before the next attempt, unless the deadline would pass first."""
        if delay >= until - self._clock():
            status = last.status if last is not None else None
            raise FetchError(
                url,
                f"{reason}; no time left to retry ({self._out_of_time()})",
                attempt + 1,
                status,
                last,
            )
        self._sleep(delay)

    def _wait_for_host(self, host: str, url: str, attempt: int, until: float | None) -> None:
        # Reserve the next free slot under the lock, sleep outside it: concurrent
        # callers for one host queue up min_interval apart without holding the lock.
        if self.min_interval <= 0:
            if self.budget.remaining() <= 0:
                raise FetchError(url, self._out_of_time(), attempt)
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            limit = self.budget.ends_at() if until is None else until
            if slot >= limit:
                raise FetchError(
                    url, f"the next slot for {host} is past {self._left(limit)}", attempt
                )
            self._next_slot[host] = slot + self.min_interval
        if slot > now:
            self._sleep(slot - now)

    def _left(self, until: float) -> str:
        left = max(0.0, until - self._clock())
        if until >= self.budget.ends_at():
            return f"the {self.budget.seconds:g} s source budget ({left:.0f} s left)"
        return f"the {self.deadline:g} s request deadline ({left:.0f} s left)"

    def _out_of_time(self) -> str:
        if self.budget.remaining() <= 0:
            return f"source budget of {self.budget.seconds:g} s spent"
        return f"deadline of {self.deadline:g} s passed"

    def _backoff_delay(self, attempt: int) -> float:
        # Full jitter (AWS architecture blog): uniform over [0, cap] spreads a burst of
        # clients that failed together instead of having them retry in lockstep.
        return self._random.uniform(0, min(MAX_BACKOFF, self.backoff * 2**attempt))

    def _retry_after(self, fetched: Fetched) -> float | None:
        if fetched.status not in RETRY_AFTER_STATUSES:
            return None
        return parse_retry_after(fetched.headers.get("retry-after"), cap=None)


def parse_retry_after(
    value: str | None, now: datetime | None = None, cap: float | None = MAX_RETRY_AFTER
) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped at ``cap``."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # HTTP-dates are GMT by definition
            when = when.replace(tzinfo=UTC)
        seconds = max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return seconds if cap is None else min(seconds, cap)


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


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
