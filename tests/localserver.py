"""A tiny threaded HTTP server on 127.0.0.1 that plays back canned responses for tests.

Use it through the ``local_server`` fixture (tests/conftest.py)::

    def test_something(local_server):
        local_server.route("/v1/2024-02-12..2024-02-20", body=b"{...}",
                           headers={"Content-Type": "application/json"})
        local_server.route("/flaky", responses=[
            Resp(429, headers={"Retry-After": "1"}),
            Resp(200, body=b"ok"),
        ])
        client.get(local_server.url("/flaky?x=1"))
        assert [r.path for r in local_server.requests] == ["/flaky", "/flaky"]

API:

- ``route(path, body=b"", status=200, headers=None, *, responses=None, delay=0.0)``:
  routes match on the percent-decoded path only (no query string). ``responses`` is a sequence
  played in order, the last one repeating; otherwise one ``Resp`` built from the
  other arguments answers every request. Unrouted paths get a plain 404.
- ``Resp(status=200, body=b"", headers={}, delay=0.0, truncate=0)``: ``delay``
  sleeps before answering (to trip a client's read timeout); ``truncate=n``
  announces ``n`` more bytes in Content-Length than it sends, then closes.
  Content-Length is added unless the headers set it or Transfer-Encoding.
- ``url(path="")``: the absolute URL of a path; ``base_url``: ``http://127.0.0.1:<port>``.
- ``requests``: the log, a list of ``Logged(method, path, query, headers, raw_path)``
  where ``path`` is percent-decoded, ``raw_path`` as sent, ``query`` the raw query
  string and ``headers`` has lower-case keys;
  ``Logged.params`` parses the query into ``{name: value}`` (last value wins).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass(frozen=True)
class Resp:
    """One canned response."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int = 0


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    raw_path: str = ""

    @property
    def params(self) -> dict[str, str]:
        """The query string parsed into a dict."""
        return dict(parse_qsl(self.query, keep_blank_values=True))


class LocalServer:
    """Canned responses by path, a request log, and a background serving thread."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Resp]] = {}
        self._lock = threading.Lock()
        self.requests: list[Logged] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Daemon handler threads: a handler still sleeping out a delay must not
        # hold up the fixture's teardown.
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        # A short poll keeps shutdown() (which waits for the next poll) cheap.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> LocalServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str = "") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def route(
        self,
        path: str,
        body: bytes = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        responses: Sequence[Resp] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer requests for ``path`` with one response, or a sequence (the last repeats)."""
        queue = list(responses) if responses else [Resp(status, body, dict(headers or {}), delay)]
        with self._lock:
            self._routes[path] = queue

    def _next(self, logged: Logged) -> Resp:
        with self._lock:
            self.requests.append(logged)
            queue = self._routes.get(logged.path)
            if not queue:
                return Resp(404, b"no route for " + logged.path.encode(), {})
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            logged = Logged("GET", unquote(parts.path), parts.query, headers, parts.path)
            resp = server._next(logged)
            if resp.delay:
                time.sleep(resp.delay)
            try:
                self.send_response(resp.status)
                sent = {k.lower() for k in resp.headers}
                for name, value in resp.headers.items():
                    self.send_header(name, value)
                if not sent & {"content-length", "transfer-encoding"}:
                    self.send_header("Content-Length", str(len(resp.body) + resp.truncate))
                self.end_headers()
                self.wfile.write(resp.body)
                self.wfile.flush()
                if resp.truncate:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. its read timeout fired)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
