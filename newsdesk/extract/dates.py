"""Resolve the dates a sentence states: explicit, relative to publication, or to a known event."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from newsdesk.extract.events import (
    Anchor,
    CalendarEvent,
    keyword_spans,
    latest_anchor,
    load_calendar_events,
)
from newsdesk.extract.lexicon import INTRADAY
from newsdesk.extract.sentences import clause_index, split_clauses
from newsdesk.extract.sessions import last_closed_session, to_session, weekday_session

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
# a month with its year and no day ("2022年2月", "in September 2024"): a figure under it is of
# some day in that month, which no check can pick
_MONTH_ONLY = [
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?!\s*[\d一二三四五六七八九十]+[日号])"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?,?\s+(?P<y>(?:19|20)\d{{2}})\b"),
]
MONTH_ONLY_NOTE = "names a month, not a day"
_RELATIVE = re.compile(
    r"(?P<yesterday>昨日|昨天|昨晚|昨夜|(?<![A-Za-z])yesterday)|(?P<before_yesterday>前天|前日)"
    r"|(?P<overnight>隔夜|(?<![A-Za-z])overnight)"
    # "a week ago today", 一周前: the same weekday a week back
    r"|(?P<weekago>(?<![A-Za-z])a week ago(?: today)?|一周前|一週前|一星期前)"
    r"|(?P<today>今日|今天|(?<![A-Za-z])today)"
    # (本周一度 is "this week, at one point"; 周一季 no weekday either)
    r"|(?P<zhweek>上|本|这|這)?(?:周|週|星期|礼拜|禮拜)(?P<zhday>[一二三四五六日天])(?![度季])"
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
    r"|(?P<same>当天|当日|同日|the same day|that same day|the very same day|that day"
    r"|on the day))",
    re.I,
)
_SESSIONS = re.compile(r"交易日|trading|session", re.I)  # counts sessions, not calendar days
# Spans that look numeric but are not figures: years, months, clock times, split ratios
_NOT_FIGURES = re.compile(
    r"(?:19|20)\d{2}年|(?<![个\d])\d{1,2}月份?|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
    r"|\d+-for-\d+|(?<!\d)(?:19|20)\d{2}(?:\s*(?:年代|年度|财年))"
)


# Before a date, words that make it the bound of a span or a comparison, not the figure's day:
# "a new low since November 1", "from Jan. 2 to …", 自去年11月1日以来, 较1月2日
_SIDE_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:since|from|between|until|till|through|compared\s+(?:with|to)|versus"
    r"|vs\.?|than)\s+(?:(?:early|late|mid)-?\s*)?|(?:自从|自|从|較|较|相比|相较于?|直到|直至)\s*)$",
    re.I,
)
# a date followed by a clock time is a byline or update stamp ("2024-02-23 08:15 来源：…")
# a clock time right after a date ("Jan 28, 2025 · 07:45"): the date is a stamp
_CLOCK = r"[·|@,-]?\s*\d{1,2}:\d{2}(?!\d)"
_CLOCK_AFTER = re.compile(rf"^\s*{_CLOCK}")
_SIDE_AFTER = re.compile(rf"^\s*(?:以来|以來|至今|起|开始|開始|以后|以後|{_CLOCK})")
# a stamp: "Published Tue, Jan 28, 2025", "Updated:", 发布时间：
_BYLINE_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:published|updated|posted|first published|last updated)(?:\s+on)?"
    r"|发布于|发布时间|更新于|更新时间|發佈於|發布於|更新於)[:：]?\s*(?:[A-Za-z]{3,9},?\s*)?$",
    re.I,
)
_RANGE_END = re.compile(r"(?:(?<![A-Za-z])(?:to|and|through)\s+|(?<!截)(?:至|到)\s*)$", re.I)
# a date of another event: "earnings due on Feb. 28", "released R1 on January 20", 将于2月28日公布
_EVENT_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:due|scheduled|expected|set|slated|planned)\s+(?:on|for)\s+(?:\w+\s+)?"
    r"|(?<![A-Za-z])(?:reports?|reported|reporting|announced?|announces|released?|releases"
    r"|unveil(?:ed|s)?|launch(?:ed|es)?|published|publishes|posted)\s+(?:[\w-]+\s+){0,3}?(?:on\s+)?"
    r"|(?:将于|將於|定于|定於|预计于|預計於|计划于|計劃於)\s*)$",
    re.I,
)
_EVENT_AFTER = re.compile(
    r"^\s*,?\s*(?:(?:earnings|results|report|release|launch|announcement)(?![A-Za-z])"
    r"|(?:盘后|盤後|盘前|盤前|晚间|晚間|早间|早間)?(?:公布|发布|發布|推出|宣布|召开|召開|举行|舉行|财报|財報"
    r"|业绩|業績)|创下|創下|创出|創出)",
    re.I,
)


@dataclass(frozen=True)
class DateMention:
    """A date stated in a sentence; `snap` says which trading session a non-session day maps to.

    `role` says what the date may be: "figure" (the day a figure of its clause refers to, and
    carried to later sentences), "event" (the day of another event — an anchor for "the next
    day" only) or "side" (a bound or comparison: "since November 1", 以来). `per_exchange`, set
    for weekdays, 昨日 and "overnight" when the moment of publication is known, gives the session
    they name on a given exchange (the last one closed by then).
    """

    start: int
    end: int
    day: date | None
    snap: str  # "next" (the day after an event) or "previous"
    note: str
    derived: bool = False  # counted from an anchor (次日), so never an anchor itself
    text: str = ""
    role: str = "figure"
    per_exchange: Callable[[str], tuple[date | None, str]] | None = field(
        default=None, compare=False, repr=False
    )


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
            number = int(groups["d"])
            before = published.replace(day=1) - timedelta(days=1)
            try:
                day = date(published.year, published.month, number)
            except ValueError:  # "31日" in a story of 1 February: January's
                day = before.replace(day=number)
            if day > published + timedelta(days=1):
                day = before.replace(day=number)
            return DateMention(*m.span(), day, "previous", f"'{text}' in the month of publication")
        day = _year_for(month, int(groups["d"]), published)
        return DateMention(*m.span(), day, "previous", f"'{text}', year from publication date")
    except ValueError:
        return DateMention(*m.span(), None, "previous", f"'{text}' is not a valid date")


def _weekday(m: re.Match[str]) -> int:
    if m.group("zhday"):
        return _ZH_WEEKDAY[m.group("zhday")]
    return _EN_WEEKDAYS.index(m.group("enday").lower())


def _relative(
    m: re.Match[str], sentence: str, published: date | None, instant: datetime | None
) -> DateMention:
    text = m.group()
    if published is None:
        return DateMention(*m.span(), None, "previous", f"'{text}' needs a publication date")
    if m.group("weekago"):
        day = published - timedelta(days=7)
        return DateMention(*m.span(), day, "previous", f"'{text}' = a week before {published}")
    if instant is not None and not m.group("today") and not m.group("zhweek"):
        return _closed_relative(m, sentence, instant)
    offset_hours = instant.utcoffset() if instant is not None else None
    if m.group("today") and offset_hours is not None and offset_hours >= timedelta(hours=5):
        return _asian_today(m, published, instant)
    if m.group("yesterday") or m.group("overnight"):
        offset = 1
    elif m.group("before_yesterday"):
        offset = 2
    elif m.group("today"):
        offset = 0
    else:
        weekday = _weekday(m)
        monday = published - timedelta(days=published.weekday())
        if m.group("zhweek") == "上" and published.weekday() >= 5 and weekday < 5:
            # 上周五 in a weekend paper: the trading week just ended (its Friday, yesterday)
            day = monday + timedelta(days=weekday)
        elif m.group("zhweek") == "上":  # 上周五: Friday of the previous calendar week
            day = monday - timedelta(days=7) + timedelta(days=weekday)
        elif m.group("zhweek"):  # 本周, 这周
            day = monday + timedelta(days=weekday)
        elif m.group("enday") and weekday == published.weekday() and not _LAST.match(text):
            # "on Thursday" in a story of a Thursday whose hour is unknown: that day (a week
            # back would be "last Thursday"); the verifier also reads the session before it
            return DateMention(
                *m.span(),
                published,
                "previous",
                f"'{text}' = the publication day {published} itself (publication time unknown)",
            )
        else:  # 周一, on Monday, last Friday: the latest such weekday before publication
            day = published - timedelta(days=(published.weekday() - weekday) % 7 or 7)
            return DateMention(
                *m.span(),
                day,
                "previous",
                f"'{text}' = the latest such day before publication {published}"
                " (publication time unknown)",
            )
        return DateMention(*m.span(), day, "previous", f"'{text}' before publication {published}")
    day = published - timedelta(days=offset)
    return DateMention(*m.span(), day, "previous", f"'{text}' from publication {published}")


def _closed_relative(m: re.Match[str], sentence: str, instant: datetime) -> DateMention:
    """A weekday, 昨日 or "overnight" from the moment of publication, in the publisher's zone:
    the last session of the figure's exchange that had closed by then (XNYS until the claim's
    exchange is known)."""
    text, local = m.group(), instant.date()
    if m.group("overnight"):
        resolve = _bound(last_closed_session, local, instant)
    elif m.group("yesterday") or m.group("before_yesterday"):
        back = 1 if m.group("yesterday") else 2
        resolve = _bound(last_closed_session, local - timedelta(days=back), instant)
    else:
        back = (local.weekday() - _weekday(m)) % 7
        if not back and (m.group("enweek") or "").lower() in ("last", "past"):
            back = 7  # "last Friday" in a Friday story is the week before
        latest = local - timedelta(days=back)
        live = INTRADAY.search(sentence) is not None

        def resolve(exchange: str) -> tuple[date | None, str]:
            return weekday_session(latest, exchange, instant, live)

    def per_exchange(exchange: str) -> tuple[date | None, str]:
        day, note = resolve(exchange)
        return day, f"'{text}' from publication {instant.isoformat()}: {note}"

    day, note = per_exchange("XNYS")
    return DateMention(*m.span(), day, "previous", note, per_exchange=per_exchange)


def _bound(
    rule: Callable[[date, str, datetime], tuple[date | None, str]], day: date, instant: datetime
) -> Callable[[str], tuple[date | None, str]]:
    return lambda exchange: rule(day, exchange, instant)


def _is_stamp(sentence: str, mention: DateMention) -> bool:
    """A byline or update stamp: "Friday, January 26, 2024 7:30 AM", "Published Tue, Jan 28"."""
    before = sentence[max(0, mention.start - 40) : mention.start]
    return bool(
        _CLOCK_AFTER.match(sentence[mention.end : mention.end + 12])
        or _BYLINE_BEFORE.search(before)
    )


def _role(sentence: str, mention: DateMention, earlier: Sequence[DateMention]) -> str:
    """ "side" for a bound or comparison, "event" for another event's day, else "figure"."""
    clauses = split_clauses(sentence)
    clause = clauses[clause_index(clauses, mention.start)]
    before = sentence[max(clause[0], mention.start - 40) : mention.start]
    after = sentence[mention.end : mention.end + 12]
    if _SIDE_BEFORE.search(before) or _SIDE_AFTER.match(after) or _BYLINE_BEFORE.search(before):
        return "side"
    if _RANGE_END.search(before) and any(m.role == "side" for m in earlier):
        return "side"  # "from Jan. 2 to Feb. 16": the other end of the span
    if _EVENT_BEFORE.search(before) or _EVENT_AFTER.match(after):
        return "event"
    return "figure"


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
    return [
        (d.start, d.day)
        for d in mentions
        if d.day is not None and not d.derived and d.role != "side"
    ]


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


# "本港时间1月28日", "北京时间周二": a day on an Asian clock, while a US session runs from the
# evening of one such day to the early morning of the next; either may be the figure's session
_ASIAN_CLOCK = re.compile(
    r"(?:本港|香港|北京|台北|台湾|新加坡|大马|马来西亚|吉隆坡)时间\s*$"
    # a wire dateline from an Asian city: "SINGAPORE, Jan 28", "HONG KONG (Jan 28)"
    r"|^\W*(?:SINGAPORE|HONG KONG|TAIPEI|BEIJING|SHANGHAI|SHENZHEN|TOKYO|SEOUL|KUALA LUMPUR"
    r"|MUMBAI|NEW DELHI|BENGALURU|BANGALORE|SYDNEY|MELBOURNE|Singapore|Hong Kong|Taipei|Tokyo"
    r"|Mumbai|Sydney)[\s,(:-]*$"
)
ASIAN_LOCAL_DATE = "a day in Asian local time"
_US_EXCHANGES = frozenset({"XNYS", "XNAS"})
_LAST = re.compile(r"(?:last|previous|上)", re.I)


def _asian_today(m: re.Match[str], published: date, instant: datetime | None) -> DateMention:
    """今天 in an Asian page: that day on the Asian clock. A US close of "today" is the session
    that ended that Asian morning (the last one closed by publication); elsewhere, the day."""
    text = m.group()
    note = f"'{text}' = {published} on the publisher's clock, {ASIAN_LOCAL_DATE}"

    def per_exchange(exchange: str) -> tuple[date | None, str]:
        if exchange in _US_EXCHANGES and instant is not None:
            session, how = last_closed_session(published, exchange, instant)
            return session, f"{note}: the last {exchange} session closed by publication; {how}"
        session, how = to_session(published, exchange, "previous")
        return session, f"{note}; {how}"

    return DateMention(*m.span(), published, "previous", note, per_exchange=per_exchange)


def _on_asian_clock(mention: DateMention) -> DateMention:
    """本港时间1月28日: a day on an Asian clock. A US session ends in the early morning of the
    next Asian day, so a US figure under that day is most plausibly of the session that ended
    that morning (the verifier also reads the neighbouring one: the note says why)."""
    local, note = mention.day, f"{mention.note}, {ASIAN_LOCAL_DATE}"
    if local is None:
        return replace(mention, note=note)

    def per_exchange(exchange: str) -> tuple[date | None, str]:
        if exchange in _US_EXCHANGES:
            session, how = to_session(local - timedelta(days=1), exchange, "previous")
            return session, f"{note}: the {exchange} session that ended that morning; {how}"
        session, how = to_session(local, exchange, "previous")
        return session, f"{note}; {how}"

    return replace(mention, note=note, per_exchange=per_exchange)


def find_dates(
    sentence: str,
    published: date | None,
    events: Sequence[CalendarEvent] = (),
    anchor: Anchor | None = None,
    instant: datetime | None = None,
) -> list[DateMention]:
    """Every date mention of one sentence, in order, each resolved or with the reason it is not;
    `anchor` is what earlier sentences give "the next day" to count from; `instant`, the aware
    moment of publication, when known (then `published` is its local day)."""
    found: list[DateMention] = []
    taken = [False] * len(sentence)

    def add(mention: DateMention) -> None:
        """Keep a mention unless an earlier, stronger pattern already took its text."""
        if not any(taken[mention.start : mention.end]):
            taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
            earlier = sorted((f for f in found if f.start < mention.start), key=lambda f: f.start)
            text = sentence[mention.start : mention.end]
            found.append(replace(mention, text=text, role=_role(sentence, mention, earlier)))

    for pattern in _ABSOLUTE:
        for m in pattern.finditer(sentence):
            mention = _absolute(m, published)
            if _ASIAN_CLOCK.search(sentence[: m.start()]):
                mention = _on_asian_clock(mention)
            add(mention)
    for pattern in _MONTH_ONLY:
        for m in pattern.finditer(sentence):
            add(DateMention(*m.span(), None, "previous", f"'{m.group()}' {MONTH_ONLY_NOTE}"))
            if found and found[-1].start == m.start() and found[-1].role == "event":
                # "在2022年2月业绩暴雷时曾蒸发…": the month is the figure's, whatever the event
                found[-1] = replace(found[-1], role="figure")
    absolute = list(found)
    for m in _RELATIVE.finditer(sentence):
        mention = _relative(m, sentence, published, instant)
        # "on Tuesday, Feb. 20" / "周二（2月20日）": the weekday names the stated date.
        stated_or_stamp = [o for o in absolute if o.role != "side" or _is_stamp(sentence, o)]
        if not any(_beside(sentence, mention, o) for o in stated_or_stamp):
            add(mention)
    stated = _stated(sorted(found, key=lambda d: d.start))
    named = keyword_spans(sentence, events)
    for m in _ANCHORED.finditer(sentence):
        add(_anchored(m, sentence, stated, named, anchor))
    return sorted(found, key=lambda d: d.start)
