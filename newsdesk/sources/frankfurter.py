"""Frankfurter (ECB reference rates): one request for a whole date range, USD as base."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from newsdesk.http import Fetched, HttpClient

SOURCE = "frankfurter"
BASE_CURRENCY = "USD"
_CODE = re.compile(r"^[A-Z]{3}$")


def fx_url(base_url: str, start: date, end: date, quotes: Sequence[str]) -> str:
    """The time-series URL for USD -> ``quotes`` over ``start``..``end``."""
    symbols = ",".join(_codes(quotes))
    return (
        f"{base_url.rstrip('/')}/v1/{start.isoformat()}..{end.isoformat()}"
        f"?base={BASE_CURRENCY}&symbols={symbols}"
    )


def fetch_rates(
    client: HttpClient, base_url: str, start: date, end: date, quotes: Sequence[str]
) -> Fetched:
    """Fetch the daily rates; weekends and ECB holidays simply have no entry."""
    if end < start:
        raise ValueError(f"FX range ends ({end}) before it starts ({start})")
    return client.get(fx_url(base_url, start, end, quotes))


def fx_key(start: date, end: date) -> str:
    """The landing key ``<start>_<end>``."""
    return f"{start.isoformat()}_{end.isoformat()}"


def fx_params(start: date, end: date, quotes: Sequence[str]) -> dict[str, str]:
    """What the request asked for, stored beside the landed body for offline matching."""
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "base": BASE_CURRENCY,
        "symbols": ",".join(_codes(quotes)),
    }


def _codes(quotes: Sequence[str]) -> list[str]:
    codes = [q.strip().upper() for q in quotes]
    bad = [q for q in codes if not _CODE.match(q)]
    if bad or not codes:
        raise ValueError(f"FX quotes must be ISO 4217 codes like 'CNY', got {list(quotes)!r}")
    return codes
