"""Below HttpClient: a body decoded under a size cap, a socket cut when its deadline passes.

A read timeout only bounds the wait between two bytes. To bound a whole exchange, the
client registers a ``Watch`` for the calling thread before it sends; the connection
classes mounted on its session attach themselves to that watch when they send the
request, and a timer shuts the socket down at the deadline, which wakes a ``recv``
blocked anywhere below requests at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import zlib
from typing import Any

import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Refused(Exception):
    """A failure no retry can mend: a body over the cap or not what its encoding says (and,
    in newsdesk.http, a refused redirect or a deadline passed)."""


class Decoder:
    """Content-Encoding gzip/deflate decoded incrementally, never past ``limit`` bytes out.

    Bytes after the first gzip member are read as further members, and ignored from the
    first that does not decode (trailing padding, as browsers ignore it).
    """

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding.strip().lower()
        self.limit = limit
        self.out = bytearray()
        compressed = self.encoding in ("gzip", "x-gzip", "deflate")
        self._zlib = _inflater() if compressed else None
        self._fed = False  # some compressed bytes were decoded
        self._later = False  # decoding a member after the first
        self._done = False  # the rest is ignored

    def feed(self, data: bytes) -> None:
        """Decode one chunk of the body as received."""
        if self._zlib is None:
            self._append(data)
            return
        try:
            self._inflate(data)
        except zlib.error as exc:
            if self.encoding != "deflate" or self._fed:
                raise Refused(f"body does not decode as {self.encoding}: {exc}") from None
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            try:
                self._inflate(data)
            except zlib.error as again:
                raise Refused(f"body does not decode as {self.encoding}: {again}") from None
        self._fed = True

    def finish(self) -> bytes:
        """The decoded body; a compressed stream cut short is refused."""
        cut = self._zlib is not None and self._fed and not self._zlib.eof
        if cut and not (self._later or self._done):
            raise Refused(f"body does not decode as {self.encoding}: the stream is cut short")
        return bytes(self.out)

    def _inflate(self, data: bytes) -> None:
        assert self._zlib is not None
        while data and not self._done:
            if self._zlib.eof:
                self._zlib, self._later = _inflater(), True
            try:
                # max_length bounds what one call may produce: a bomb never passes the cap.
                piece = self._zlib.decompress(data, self.limit + 1 - len(self.out))
            except zlib.error:
                if not self._later:
                    raise
                self._done = True
                return
            self._append(piece)
            data = self._zlib.unconsumed_tail or (self._zlib.unused_data if self._zlib.eof else b"")

    def _append(self, piece: bytes) -> None:
        self.out += piece
        if len(self.out) > self.limit:
            raise Refused(f"decoded body exceeds the {self.limit} byte cap")


def _inflater() -> Any:
    # 32 + MAX_WBITS: detect a zlib or a gzip header.
    return zlib.decompressobj(32 + zlib.MAX_WBITS)


class Watch:
    """Shuts the socket of one exchange down when its deadline passes."""

    def __init__(self) -> None:
        self.fired = False
        self.conn: Any = None
        self._lock = threading.Lock()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self.conn = conn
            if self.fired:
                _shutdown(conn)

    def watch(self, resp: Any) -> None:
        """Attach to the connection a response came on (requests.Response)."""
        conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
        if conn is not None:
            self.attach(conn)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            if self.conn is not None:
                _shutdown(self.conn)


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)  # wakes a recv blocked in another thread at once


current = threading.local()  # the Watch of the exchange this thread is making


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = getattr(current, "watch", None)
        if watch is not None:  # from here on, a deadline can cut even the header wait
            watch.attach(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = getattr(current, "watch", None)
        if watch is not None:
            watch.attach(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections a deadline timer can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }
