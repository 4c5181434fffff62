"""The verdict rule when a figure can be read more than one way.

A figure in the news rarely says everything needed to check it: which session (a weekday
resolved from the publication time may be a session off), which share count (filings before
and after the day differ), which share class (GOOGL or GOOG). Each plausible reading is
judged; the claim is

- `supported` when the most plausible reading supports it (its explanation shows the session,
  prices and share count it used), or else another plausible one does (the explanation names
  that reading, and what the first one gave);
- `contradicted` only when the first reading contradicts it and no other supports it;
- `unverifiable` when the first reading cannot be checked and no other supports it.

Close vs intraday is settled by the words, not by a reading: a figure stated as intraday is
judged against the day's extreme, one that is not against the close (market.py).

Readings are judged lazily, in order of plausibility: the first that supports the figure
ends the search, so a figure the first reading supports costs one look-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from newsdesk.extract.dates import ASIAN_LOCAL_DATE
from newsdesk.extract.reading import LEAD_NOTE
from newsdesk.verify.verdict import Judged

# A date the article states in full (or its month and day): no neighbouring session is a
# plausible reading of it. Weekdays, 昨日, counted days and defaults are not explicit.
_EXPLICIT = re.compile(r"explicit date|in the month of publication|year from publication")


# A pre-market or after-hours move: the day's prices (the regular session) do not hold it
OFF_SESSION = re.compile(
    r"盘前|盘后|盤前|盤後|(?<![A-Za-z])(?:pre-?market|after-?hours|extended trading"
    r"|after the (?:bell|close))(?![A-Za-z])",
    re.I,
)


@dataclass(frozen=True)
class Reading:
    """One way of reading a figure, judged on demand."""

    name: str
    judge: Callable[[], Judged]


def explicit_date(claim: dict[str, Any]) -> bool:
    """Whether the claim's date was stated outright (or the claim carries no note at all)."""
    note = claim.get("date_note")
    if note is not None and ASIAN_LOCAL_DATE in note:
        return False  # a US session straddles two days of an Asian clock
    if note is not None and note.startswith(LEAD_NOTE):
        return False  # a headline's day is the story's first, not one stated for it
    return note is None or _EXPLICIT.search(note) is not None


def neighbours(dates: Sequence[date], day: date, published: date | None) -> list[date]:
    """The sessions just before and after `day` in `dates` (sorted); a later one only if it is
    not after the publication date, since a story cannot report a session yet to come (the
    publication day's own session counts: an evening story reports it)."""
    before = [d for d in dates if d < day]
    after = [d for d in dates if d > day and published is not None and d <= published]
    return [*before[-1:], *after[:1]]


def choose(readings: Sequence[Reading]) -> Judged:
    """The verdict over the readings, most plausible first (see the module docstring)."""
    first = readings[0]
    verdict, observed, explanation = first.judge()
    if verdict == "supported" or len(readings) == 1:
        # the measured part of the explanation names the session, prices and count it used
        return verdict, observed, explanation
    tried: list[str] = []
    for other in readings[1:]:
        alt = other.judge()
        if alt[0] == "supported":
            given = _gist(verdict, explanation)
            return (
                "supported",
                alt[1],
                f"{alt[2]} (reading: {other.name}; {first.name} gives {given})",
            )
        if alt[0] is not None and alt[0] != "unverifiable":
            tried.append(f"{other.name}: {_gist(*alt[::2])}")
    note = f"; other readings: {'; '.join(tried)}" if tried else ""
    if verdict == "contradicted":
        return verdict, observed, f"{explanation} (reading: {first.name}{note})"
    return verdict, observed, f"{explanation}{note}"


def _gist(verdict: str | None, explanation: str | None) -> str:
    """'contradicted (−2.00%)'-style summary of a reading's outcome for another's explanation."""
    text = explanation or ""
    if verdict == "unverifiable":
        return f"unverifiable ({text})"
    measured = text.split("; stated:")[0]
    return f"{verdict} ({measured.split(' = ')[-1]})" if " = " in measured else f"{verdict}"
