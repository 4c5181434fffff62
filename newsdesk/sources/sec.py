"""SEC XBRL companyfacts: shares outstanding per filing.

SEC's fair-access policy asks for a User-Agent naming a person and an email, and
at most 10 requests per second; requests without one are refused with 403.
"""

from __future__ import annotations

from typing import Any

from newsdesk.http import Fetched, HttpClient

SOURCE = "sec"
MIN_INTERVAL = 0.11  # seconds between requests: under SEC's 10 per second


def normalise_cik(cik: str | int) -> str:
    """The CIK as 10 digits (``796343``, ``CIK0000796343`` -> ``0000796343``)."""
    digits = str(cik).strip().upper().removeprefix("CIK")
    if not digits.isdigit() or len(digits) > 10:
        raise ValueError(f"a CIK is up to 10 digits, got {cik!r}")
    return digits.zfill(10)


def companyfacts_url(base_url: str, cik: str | int) -> str:
    """The companyfacts URL of one filer."""
    return f"{base_url.rstrip('/')}/api/xbrl/companyfacts/CIK{normalise_cik(cik)}.json"


def sec_client(user_agent: str | None, **kw: Any) -> HttpClient:
    """An HttpClient fit for SEC: a named User-Agent and under 10 requests per second."""
    if not user_agent or not user_agent.strip():
        raise ValueError(
            "SEC requires a User-Agent naming you, e.g. 'Jane Doe jane@example.com': "
            "set sec.user_agent or NEWSDESK_SEC_USER_AGENT"
        )
    kw.setdefault("min_interval", MIN_INTERVAL)
    return HttpClient(user_agent, **kw)


def fetch_companyfacts(client: HttpClient, base_url: str, cik: str | int) -> Fetched:
    """Fetch one filer's companyfacts JSON."""
    return client.get(companyfacts_url(base_url, cik))


def sec_key(cik: str | int) -> str:
    """The landing key ``CIK0000796343``."""
    return f"CIK{normalise_cik(cik)}"


def sec_params(cik: str | int) -> dict[str, str]:
    """What the request asked for, stored beside the landed body for offline matching."""
    return {"cik": normalise_cik(cik)}
