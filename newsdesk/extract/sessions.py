"""Move a calendar day onto an exchange's trading session (exchange_calendars)."""

from __future__ import annotations

import warnings
from datetime import date
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd


@lru_cache(maxsize=16)
def _calendar(exchange: str) -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        # exchange_calendars still reads Series.values, which pandas 3 flags while building
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar(exchange)


def sessions_between(start: date, end: date, exchange: str = "XNYS") -> list[date]:
    """The exchange's sessions in [start, end], clipped to the calendar's own span."""
    calendar = _calendar(exchange)
    lo = max(start, calendar.first_session.date())
    hi = min(end, calendar.last_session.date())
    if hi < lo:
        return []
    return [ts.date() for ts in calendar.sessions_in_range(lo.isoformat(), hi.isoformat())]


def to_session(day: date, exchange: str, snap: str) -> tuple[date | None, str]:
    """`day` if it is a session, else the next (snap="next") or previous session; with a note."""
    try:
        calendar = _calendar(exchange)
        stamp = pd.Timestamp(day)
        if calendar.is_session(stamp):
            return day, f"{day} is an {exchange} session"
        session = calendar.date_to_session(stamp, direction=snap).date()
    except (ValueError, xcals.errors.CalendarError) as e:
        return None, f"{exchange} calendar cannot place {day}: {str(e).splitlines()[0]}"
    return session, f"{day} is not an {exchange} session; {snap} session {session}"


def latest_session(published: date, exchange: str) -> tuple[date | None, str]:
    """The last session on or before publication, if no more than one calendar day before it."""
    session, note = to_session(published, exchange, "previous")
    if session is None:
        return None, note
    if (published - session).days > 1:
        return None, (
            f"no date stated; the last {exchange} session {session} is more than a day before"
            f" publication {published}"
        )
    return session, f"no date stated; last {exchange} session on or before publication {published}"
