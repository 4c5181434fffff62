"""Resolve the dates a sentence states: explicit, relative to publication, or to a known event."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from newsdesk.extract.events import (
    Anchor,
    CalendarEvent,
    keyword_spans,
    latest_anchor,
    load_calendar_events,
)
from newsdesk.extract.sentences import clause_index, split_clauses

__all__ = [
    "Anchor",
    "CalendarEvent",
    "DateMention",
    "find_dates",
    "load_calendar_events",
    "non_figure_spans",
    "sentence_anchor",
]

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {name: i + 1 for i, name in enumerate(_MONTH_NAMES.split())}
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())} | {"sept": 9})
# capitalised, longest first so that "Sept" is not read as "Sep"
_MONTH = f"(?:{'|'.join(sorted((n.capitalize() for n in _MONTHS), key=len, reverse=True))})"
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
    r"|(?<![A-Za-z])(?:(?P<enweek>last|this|past|on)\s+)?"
    rf"(?P<enday>{'|'.join(_EN_WEEKDAYS)})(?![A-Za-z])",
    re.I,
)
_OBJECT = (  # what "the day after" counts from, when it says so without naming it
    r"(?:\s+(?:the|its|this|that|their)\s+(?:[A-Za-z-]+\s+){0,2}?(?:demo|demonstration|launch"
    r"|announcement|unveiling|release|preview|debut|presentation|reveal|showcase|event|news"
    r"|report)s?(?![A-Za-z]))?"
)
_ANCHORED = re.compile(
    r"(?<![A-Za-z])(?:(?P<after>次日|第二天|翌日|隔天|隔日|次一交易日|下一个?交易日"
    r"|之?后的?(?:第一|首)个交易日|(?:the|a|one)\s+day\s+later|the\s+(?:next|following)\s+"
    r"(?:trading\s+)?(?:day|session)(?!\s+after)"
    rf"|(?:(?:the|a|one)\s+day|the\s+(?:first|next|following)\s+(?:trading\s+day|session))"
    rf"\s+after{_OBJECT})"
    rf"|(?P<before>前一天|前一日|(?:the|a|one)\s+day\s+(?:before{_OBJECT}|earlier))"
    r"|(?P<same>当天|当日|同日|the same day|that day|on the day))",
    re.I,
)
_SESSIONS = re.compile(r"交易日|trading|session", re.I)  # counts sessions, not calendar days
# Spans that look numeric but are not figures: years, months, clock times, split ratios
_NOT_FIGURES = re.compile(
    r"(?:19|20)\d{2}年|(?<![个\d])\d{1,2}月份?|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
    r"|\d+-for-\d+|(?<!\d)(?:19|20)\d{2}(?:\s*(?:年代|年度|财年))"
)


@dataclass(frozen=True)
class DateMention:
    """A date stated in a sentence; `snap` says which trading session a non-session day maps to."""

    start: int
    end: int
    day: date | None
    snap: str  # "next" (the day after an event) or "previous"
    note: str
    derived: bool = False  # counted from an anchor (次日), so never an anchor itself


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


def _anchored(
    m: re.Match[str],
    sentence: str,
    stated: list[tuple[int, date]],
    named: list[tuple[int, CalendarEvent]],
    anchor: Anchor | None,
) -> DateMention:
    """次日 / the day after: from an event named in its clause, else the latest anchor before it
    in the sentence, else the article's latest anchor (a date or an event stated earlier)."""
    text = m.group()
    offset, snap = (
        (1, "next") if m.group("after") else (-1, "previous") if m.group("before") else (0, "next")
    )
    clauses = split_clauses(sentence)
    clause = clauses[clause_index(clauses, m.start())]
    in_clause = [(pos, e) for pos, e in named if clause[0] <= pos < clause[1]]
    if in_clause:
        _, event = min(in_clause, key=lambda pe: abs(pe[0] - m.start()))
        base: Anchor | None = Anchor(event.event_date, event.describe())
    else:
        base = latest_anchor(stated, named, m.start()) or anchor
    if base is None:
        return DateMention(
            *m.span(), None, snap, f"'{text}' has no event or date to count from", True
        )
    day = base.day + timedelta(days=offset)
    if offset == 1 and _SESSIONS.search(text):
        # the next session strictly after the anchor: count from the day after, snap forward
        note = f"'{text}' = the first session after {base.label}, counted from {day}"
    else:
        note = f"'{text}' of {base.label} → {day}"
    return DateMention(*m.span(), day, snap, note, True)


def _stated(mentions: Sequence[DateMention]) -> list[tuple[int, date]]:
    return [(d.start, d.day) for d in mentions if d.day is not None and not d.derived]


def sentence_anchor(
    sentence: str, mentions: Sequence[DateMention], events: Sequence[CalendarEvent]
) -> Anchor | None:
    """What a later sentence's "the next day" counts from (see latest_anchor)."""
    # a day counted from an anchor (次日) is not one itself: "the day after the demo" in a later
    # sentence still means the demo's day
    return latest_anchor(_stated(mentions), keyword_spans(sentence, events), len(sentence))


_APPOSITION = re.compile(r"[\s,，、(（)）]*")


def _beside(sentence: str, a: DateMention, b: DateMention) -> bool:
    """Whether two mentions are separated by nothing but spaces, commas or brackets."""
    gap = sentence[a.end : b.start] if a.end <= b.start else sentence[b.end : a.start]
    return _APPOSITION.fullmatch(gap) is not None


def find_dates(
    sentence: str,
    published: date | None,
    events: Sequence[CalendarEvent] = (),
    anchor: Anchor | None = None,
) -> list[DateMention]:
    """Every date mention of one sentence, in order, each resolved or with the reason it is not;
    `anchor` is what earlier sentences give "the next day" to count from."""
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
    absolute = list(found)
    for m in _RELATIVE.finditer(sentence):
        mention = _relative(m, published)
        # "on Tuesday, Feb. 20" / "周二（2月20日）": the weekday names the stated date.
        if not any(_beside(sentence, mention, other) for other in absolute):
            add(mention)
    stated = _stated(sorted(found, key=lambda d: d.start))
    named = keyword_spans(sentence, events)
    for m in _ANCHORED.finditer(sentence):
        add(_anchored(m, sentence, stated, named, anchor))
    return sorted(found, key=lambda d: d.start)
