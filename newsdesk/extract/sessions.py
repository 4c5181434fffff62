"""Move a calendar day onto an exchange's trading session (exchange_calendars).

Where the moment of publication is known (an aware datetime), "by then" means the sessions
whose close had passed: a Hong Kong page of Tuesday 08:00 +08:00 has seen the New York
session of Monday close (05:00 Hong Kong time) and Tuesday's not open.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta
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


def _close(calendar: xcals.ExchangeCalendar, day: date) -> pd.Timestamp:
    """When the session of `day` closes; for a day without one, when it would have."""
    stamp = pd.Timestamp(day)
    if calendar.is_session(stamp):
        return calendar.session_close(stamp)
    regular = calendar.close_times[-1][1]
    return pd.Timestamp(datetime.combine(day, regular), tz=calendar.tz)


def closed_by(day: date, exchange: str, instant: datetime) -> bool:
    """Whether the exchange's trading of `day` had ended at `instant` (an aware datetime)."""
    return _close(_calendar(exchange), day) <= pd.Timestamp(instant)


def weekday_session(
    latest: date, exchange: str, instant: datetime, live: bool = False
) -> tuple[date | None, str]:
    """A weekday named in a page published at `instant`, `latest` being that weekday on or before
    the publisher's own day: the last such session that had closed by then (a week before when
    `latest`'s trading had not ended), or on a holiday the session before it. A `live` figure
    (pre-market, intraday) is of `latest` even before its close: "indicated 11% lower in
    pre-market trading on Monday" in a Monday 08:00 New York story is about that Monday."""
    try:
        closed = closed_by(latest, exchange, instant)
        in_session = not closed and _opened_by(latest, exchange, instant)
    except (ValueError, xcals.errors.CalendarError) as e:
        return None, f"{exchange} calendar cannot place {latest}: {str(e).splitlines()[0]}"
    # a story written while that day's session trades is about it ("Nvidia was last higher by
    # 7.3% on Tuesday" at 13:05 New York time); a week back is for a day not yet begun
    day = latest if closed or live or in_session else latest - timedelta(days=7)
    why = (
        "closed by publication"
        if closed
        else "still open or not yet open at publication, and the figure is intraday"
        if live
        else "trading at publication"
        if in_session
        else f"not closed by publication, so the week before: {day}"
    )
    session, note = to_session(day, exchange, "previous")
    return session, f"{exchange} trading of {latest} {why}; {note}"


def _opened_by(day: date, exchange: str, instant: datetime) -> bool:
    """Whether the exchange's session of `day` had begun at `instant` (False on a non-session)."""
    calendar = _calendar(exchange)
    try:
        return bool(calendar.session_open(pd.Timestamp(day)) <= pd.Timestamp(instant))
    except (ValueError, xcals.errors.CalendarError):
        return False  # a holiday or weekend: no session to have begun


def last_closed_session(
    on_or_before: date, exchange: str, instant: datetime
) -> tuple[date | None, str]:
    """The last session on or before `on_or_before` that had closed by `instant`."""
    session, note = to_session(on_or_before, exchange, "previous")
    calendar = _calendar(exchange)
    try:
        while session is not None and not closed_by(session, exchange, instant):
            session = calendar.previous_session(pd.Timestamp(session)).date()
    except (ValueError, xcals.errors.CalendarError) as e:
        return None, f"{exchange} calendar cannot place {on_or_before}: {str(e).splitlines()[0]}"
    if session is None:
        return None, note
    return session, f"last {exchange} session closed by publication {instant}: {session}"


def latest_session(
    published: date, exchange: str, instant: datetime | None = None
) -> tuple[date | None, str]:
    """The last session on or before publication, if no more than one calendar day before it;
    with the moment of publication known, the last one that had opened by then."""
    session, note = to_session(published, exchange, "previous")
    if session is None:
        return None, note
    if instant is not None and not _opened_by(session, exchange, instant):
        # an Asian morning page: today's New York session has not opened, so the last one closed
        session = _calendar(exchange).previous_session(pd.Timestamp(session)).date()
    if (published - session).days > 1:
        return None, (
            f"no date stated; the last {exchange} session {session} is more than a day before"
            f" publication {published}"
        )
    if instant is not None:
        return session, f"no date stated; last {exchange} session open by publication {instant}"
    return session, f"no date stated; last {exchange} session on or before publication {published}"
