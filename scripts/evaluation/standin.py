"""Stand-in servers on 127.0.0.1 for an evaluation run: the corpus pages, Yahoo chart v8,
Frankfurter and SEC companyfacts, each answering in the provider's own format from the truth
data in ``../shared/data`` (docs/evaluation.md names which file serves which figure).

One threaded HTTP server; each provider lives under a prefix (``/yahoo``, ``/frankfurter``,
``/sec``) that the run's settings use as its base URL, and a page under ``/<host>/<path>`` of
its original URL, so the dates in a URL stay visible to the extractor.
"""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from scripts.evaluation.corpus import Page
from scripts.payloads import (
    SHARED_DATA,
    bars_from_yahoo_csv,
    chart_payload,
    companyfacts_payload_from_sec_csv,
    frankfurter_payload_from_ecb_csv,
)

RAW_CLOSES = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
RAW_CLOSES_END = date(2024, 3, 8)
ADJUSTED = SHARED_DATA / "prices" / "yfinance_adjusted_zjplab_to_2026-08-21"
SP500_EXTRACT = ADJUSTED / (
    "SP500_ALL_extract_2023-12-15_to_2024-04-05_and_2025-01-02_to_2025-02-14.csv"
)
ECB_CSV = SHARED_DATA / "fx" / "eurofxref-hist_1999-01-04_to_2025-05-09.csv"
SEC_CSV = SHARED_DATA / "sec" / "shares_outstanding.csv"
TICKERS_CSV = Path(__file__).resolve().parents[2] / "sql" / "tickers.csv"
# What the stand-ins read from ../shared/data; scripts/eval.py checks them before it starts.
DATA_FILES = (SP500_EXTRACT, ECB_CSV, SEC_CSV)

# Yahoo's own answer for a symbol it has no data for (HTTP 404).
NO_DATA = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}
JSON = "application/json;charset=utf-8"


@dataclass
class StandIn:
    """The servers of one evaluation run; `requests` and `no_data` say what was asked.

    SEC facts are served as the CSV has them, empty dates included: SEC's malformed records,
    which the run sets aside and goes on.
    """

    pages: list[Page]
    requests: list[str] = field(default_factory=list)
    no_data: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._pages = {page.served_path: page for page in self.pages}
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def page_url(self, page: Page) -> str:
        """Where the run fetches a corpus page."""
        return self.base_url + page.served_path

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        """Status, content type and body for one GET."""
        with self._lock:
            self.requests.append(path)
        if path in self._pages:
            page = self._pages[path]
            return 200, page.content_type, page.body
        if path.startswith("/yahoo/v8/finance/chart/"):
            return self._chart(path.rsplit("/", 1)[1], query)
        if path.startswith("/frankfurter/v1/"):
            return self._rates(path.rsplit("/", 1)[1], query)
        if path.startswith("/sec/api/xbrl/companyfacts/CIK"):
            return self._companyfacts(path.rsplit("CIK", 1)[1].removesuffix(".json"))
        return 404, "text/plain", f"no stand-in for {path}".encode()

    def _chart(self, symbol: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        start = _utc_day(int(query["period1"]))
        end = _utc_day(int(query["period2"])) - timedelta(days=1)
        bars = truth_bars(symbol, start, end)
        if bars is None:
            with self._lock:
                self.no_data.add(symbol)
            return 404, JSON, _json(NO_DATA)
        instrument = "INDEX" if symbol.startswith("^") else "EQUITY"
        return 200, JSON, _json(chart_payload(symbol, bars, instrument=instrument))

    def _rates(self, span: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        first, last = (date.fromisoformat(d) for d in span.split(".."))
        quotes = query.get("symbols", "").split(",")
        payload = frankfurter_payload_from_ecb_csv(ECB_CSV, first, last, quotes)
        return 200, "application/json", _json(payload)

    def _companyfacts(self, cik: str) -> tuple[int, str, bytes]:
        payload = companyfacts_payload_from_sec_csv(SEC_CSV, cik)
        if not payload["entityName"]:
            # A filer the CSV has no rows for: SEC has its facts, just no cover-page count here.
            payload["entityName"] = _issuer_names().get(cik.zfill(10), "")
            payload["facts"] = {}
        return 200, "application/json", _json(payload)


class _Server(ThreadingHTTPServer):
    # The market step fetches every chart at once: the default backlog of 5 would refuse some.
    request_queue_size = 128


def truth_bars(symbol: str, start: date, end: date) -> list[dict] | None:
    """Daily bars for start..end from the truth data, or None for a symbol it does not hold.

    The ten tickers with raw Yahoo CSVs take their raw closes up to RAW_CLOSES_END (NVDA
    pre-split) and the adjusted history after; others the adjusted per-symbol file
    (^GSPC, ^IXIC, ^DJI as INDEX_*) or the S&P 500 extract. No split events are sent: the
    raw and adjusted stretches are each consistent with the share counts of their day.
    """
    raw = RAW_CLOSES / f"{symbol}.csv"
    adjusted = ADJUSTED / f"{symbol.replace('^', 'INDEX_')}.csv"
    if raw.is_file():
        bars = bars_from_yahoo_csv(raw, start, min(end, RAW_CLOSES_END))
        if adjusted.is_file():
            later = max(start, RAW_CLOSES_END + timedelta(days=1))
            bars += [b for b in _history(adjusted) if later <= b["date"] <= end]
        return bars
    if adjusted.is_file():
        return [b for b in _history(adjusted) if start <= b["date"] <= end]
    extract = _extract()
    if symbol in extract:
        return [b for b in extract[symbol] if start <= b["date"] <= end]
    return None


@cache
def _history(path: Path) -> tuple[dict, ...]:
    """A yfinance history CSV (Date,Open,High,Low,Close,Volume,...) as bars."""
    with path.open(newline="") as handle:
        return tuple(_bar(row) for row in csv.DictReader(handle))


@cache
def _extract() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    with SP500_EXTRACT.open(newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["Ticker"], []).append(_bar(row))
    return found


def _bar(row: dict[str, str]) -> dict:
    # yfinance history is already adjusted: its close is the adjusted close too.
    close = float(row["Close"])
    return {
        "date": date.fromisoformat(row["Date"][:10]),
        "open": float(row["Open"]),
        "high": float(row["High"]),
        "low": float(row["Low"]),
        "close": close,
        "adj_close": close,
        "volume": int(float(row["Volume"] or 0)),
    }


@cache
def _issuer_names() -> dict[str, str]:
    with TICKERS_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["cik"].zfill(10): row["name"] for row in csv.DictReader(handle) if row["cik"]}


def _utc_day(epoch: int) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def _json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                status, content_type, body = standin.answer(unquote(parts.path), query)
            except (KeyError, ValueError) as exc:  # a request the stand-in cannot read
                status, content_type, body = 400, "text/plain", str(exc).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the harness prints its own summary

    return Handler
