"""Yahoo Finance chart API v8: one request per symbol for a whole date range.

Yahoo answers an unknown or delisted symbol with HTTP 404 and a JSON body
``{"chart": {"result": null, "error": {"code": "Not Found", ...}}}``. That is an
answer about the symbol, not a transport failure, so ``fetch_chart`` returns it
(status 404) for the transform to report per symbol; any other 404 still raises.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from urllib.parse import quote

from newsdesk.http import Fetched, FetchError, HttpClient
from newsdesk.landing import safe_key

SOURCE = "yahoo"


def chart_url(base_url: str, symbol: str, start: date, end: date) -> str:
    """The chart URL for ``symbol`` covering ``start``..``end``, both days included."""
    # Daily bars are stamped at the session open (14:30 UTC for New York), so period2
    # must lie past the end date's open: midnight UTC after it keeps that day in.
    period1 = _unix(start)
    period2 = _unix(end + timedelta(days=1))
    return (
        f"{base_url.rstrip('/')}/v8/finance/chart/{quote(symbol, safe='')}"
        f"?period1={period1}&period2={period2}&interval=1d&events=div%7Csplit"
    )


def fetch_chart(client: HttpClient, base_url: str, symbol: str, start: date, end: date) -> Fetched:
    """Fetch one symbol's daily bars, dividends and splits; a chart.error 404 is returned."""
    if end < start:
        raise ValueError(f"chart range ends ({end}) before it starts ({start})")
    try:
        return client.get(chart_url(base_url, symbol, start, end))
    except FetchError as exc:
        if exc.status == 404 and exc.last is not None and _is_chart_error(exc.last.body):
            return exc.last
        raise


def chart_key(symbol: str, start: date, end: date) -> str:
    """The landing key ``SYMBOL/<start>_<end>``."""
    return safe_key(symbol, f"{start.isoformat()}_{end.isoformat()}")


def chart_params(symbol: str, start: date, end: date) -> dict[str, str]:
    """What the request asked for, stored beside the landed body for offline matching."""
    return {
        "symbol": symbol,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "interval": "1d",
        "events": "div|split",
    }


def _unix(day: date) -> int:
    return calendar.timegm(day.timetuple())


def _is_chart_error(body: bytes) -> bool:
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    chart = payload.get("chart") if isinstance(payload, dict) else None
    return isinstance(chart, dict) and bool(chart.get("error"))
