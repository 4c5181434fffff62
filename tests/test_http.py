"""HttpClient against the local server: retries, Retry-After, caps, timeouts, politeness."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from newsdesk.http import FetchError, HttpClient, parse_retry_after
from tests.localserver import LocalServer, Resp

UA = "newsdesk-test/0.1 (+https://github.com/newsdesk)"


class RecordingRandom(random.Random):
    """Records the bounds asked of uniform() and answers a fixed fraction of them."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return a + (b - a) * self.fraction


def make_client(sleeps: list[float], **kw: object) -> HttpClient:
    return HttpClient(UA, sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def test_ok_returns_body_status_headers_and_sends_user_agent(local_server: LocalServer) -> None:
    local_server.route("/hello", body=b'{"ok": true}', headers={"Content-Type": "application/json"})
    sleeps: list[float] = []
    got = make_client(sleeps).get(local_server.url("/hello"), params={"a": "1", "b": "x y"})
    assert got.status == 200
    assert got.body == b'{"ok": true}'
    assert got.headers["content-type"] == "application/json"
    assert got.url == local_server.url("/hello?a=1&b=x+y")
    assert got.fetched_at.tzinfo is not None
    assert sleeps == []
    (logged,) = local_server.requests
    assert logged.headers["user-agent"] == UA
    assert logged.params == {"a": "1", "b": "x y"}


def test_429_honours_retry_after_seconds(local_server: LocalServer) -> None:
    local_server.route(
        "/busy",
        responses=[Resp(429, headers={"Retry-After": "7"}), Resp(200, body=b"done")],
    )
    sleeps: list[float] = []
    got = make_client(sleeps).get(local_server.url("/busy"))
    assert got.body == b"done"
    assert sleeps == [7.0]
    assert len(local_server.requests) == 2


def test_503_honours_retry_after_http_date(local_server: LocalServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=40)
    local_server.route(
        "/maint",
        responses=[
            Resp(503, headers={"Retry-After": format_datetime(when, usegmt=True)}),
            Resp(200, body=b"back"),
        ],
    )
    sleeps: list[float] = []
    assert make_client(sleeps).get(local_server.url("/maint")).body == b"back"
    (slept,) = sleeps
    assert 30 < slept <= 40


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0", 0.0), ("100000", 120.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_dates() -> None:
    now = datetime(2024, 2, 20, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 20 Feb 2024 10:00:25 GMT", now) == 25.0
    assert parse_retry_after("Tue, 20 Feb 2024 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("Wed, 21 Feb 2024 10:00:00 GMT", now) == 120.0


def test_500_until_retries_run_out(local_server: LocalServer) -> None:
    local_server.route("/v8/finance/chart/ADBE", body=b"upstream broke", status=500)
    sleeps: list[float] = []
    client = make_client(sleeps, retries=3, backoff=0.5, rng=RecordingRandom(1.0))
    url = local_server.url("/v8/finance/chart/ADBE?interval=1d")
    with pytest.raises(FetchError) as info:
        client.get(url)
    err = info.value
    assert str(err) == f"GET {url} failed: HTTP 500 after 4 attempts"
    assert err.status == 500
    assert err.last is not None and err.last.body == b"upstream broke"
    assert len(local_server.requests) == 4
    # exponential: 0.5 * 2**attempt between the four attempts
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_full_jitter_and_capped(local_server: LocalServer) -> None:
    local_server.route("/down", status=502)
    rng = RecordingRandom(0.25)
    sleeps: list[float] = []
    client = make_client(sleeps, retries=4, backoff=10.0, rng=rng)
    with pytest.raises(FetchError, match="HTTP 502 after 5 attempts"):
        client.get(local_server.url("/down"))
    assert rng.bounds == [(0, 10.0), (0, 20.0), (0, 30.0), (0, 30.0)]
    assert sleeps == [2.5, 5.0, 7.5, 7.5]


def test_other_4xx_raise_at_once(local_server: LocalServer) -> None:
    local_server.route("/gone", body=b"not here", status=404)
    sleeps: list[float] = []
    with pytest.raises(FetchError, match=r"HTTP 404 after 1 attempt$") as info:
        make_client(sleeps).get(local_server.url("/gone"))
    assert info.value.last is not None and info.value.last.body == b"not here"
    assert len(local_server.requests) == 1
    assert sleeps == []


def test_read_timeout_is_retried_then_reported(local_server: LocalServer) -> None:
    local_server.route("/slow", body=b"late", delay=1.0)
    sleeps: list[float] = []
    client = make_client(sleeps, timeout=(1.0, 0.1), retries=1)
    with pytest.raises(FetchError, match="failed: timeout after 2 attempts") as info:
        client.get(local_server.url("/slow"))
    assert info.value.status is None and info.value.last is None
    assert len(sleeps) == 1


def test_connection_refused_is_named() -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    with pytest.raises(FetchError, match="connection refused after 2 attempts"):
        make_client(sleeps, retries=1).get(f"http://127.0.0.1:{port}/x")


def test_truncated_body_is_retried(local_server: LocalServer) -> None:
    local_server.route(
        "/cut", responses=[Resp(200, body=b"partial", truncate=100), Resp(200, body=b"whole")]
    )
    sleeps: list[float] = []
    assert make_client(sleeps).get(local_server.url("/cut")).body == b"whole"
    assert len(local_server.requests) == 2


@pytest.mark.parametrize(
    ("announce", "message"),
    [(True, "body of 5000 bytes exceeds"), (False, "body exceeds")],
)
def test_size_cap(local_server: LocalServer, announce: bool, message: str) -> None:
    body = b"x" * 5000
    if announce:
        local_server.route("/big", body=body)
    else:
        # chunked: no Content-Length, so the cap must be counted while streaming
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        local_server.route("/big", body=chunked, headers={"Transfer-Encoding": "chunked"})
    sleeps: list[float] = []
    with pytest.raises(FetchError, match=f"{message} the 1000 byte cap after 1 attempt"):
        make_client(sleeps, max_bytes=1000).get(local_server.url("/big"))
    assert len(local_server.requests) == 1


def test_min_interval_spaces_requests_per_host(local_server: LocalServer) -> None:
    local_server.route("/a", body=b"a")
    sleeps: list[float] = []
    client = make_client(sleeps, min_interval=50.0)
    for _ in range(3):
        client.get(local_server.url("/a"))
    # the first request goes at once; each later one waits for its reserved slot
    assert len(sleeps) == 2
    assert 40 < sleeps[0] <= 50
    assert 90 < sleeps[1] <= 100


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "example.com/x"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="only http and https"):
        HttpClient(UA).get(url)


def test_empty_user_agent_is_refused() -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        HttpClient("  ")


def test_every_client_has_a_deadline_and_a_budget_by_default() -> None:
    client = HttpClient(UA)
    assert client.deadline == 120.0
    assert client.budget.seconds == 900.0
    assert client.redirects == "same-origin"
    with pytest.raises(ValueError, match="deadline"):
        HttpClient(UA, deadline=0)
    with pytest.raises(ValueError, match="redirects"):
        HttpClient(UA, redirects="anywhere")  # type: ignore[arg-type]


def test_parse_retry_after_uncapped_keeps_the_servers_number() -> None:
    assert parse_retry_after("99999", cap=None) == 99999.0
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", cap=None) > 1e10


def test_the_throttle_is_asked_before_every_attempt_and_before_the_request_leaves(
    local_server: LocalServer,
) -> None:
    local_server.route("/flaky", responses=[Resp(503), Resp(500), Resp(200, body=b"ok")])
    asked: list[tuple[str, int]] = []  # the URL and how many requests the server had seen

    def throttle(url: str) -> None:
        asked.append((url, len(local_server.requests)))

    sleeps: list[float] = []
    got = make_client(sleeps, throttle=throttle).get(local_server.url("/flaky"), params={"q": 1})
    assert got.body == b"ok"
    url = local_server.url("/flaky?q=1")
    assert asked == [(url, 0), (url, 1), (url, 2)]


def test_a_throttle_that_refuses_stops_the_request_before_it_is_sent(
    local_server: LocalServer,
) -> None:
    local_server.route("/never", body=b"x")

    def throttle(url: str) -> None:
        raise TimeoutError(f"no slot for {url}")

    with pytest.raises(TimeoutError, match="no slot for .*/never"):
        make_client([], throttle=throttle).get(local_server.url("/never"))
    assert local_server.requests == []
