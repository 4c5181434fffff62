"""The reference calendar of events, and the anchors a later "the next day" counts from."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from newsdesk.extract.sentences import non_overlapping


@dataclass(frozen=True)
class CalendarEvent:
    """A dated happening from the reference calendar (sql/events.csv)."""

    event_id: str
    event_date: date
    entity: str
    title: str
    keywords: tuple[str, ...]
    event_type: str = ""

    def describe(self) -> str:
        """How a date note names the event."""
        return f"event {self.event_id} ({self.title}, {self.event_date})"


@dataclass(frozen=True)
class Anchor:
    """A day that "the day after the demo" or "次日" may count from, and how a note names it."""

    day: date
    label: str


def load_calendar_events(path: Path) -> list[CalendarEvent]:
    """Read sql/events.csv: event_id,event_date,entity,event_type,title,keywords (| separated)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            CalendarEvent(
                event_id=row["event_id"],
                event_date=date.fromisoformat(row["event_date"]),
                entity=row["entity"],
                title=row["title"],
                keywords=tuple(k.strip() for k in row["keywords"].split("|") if k.strip()),
                event_type=row.get("event_type", ""),
            )
            for row in csv.DictReader(f)
        ]


def keyword_spans(text: str, events: Sequence[CalendarEvent]) -> list[tuple[int, CalendarEvent]]:
    """(position, event) of every event keyword in `text`; Latin keywords match whole words, and
    the longest keyword wins, so "Claude 3.5 Sonnet" is not also read as "Claude 3"."""
    matches = [
        (k.start(), k.end(), event)
        for event in events
        for keyword in event.keywords
        if keyword in text  # cheap test first: most keywords are absent
        for k in _keyword_pattern(keyword).finditer(text)
    ]
    # longest first; sorted() is stable, so of two equal keywords the earlier event keeps it
    longest_first = sorted(matches, key=lambda m: m[0] - m[1])
    return [(start, event) for start, _, event in non_overlapping(longest_first)]


@lru_cache(maxsize=4096)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    head = r"(?<![A-Za-z0-9])" if keyword[0].isascii() else ""
    tail = r"(?![A-Za-z0-9])" if keyword[-1].isascii() else ""
    return re.compile(head + re.escape(keyword) + tail)


def latest_anchor(
    stated: Sequence[tuple[int, date]], named: Sequence[tuple[int, CalendarEvent]], before: int
) -> Anchor | None:
    """The anchor of the text before `before`: its last stated date, else its last named event."""
    # a stated date wins over an event named beside it: "analysts discussed Sora on Feb. 20" is
    # about Feb. 20, and where both agree ("Sora on February 15") it is the same day
    days = [day for pos, day in stated if pos < before]
    if days:
        return Anchor(days[-1], f"the date stated earlier ({days[-1]})")
    events = [event for pos, event in named if pos < before]
    if events:
        return Anchor(events[-1].event_date, f"{events[-1].describe()} named earlier")
    return None
