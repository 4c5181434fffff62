"""Resolve the dates a sentence states: explicit, relative to publication, or to a known event."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flows.extract.sentences import split_clauses

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {name: i + 1 for i, name in enumerate(_MONTH_NAMES.split())}
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())} | {"sept": 9})
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November" \
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"  # fmt: skip
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_ABSOLUTE = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"),
    re.compile(
        rf"\b(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>(?:19|20)\d{{2}}))?"
    ),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{_MONTH})\b(?:,?\s+(?P<y>\d{{4}}))?"),
    re.compile(r"(?<![\d月个])(?P<d>\d{1,2})[日号](?![内后前间])"),
]
_RELATIVE = re.compile(
    r"(?P<yesterday>昨日|昨天|(?<![A-Za-z])yesterday)|(?P<before_yesterday>前天|前日)"
    r"|(?P<today>今日|今天|(?<![A-Za-z])today)"
    r"|(?P<zhweek>上|本|这)?(?:周|星期|礼拜)(?P<zhday>[一二三四五六日天])"
    r"|(?<![A-Za-z])(?:(?P<enweek>last|this|past|on)\s+)?(?P<enday>Monday|Tuesday|Wednesday"
    r"|Thursday|Friday|Saturday|Sunday)(?![A-Za-z])",
    re.I,
)
_ANCHORED = re.compile(
    r"(?P<after>次日|第二天|翌日|隔天|隔日"
    r"|the day after|a day after|the next day|the following day)"
    r"|(?P<before>前一天|前一日|the day before|a day before)"
    r"|(?P<same>当天|当日|同日|the same day|that day|on the day)",
    re.I,
)
# Spans that look numeric but are not figures: years, months, clock times, split ratios
_NOT_FIGURES = re.compile(
    r"(?:19|20)\d{2}年|(?<![个\d])\d{1,2}月份?|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
    r"|\d+-for-\d+|(?<!\d)(?:19|20)\d{2}(?:\s*(?:年代|年度|财年))"
)


@dataclass(frozen=True)
class CalendarEvent:
    """A dated happening from the reference calendar (sql/events.csv)."""

    event_id: str
    event_date: date
    entity: str
    title: str
    keywords: tuple[str, ...]
    event_type: str = ""


@dataclass(frozen=True)
class DateMention:
    """A date stated in a sentence; `snap` says which trading session a non-session day maps to."""

    start: int
    end: int
    day: date | None
    snap: str  # "next" (the day after an event) or "previous"
    note: str


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


def non_figure_spans(text: str) -> list[tuple[int, int]]:
    """Spans of years, months, times and ratios that the figure finder must not read."""
    return [m.span() for m in _NOT_FIGURES.finditer(text)]


def _year_for(month: int, day: int, published: date) -> date:
    """A date without a year is the latest such date not after publication (plus a day's slack)."""
    candidate = date(published.year, month, day)
    if candidate > published + timedelta(days=1):
        candidate = date(published.year - 1, month, day)
    return candidate


def _absolute(m: re.Match[str], published: date | None) -> DateMention:
    groups = m.groupdict()
    text = m.group()
    month = int(groups["m"]) if groups.get("m") else None
    if groups.get("mn"):
        month = _MONTHS[groups["mn"].lower().rstrip(".")]
    try:
        if groups.get("y") and month:
            day = date(int(groups["y"]), month, int(groups["d"]))
            return DateMention(*m.span(), day, "previous", f"explicit date '{text}'")
        if published is None:
            return DateMention(
                *m.span(), None, "previous", f"'{text}' has no year and no publication date"
            )
        if month is None:  # "16日": a day of the publication month, else of the month before
            day = date(published.year, published.month, int(groups["d"]))
            if day > published + timedelta(days=1):
                day = (published.replace(day=1) - timedelta(days=1)).replace(day=day.day)
            return DateMention(*m.span(), day, "previous", f"'{text}' in the month of publication")
        day = _year_for(month, int(groups["d"]), published)
        return DateMention(*m.span(), day, "previous", f"'{text}', year from publication date")
    except ValueError:
        return DateMention(*m.span(), None, "previous", f"'{text}' is not a valid date")


def _relative(m: re.Match[str], published: date | None) -> DateMention:
    text = m.group()
    if published is None:
        return DateMention(*m.span(), None, "previous", f"'{text}' needs a publication date")
    if m.group("yesterday"):
        offset = 1
    elif m.group("before_yesterday"):
        offset = 2
    elif m.group("today"):
        offset = 0
    else:
        weekday = (
            _ZH_WEEKDAY[m.group("zhday")]
            if m.group("zhday")
            else _EN_WEEKDAYS.index(m.group("enday").lower())
        )
        monday = published - timedelta(days=published.weekday())
        if m.group("zhweek") == "上":  # 上周五: Friday of the previous calendar week
            day = monday - timedelta(days=7) + timedelta(days=weekday)
        elif m.group("zhweek") in ("本", "这"):
            day = monday + timedelta(days=weekday)
        else:  # 周一, on Monday, last Friday: the latest such weekday before publication
            day = published - timedelta(days=(published.weekday() - weekday) % 7 or 7)
        return DateMention(*m.span(), day, "previous", f"'{text}' before publication {published}")
    day = published - timedelta(days=offset)
    return DateMention(*m.span(), day, "previous", f"'{text}' from publication {published}")


def _keyword_spans(text: str, events: Sequence[CalendarEvent]) -> list[tuple[int, CalendarEvent]]:
    found = []
    for event in events:
        for keyword in event.keywords:
            head = r"(?<![A-Za-z0-9])" if keyword[0].isascii() else ""
            tail = r"(?![A-Za-z0-9])" if keyword[-1].isascii() else ""
            for k in re.finditer(head + re.escape(keyword) + tail, text):
                found.append((k.start(), event))
    return found


def _anchored(
    m: re.Match[str], sentence: str, explicit: list[DateMention], events: Sequence[CalendarEvent]
) -> DateMention:
    """次日 / the day after: one day from an event named in the clause, or from a date before it."""
    text = m.group()
    offset, snap = (
        (1, "next") if m.group("after") else (-1, "previous") if m.group("before") else (0, "next")
    )
    clause = next(
        (c for c in split_clauses(sentence) if c[0] <= m.start() < c[1]), (0, len(sentence))
    )
    named = _keyword_spans(sentence[clause[0] : clause[1]], events)
    if named:
        pos = m.start() - clause[0]
        _, event = min(named, key=lambda kv: abs(kv[0] - pos))
        day = event.event_date + timedelta(days=offset)
        note = f"'{text}' of event {event.event_id} ({event.title}, {event.event_date}) → {day}"
        return DateMention(*m.span(), day, snap, note)
    earlier = [d for d in explicit if d.end <= m.start() and d.day is not None]
    if earlier:
        anchor = earlier[-1]
        day = anchor.day + timedelta(days=offset)  # type: ignore[operator]
        return DateMention(*m.span(), day, snap, f"'{text}' of {anchor.day} → {day}")
    return DateMention(*m.span(), None, snap, f"'{text}' has no event or date to count from")


def find_dates(
    sentence: str, published: date | None, events: Sequence[CalendarEvent] = ()
) -> list[DateMention]:
    """Every date mention of one sentence, in order, each resolved or with the reason it is not."""
    found: list[DateMention] = []
    taken = [False] * len(sentence)

    def add(mention: DateMention) -> None:
        """Keep a mention unless an earlier, stronger pattern already took its text."""
        if not any(taken[mention.start : mention.end]):
            taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
            found.append(mention)

    for pattern in _ABSOLUTE:
        for m in pattern.finditer(sentence):
            add(_absolute(m, published))
    for m in _RELATIVE.finditer(sentence):
        add(_relative(m, published))
    explicit = sorted(found, key=lambda d: d.start)
    for m in _ANCHORED.finditer(sentence):
        add(_anchored(m, sentence, explicit, events))
    return sorted(found, key=lambda d: d.start)
