"""Hostile HTTP against a local server: trickling bodies, absurd Retry-After and spacing,
gzip bombs, redirects elsewhere, huge pages and feeds — each ends clearly and in time."""

from __future__ import annotations

import gzip
import random
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from newsdesk.http import Budget, FetchError, HttpClient
from newsdesk.sources import news as news_source
from tests.localserver import LocalServer, Resp

UA = "newsdesk-test/0.1 (+https://github.com/newsdesk)"


class Trickle:
    """A server that answers every connection one byte at a time, ``gap`` seconds apart."""

    def __init__(self, gap: float, in_headers: bool = False) -> None:
        self.gap, self.in_headers = gap, in_headers
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/drip"
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
        slow = head + b"x" * 100_000 if self.in_headers else b"x" * 100_000
        try:
            conn.recv(65536)
            if not self.in_headers:
                conn.sendall(head)
            for i in range(len(slow)):
                if self.closed.wait(self.gap):
                    break
                conn.sendall(slow[i : i + 1])
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle(gap=0.1)
    yield server
    server.close()


def client(sleeps: list[float] | None = None, **kw: object) -> HttpClient:
    sleep = sleeps.append if sleeps is not None else time.sleep
    return HttpClient(UA, sleep=sleep, **kw)  # type: ignore[arg-type]


# --- deadline and budget -----------------------------------------------------------------


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_trickling_server_is_cut_at_the_deadline(in_headers: bool) -> None:
    server = Trickle(gap=0.1, in_headers=in_headers)
    try:
        began = time.monotonic()
        with pytest.raises(FetchError, match=r"deadline of 1 s passed after 1 attempt$"):
            # the read timeout (5 s between bytes) never fires: bytes keep coming
            client(timeout=(2.0, 5.0), retries=3, deadline=1.0).get(server.url)
        took = time.monotonic() - began
    finally:
        server.close()
    assert 0.9 <= took < 3.0


def test_source_budget_bounds_every_request_of_the_source(trickle: Trickle) -> None:
    budget = Budget(1.5)
    http = client(timeout=(2.0, 5.0), retries=0, deadline=60.0, budget=budget)
    began = time.monotonic()
    with pytest.raises(FetchError, match="source budget of 1.5 s spent"):
        http.get(trickle.url)
    # the budget is spent: the next request fails at once, without a connection
    with pytest.raises(FetchError, match="source budget of 1.5 s spent"):
        http.get(trickle.url + "?again=1")
    assert time.monotonic() - began < 3.5
    # a second client of the same source shares the budget
    other = client(timeout=(2.0, 5.0), retries=0, budget=budget)
    with pytest.raises(FetchError, match="source budget of 1.5 s spent"):
        other.get(trickle.url)


def test_budget_starts_at_the_first_request_not_at_construction() -> None:
    now = [100.0]
    budget = Budget(10.0, clock=lambda: now[0])
    now[0] = 500.0  # a long news step before the market step asks anything
    assert budget.remaining() == 10.0
    now[0] = 507.0
    assert budget.remaining() == 3.0
    now[0] = 600.0
    assert budget.remaining() == 0.0


def test_waiting_for_a_shared_rate_slot_does_not_spend_the_source_budget() -> None:
    now = [0.0]
    budget = Budget(10.0, clock=lambda: now[0])
    assert budget.remaining() == 10.0  # started
    now[0] = 4.0
    with budget.waiting():  # two requests of the source wait for a slot at once
        now[0] = 100.0
        with budget.waiting():
            now[0] = 300.0
    assert budget.remaining() == 6.0  # the 296 s of waiting are not counted, the 4 s are
    now[0] = 303.0
    assert budget.remaining() == 3.0


def test_a_throttled_source_outlasts_its_budget_in_waits_not_in_work(
    local_server: LocalServer,
) -> None:
    local_server.route("/rated", body=b"ok")
    now = [0.0]
    budget = Budget(5.0, clock=lambda: now[0])

    def throttle(url: str) -> None:  # each request waits 60 s for its slot (12 budgets' worth)
        now[0] += 60.0

    rated = client(budget=budget, throttle=throttle, clock=lambda: now[0])
    for _ in range(3):
        assert rated.get(local_server.url("/rated")).body == b"ok"
    assert len(local_server.requests) == 3
    assert budget.remaining() > 0


def test_retry_after_beyond_the_deadline_fails_at_once(local_server: LocalServer) -> None:
    local_server.route("/busy", status=429, headers={"Retry-After": "99999"})
    sleeps: list[float] = []
    with pytest.raises(FetchError) as info:
        client(sleeps, deadline=120.0).get(local_server.url("/busy"))
    assert "HTTP 429 asking to retry after 99999 s, beyond the 120 s request deadline" in str(
        info.value
    )
    assert info.value.status == 429
    assert sleeps == []  # not 120 s of waiting before failing anyway
    assert len(local_server.requests) == 1


def test_retry_after_within_the_deadline_is_honoured(local_server: LocalServer) -> None:
    local_server.route(
        "/busy", responses=[Resp(503, headers={"Retry-After": "30"}), Resp(200, body=b"ok")]
    )
    sleeps: list[float] = []
    assert client(sleeps, deadline=120.0).get(local_server.url("/busy")).body == b"ok"
    assert sleeps == [30.0]


def test_retry_after_beyond_the_source_budget_fails_at_once(local_server: LocalServer) -> None:
    local_server.route("/busy", status=503, headers={"Retry-After": "600"})
    sleeps: list[float] = []
    with pytest.raises(FetchError, match="beyond the 60 s source budget"):
        client(sleeps, deadline=900.0, budget=Budget(60)).get(local_server.url("/busy"))
    assert sleeps == []


def test_absurd_min_interval_fails_the_second_request_not_the_run(
    local_server: LocalServer,
) -> None:
    local_server.route("/page", body=b"<html>ok</html>")
    sleeps: list[float] = []
    http = client(sleeps, min_interval=1e6, budget=Budget(5.0))
    assert http.get(local_server.url("/page")).status == 200
    with pytest.raises(FetchError, match=r"next slot for 127\.0\.0\.1:\d+ is past the 5 s"):
        http.get(local_server.url("/page"))
    assert sleeps == []  # no million-second sleep
    assert len(local_server.requests) == 1


def test_backoff_never_sleeps_past_the_deadline(local_server: LocalServer) -> None:
    local_server.route("/down", status=502)
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    http = HttpClient(UA, sleep=sleep, clock=lambda: now[0], retries=10, backoff=8.0, deadline=20.0)
    with pytest.raises(FetchError, match=r"HTTP 502; no time left to retry"):
        http.get(local_server.url("/down"))
    assert sum(sleeps) < 20.0


# --- size and decoding -------------------------------------------------------------------


def test_gzip_bomb_stops_at_max_bytes_of_decoded_data(local_server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB decoded
    assert len(bomb) < 100_000
    local_server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    began = time.monotonic()
    with pytest.raises(
        FetchError, match="decoded body exceeds the 1000000 byte cap after 1 attempt$"
    ):
        client(max_bytes=1_000_000).get(local_server.url("/bomb"))
    assert time.monotonic() - began < 2.0


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # headerless deflate
        ("gzip", lambda b: gzip.compress(b[:10]) + gzip.compress(b[10:])),  # two members
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate", "gzip-members"],
)
def test_compressed_bodies_are_decoded(local_server: LocalServer, encoding, encode) -> None:
    text = b'{"chart": {"result": [], "error": null}}' * 50
    local_server.route("/c", body=encode(text), headers={"Content-Encoding": encoding})
    got = client().get(local_server.url("/c"))
    assert got.body == text
    assert got.headers["content-encoding"] == encoding
    assert local_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(random.Random(0).randbytes(5000))[:-200]],
    ids=["garbage", "cut"],
)
def test_undecodable_gzip_is_one_clear_failure(local_server: LocalServer, body: bytes) -> None:
    local_server.route("/g", body=body, headers={"Content-Encoding": "gzip"})
    sleeps: list[float] = []
    with pytest.raises(FetchError, match=r"body does not decode as gzip: .* after 1 attempt$"):
        client(sleeps).get(local_server.url("/g"))
    assert len(local_server.requests) == 1  # the same bytes again would not decode either


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
def test_fifty_megabyte_page_is_refused_by_size(local_server: LocalServer, announce: bool) -> None:
    page = b"<html><body>" + b"<p>filler</p>" * (50_000_000 // 13) + b"</body></html>"
    assert len(page) > 50_000_000
    if announce:
        local_server.route("/huge.html", body=page, headers={"Content-Type": "text/html"})
    else:
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(page), page)
        local_server.route("/huge.html", body=chunked, headers={"Transfer-Encoding": "chunked"})
    with pytest.raises(FetchError, match="exceeds the 25000000 byte cap after 1 attempt$"):
        client().get(local_server.url("/huge.html"))  # the default cap


# --- redirects ---------------------------------------------------------------------------


def test_same_origin_redirect_is_followed(local_server: LocalServer) -> None:
    local_server.route("/old", status=301, headers={"Location": "/new?x=1"})
    local_server.route("/new", body=b"moved here")
    got = client().get(local_server.url("/old"))
    assert (got.status, got.body) == (200, b"moved here")
    assert got.url == local_server.url("/new?x=1")


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("file:///etc/passwd", "redirect to 'file:///etc/passwd' refused: only http and https"),
        ("ftp://127.0.0.1/x", "refused: only http and https"),
        ("http://localhost:{port}/new", "redirect to another origin refused"),
    ],
    ids=["file", "ftp", "other-host"],
)
def test_data_sources_refuse_redirects_elsewhere(
    local_server: LocalServer, location: str, message: str
) -> None:
    port = local_server.base_url.rsplit(":", 1)[1]
    local_server.route("/old", status=302, headers={"Location": location.format(port=port)})
    local_server.route("/new", body=b"elsewhere")
    with pytest.raises(FetchError, match=message):
        client().get(local_server.url("/old"))
    assert [r.path for r in local_server.requests] == ["/old"]


def test_news_pages_follow_redirects_to_another_host(local_server: LocalServer) -> None:
    port = local_server.base_url.rsplit(":", 1)[1]
    local_server.route("/amp", status=301, headers={"Location": f"http://localhost:{port}/a"})
    local_server.route("/a", body=b"<html>article</html>")
    got = client(redirects="web").get(local_server.url("/amp"))
    assert got.body == b"<html>article</html>"
    assert got.url == f"http://localhost:{port}/a"
    with pytest.raises(FetchError, match="only http and https"):
        local_server.route("/evil", status=302, headers={"Location": "file:///etc/passwd"})
        client(redirects="web").get(local_server.url("/evil"))


def test_redirect_loop_and_long_chains_are_refused(local_server: LocalServer) -> None:
    local_server.route("/a", status=302, headers={"Location": "/b"})
    local_server.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match=r"redirect loop at http://127\.0\.0\.1:\d+/a"):
        client().get(local_server.url("/a"))
    for i in range(8):
        local_server.route(f"/hop{i}", status=307, headers={"Location": f"/hop{i + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects after 1 attempt$"):
        client().get(local_server.url("/hop0"))


# --- feeds -------------------------------------------------------------------------------


def test_feed_of_ten_thousand_items_is_bounded_by_the_window() -> None:
    first = datetime(2024, 1, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>t{i}</title><link>https://news.example/a/{i}</link>"
        f"<pubDate>{(first + timedelta(minutes=15 * i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate></item>"
        for i in range(10_000)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    began = time.monotonic()
    parsed = news_source.parse_feed(feed)
    day = datetime(2024, 2, 20, tzinfo=UTC)
    kept = news_source.items_in_window(parsed, day, day + timedelta(days=1))
    assert len(parsed) == 10_000
    assert len(kept) == 96  # one day of quarter-hours, not ten thousand pages to fetch
    assert all(day <= item.published < day + timedelta(days=1) for item in kept)
    assert time.monotonic() - began < 20


# --- through a source ---------------------------------------------------------------------


def test_a_trickling_chart_is_one_clear_failure_of_that_symbol(trickle: Trickle, tmp_path) -> None:
    from datetime import date

    from newsdesk.sources.clients import LiveSources

    market = client(timeout=(2.0, 5.0), retries=1, deadline=30.0, budget=Budget(1.0))
    base = trickle.url.removesuffix("/drip")
    sources = LiveSources(
        tmp_path, market=market, fx=market, news=market, sec=None,
        market_url=base, fx_url=base, sec_url=base,
    )  # fmt: skip
    began = time.monotonic()
    with pytest.raises(FetchError, match=r"/v8/finance/chart/ADBE\?.* source budget of 1 s spent"):
        sources.chart("ADBE", date(2024, 2, 12), date(2024, 2, 20))
    assert time.monotonic() - began < 3.0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing half landed


def test_the_news_client_follows_web_redirects(local_server: LocalServer) -> None:
    port = local_server.base_url.rsplit(":", 1)[1]
    local_server.route("/p", status=308, headers={"Location": f"http://localhost:{port}/q"})
    local_server.route("/q", body=b"<html>here</html>")
    http = news_source.news_client(UA, min_interval=0.0)
    assert http.redirects == "web"
    assert http.get(local_server.url("/p")).body == b"<html>here</html>"


# --- malformed responses ------------------------------------------------------------------


class Raw:
    """A server that answers every connection with the same raw bytes, then closes."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/x"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.recv(65536)
                conn.sendall(self.payload)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize(
    "payload",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\nbody",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot hex\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
        b"",
    ],
    ids=["status-line", "header-too-long", "short-body", "bad-chunk", "bad-location", "nothing"],
)
def test_a_malformed_response_is_a_fetch_error_never_a_raw_exception(payload: bytes) -> None:
    server = Raw(payload)
    try:
        with pytest.raises(FetchError) as info:
            client([], retries=1, deadline=10.0).get(server.url)
    finally:
        server.close()
    assert str(info.value).startswith(f"GET {server.url} failed: ")
    assert "\n" not in str(info.value)


# --- through a whole run ------------------------------------------------------------------


def budget_wired(settings: object) -> bool:
    """Whether flows/run.build_sources hands the configured deadline and budget to the clients."""
    from flows.run import build_sources

    http = settings.http  # type: ignore[attr-defined]
    market = build_sources(settings, offline=False).market  # type: ignore[arg-type]
    return market.budget.seconds == http.source_budget and market.deadline == http.deadline


@pytest.mark.slow
def test_a_trickling_market_fails_that_source_within_its_budget(
    trickle: Trickle,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import json
    import re

    from flows.cli import main
    from newsdesk.config import load_settings

    base = trickle.url.removesuffix("/drip")
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        "[warehouse]\n"
        f"path = {json.dumps(str(tmp_path / 'wh' / 'newsdesk.duckdb'))}\n"
        f"raw_dir = {json.dumps(str(tmp_path / 'raw'))}\n"
        f"reports_dir = {json.dumps(str(tmp_path / 'reports'))}\n"
        f"dq_dir = {json.dumps(str(tmp_path / 'dq'))}\n"
        "[news]\npages = []\n"
        f'[market]\nbase_url = "{base}"\nwatchlist = ["ADBE"]\n'
        f'[fx]\nbase_url = "{base}"\n'
        "[http]\nretries = 0\ntask_retries = 0\ndeadline = 2.0\nsource_budget = 3.0\n",
        encoding="utf-8",
    )
    # flows/run.build_sources hands the configured deadline and budget to the clients.
    assert budget_wired(load_settings(str(config)))
    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    began = time.monotonic()
    code = main(["run", "--date", "2024-02-20", "--config", str(config)])
    took = time.monotonic() - began
    err = capsys.readouterr().err
    assert code == 1, err  # the run fails, naming what failed (the step's own wording)
    cut = re.search(
        r"ADBE failed: GET \S+ failed: (deadline of 2 s passed|source budget)", caplog.text
    )
    assert cut, caplog.text[-2000:]
    assert took < 120  # not the 15 minutes a drip held a request for before
    assert not list((tmp_path / "raw").rglob(".*.tmp*"))
