"""Date mentions, the events calendar and the move onto trading sessions."""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsdesk.extract.dates import (
    Anchor,
    CalendarEvent,
    find_dates,
    load_calendar_events,
    sentence_anchor,
)
from newsdesk.extract.sessions import (
    closed_by,
    last_closed_session,
    latest_session,
    to_session,
)

EVENTS_CSV = Path(__file__).resolve().parents[1] / "sql" / "events.csv"
SORA = CalendarEvent("sora", date(2024, 2, 15), "OpenAI", "Sora shown", ("Sora", "OpenAI Sora"))
TUESDAY = date(2024, 2, 20)


@pytest.mark.parametrize(
    ("text", "published", "day", "snap"),
    [
        ("2024年2月16日，股价下跌", TUESDAY, date(2024, 2, 16), "previous"),
        ("2月16日股价下跌", TUESDAY, date(2024, 2, 16), "previous"),
        ("12月29日股价下跌", date(2024, 1, 5), date(2023, 12, 29), "previous"),
        ("Shares fell on Feb. 16", TUESDAY, date(2024, 2, 16), "previous"),
        ("Shares fell on February 16, 2023", TUESDAY, date(2023, 2, 16), "previous"),
        ("Shares fell on 16 February", TUESDAY, date(2024, 2, 16), "previous"),
        ("2024-02-16 close", TUESDAY, date(2024, 2, 16), "previous"),
        ("当地时间16日", TUESDAY, date(2024, 2, 16), "previous"),
        ("昨日收盘", TUESDAY, date(2024, 2, 19), "previous"),
        ("昨天", TUESDAY, date(2024, 2, 19), "previous"),
        ("shares fell yesterday", TUESDAY, date(2024, 2, 19), "previous"),
        ("前天", TUESDAY, date(2024, 2, 18), "previous"),
        ("周一", TUESDAY, date(2024, 2, 19), "previous"),
        ("星期五", TUESDAY, date(2024, 2, 16), "previous"),
        ("周二", TUESDAY, date(2024, 2, 13), "previous"),  # strictly before publication
        ("上周五", TUESDAY, date(2024, 2, 16), "previous"),  # previous calendar week
        # in a weekend paper: the trading week just ended, news of a week back being rare
        ("上周五", date(2024, 2, 17), date(2024, 2, 16), "previous"),
        ("上周五", date(2024, 2, 23), date(2024, 2, 16), "previous"),  # a Friday paper
        ("周五", date(2024, 2, 17), date(2024, 2, 16), "previous"),
        ("on Friday", TUESDAY, date(2024, 2, 16), "previous"),
        ("Sora发布的次日", TUESDAY, date(2024, 2, 16), "next"),
        ("the day after OpenAI unveiled Sora", TUESDAY, date(2024, 2, 16), "next"),
        ("Sora发布当天", TUESDAY, date(2024, 2, 15), "next"),
        ("2月15日OpenAI发布新模型，次日", TUESDAY, date(2024, 2, 16), "next"),
    ],
)
def test_find_dates(text: str, published: date, day: date, snap: str) -> None:
    mention = find_dates(text, published, [SORA])[-1]
    assert (mention.day, mention.snap) == (day, snap)
    assert mention.note


@pytest.mark.parametrize(
    ("text", "published", "reason"),
    [
        ("次日，Adobe股价下跌", TUESDAY, "no event or date"),
        ("2月16日", None, "no year"),
        ("昨日", None, "publication date"),
        ("2月30日", TUESDAY, "not a valid date"),
    ],
)
def test_unresolvable_dates_say_why(text: str, published: date | None, reason: str) -> None:
    [mention] = find_dates(text, published, [SORA])
    assert mention.day is None and reason in mention.note


EARLIER = Anchor(date(2024, 2, 15), "the date stated earlier (2024-02-15)")


@pytest.mark.parametrize(
    ("text", "day", "snap"),
    [
        ("On the first trading day after the demo, Adobe fell", date(2024, 2, 16), "next"),
        ("the next session after the unveiling", date(2024, 2, 16), "next"),
        ("The day after the launch, shares fell", date(2024, 2, 16), "next"),
        ("A day after its announcement, shares fell", date(2024, 2, 16), "next"),
        ("The next day, shares fell", date(2024, 2, 16), "next"),
        ("The following day, shares fell", date(2024, 2, 16), "next"),
        ("A day later, shares fell", date(2024, 2, 16), "next"),
        ("次日，Adobe股价下跌", date(2024, 2, 16), "next"),
        ("第二天，Adobe股价下跌", date(2024, 2, 16), "next"),
        ("翌日", date(2024, 2, 16), "next"),
        ("隔天", date(2024, 2, 16), "next"),
        ("发布次日", date(2024, 2, 16), "next"),
        ("发布后的第一个交易日", date(2024, 2, 16), "next"),
        ("The day before the release, shares rose", date(2024, 2, 14), "previous"),
        ("当天，Adobe股价下跌", date(2024, 2, 15), "next"),
    ],
)
def test_anchored_dates_count_from_the_anchor_stated_earlier(
    text: str, day: date, snap: str
) -> None:
    mention = find_dates(text, TUESDAY, [SORA], EARLIER)[-1]
    assert (mention.day, mention.snap) == (day, snap)
    assert "the date stated earlier (2024-02-15)" in mention.note and mention.derived


def test_counting_sessions_is_said_in_the_note() -> None:
    [mention] = find_dates("On the first trading day after the demo", TUESDAY, [], EARLIER)
    assert "first session after the date stated earlier (2024-02-15)" in mention.note
    assert mention.note.startswith("'the first trading day after the demo'")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Sora发布次日，Adobe股价下跌", date(2024, 2, 16)),  # the event in its clause wins
        ("2月10日发布，次日股价下跌", date(2024, 2, 11)),  # a date earlier in the sentence wins
        ("OpenAI发布了Sora，次日Adobe股价下跌", date(2024, 2, 16)),  # an event in an earlier clause
    ],
)
def test_the_nearest_anchor_wins_over_the_article_anchor(text: str, day: date) -> None:
    far = Anchor(date(2024, 1, 2), "the date stated earlier (2024-01-02)")
    assert find_dates(text, TUESDAY, [SORA], far)[-1].day == day


@pytest.mark.parametrize(
    ("text", "day", "label"),
    [
        ("OpenAI's preview of Sora on February 15 worried investors", date(2024, 2, 15), "date"),
        ("2月15日，OpenAI展示了新模型", date(2024, 2, 15), "date"),
        ("OpenAI对外展示了Sora", date(2024, 2, 15), "event sora"),
        ("Sora发布次日，Adobe下跌", date(2024, 2, 15), "event sora"),  # 次日 is not an anchor
        ("Analysts discussed Sora on Feb. 19", date(2024, 2, 19), "date"),  # the date wins
        ("昨日分析师讨论了Sora", date(2024, 2, 19), "date"),
    ],
)
def test_sentence_anchor(text: str, day: date, label: str) -> None:
    anchor = sentence_anchor(text, find_dates(text, TUESDAY, [SORA]), [SORA])
    assert anchor is not None and anchor.day == day and label in anchor.label


CLAUDE_3 = CalendarEvent("claude-3", date(2024, 3, 4), "Anthropic", "Claude 3", ("Claude 3",))
CLAUDE_3_5 = CalendarEvent(
    "claude-3-5-sonnet", date(2024, 6, 20), "Anthropic", "Claude 3.5", ("Claude 3.5 Sonnet",)
)


@pytest.mark.parametrize("events", [[CLAUDE_3, CLAUDE_3_5], [CLAUDE_3_5, CLAUDE_3]])
def test_the_longest_event_keyword_wins(events: list[CalendarEvent]) -> None:
    # "Claude 3" also matches inside "Claude 3.5 Sonnet" (a dot is no word character)
    text = "Claude 3.5 Sonnet发布次日，Adobe股价下跌"
    [mention] = find_dates(text, date(2024, 7, 1), events)
    assert mention.day == date(2024, 6, 21) and "claude-3-5-sonnet" in mention.note
    anchor = sentence_anchor(text, [mention], events)
    assert anchor is not None and anchor.day == date(2024, 6, 20)


def test_a_sentence_without_date_or_event_has_no_anchor() -> None:
    text = "Adobe shares fell the next day"
    assert sentence_anchor(text, find_dates(text, TUESDAY, [SORA]), [SORA]) is None


def test_no_dates() -> None:
    assert find_dates("Adobe股价暴跌超7%", TUESDAY, [SORA]) == []


@pytest.mark.parametrize(
    ("day", "snap", "session"),
    [
        (date(2024, 2, 16), "next", date(2024, 2, 16)),  # a session stays
        (date(2024, 2, 17), "next", date(2024, 2, 20)),  # Saturday; Monday is Presidents Day
        (date(2024, 2, 19), "previous", date(2024, 2, 16)),
        (date(2025, 1, 27), "previous", date(2025, 1, 27)),
    ],
)
def test_to_session(day: date, snap: str, session: date) -> None:
    assert to_session(day, "XNYS", snap)[0] == session


def test_to_session_out_of_calendar_range_is_none_with_reason() -> None:
    session, note = to_session(date(1990, 1, 2), "XNYS", "next")
    assert session is None and "1990-01-02" in note


@pytest.mark.parametrize(
    ("published", "session"),
    [
        (date(2024, 2, 20), date(2024, 2, 20)),
        (date(2024, 2, 17), date(2024, 2, 16)),  # Saturday: Friday is one day before
        (date(2024, 2, 18), None),  # Sunday: Friday is two days before
        (date(2024, 2, 19), None),  # a holiday after a weekend
    ],
)
def test_latest_session_only_within_a_day(published: date, session: date | None) -> None:
    found, note = latest_session(published, "XNYS")
    assert found == session and note


def test_events_calendar_holds_the_reference_events() -> None:
    events = {e.event_id: e for e in load_calendar_events(EVENTS_CSV)}
    expected = {
        "sora": date(2024, 2, 15),
        "lumiere": date(2024, 1, 23),
        "deepseek-r1": date(2025, 1, 20),
        "chatgpt-launch": date(2022, 11, 30),
        "gpt-4": date(2023, 3, 14),
        "gemini": date(2023, 12, 6),
        "nvda-split-2024": date(2024, 6, 10),
        "llama-3": date(2024, 4, 18),
        "gpt-4o": date(2024, 5, 13),
        "claude-3": date(2024, 3, 4),
    }
    assert {k: events[k].event_date for k in expected} == expected
    assert len(events) >= 20
    assert "Sora" in events["sora"].keywords and events["sora"].entity == "OpenAI"
    assert all(e.keywords and e.title and e.event_type for e in events.values())
    # a keyword listed under two events names neither: nothing could tell which one is meant
    keywords = [k for e in events.values() for k in e.keywords]
    assert len(keywords) == len(set(keywords))


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("英伟达拆股次日，股价上涨", date(2024, 6, 11)),
        ("The day after the Nvidia stock split, shares rose", date(2024, 6, 11)),
        ("The day after the Nvidia 4-for-1 split took effect, shares rose", date(2021, 7, 21)),
    ],
)
def test_each_nvidia_split_is_named_by_its_own_keywords(text: str, day: date) -> None:
    events = load_calendar_events(EVENTS_CSV)
    assert find_dates(text, date(2024, 6, 20), events)[-1].day == day


@pytest.mark.parametrize(
    "sentence",
    ["Nvidia shares slid 3.2% on Tuesday, Feb. 20, as traders took profits.",
     "英伟达股价周二（2月20日）下跌3.2%。"],
)  # fmt: skip
def test_a_weekday_beside_a_stated_date_names_that_date(sentence: str) -> None:
    assert [m.day for m in find_dates(sentence, TUESDAY)] == [date(2024, 2, 20)]


# --- weekdays, 昨日 and "overnight" from the moment of publication, in the publisher's zone ---

HKT, IST, NY = (timezone(timedelta(hours=h, minutes=m)) for h, m in ((8, 0), (5, 30), (-5, 0)))


@pytest.mark.parametrize(
    ("text", "instant", "day"),
    [
        # Tuesday 08:00 in Hong Kong: New York's Monday closed at 05:00, Tuesday has not opened
        ("周一英伟达股价下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("週一輝達股價下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("星期一英伟达股价下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("昨日英伟达股价下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("昨天英伟达股价下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("隔夜美股英伟达下跌17%", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("Nvidia lost 17% overnight", datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),
        # Friday 05:30 in Mumbai: Thursday's New York session closed at 02:30 IST
        ("Nvidia jumped 16.4% on Thursday", datetime(2024, 2, 23, 5, 30, tzinfo=IST),
         date(2024, 2, 22)),
        # the publication day itself counts once its session has closed
        ("Nvidia fell 17% on Monday", datetime(2025, 1, 27, 20, 0, tzinfo=NY), date(2025, 1, 27)),
        # ... and not before: a Monday-morning story's closing figure "on Monday" is last week's
        ("周一英伟达收跌3%", datetime(2025, 2, 3, 21, 6, tzinfo=HKT), date(2025, 1, 27)),
        # ... unless the figure is live: pre-market on the publication day
        ("Nvidia was indicated 11% lower in pre-market trading on Monday",
         datetime(2025, 1, 27, 21, 0, tzinfo=HKT), date(2025, 1, 27)),
        ("Nvidia fell 5.5% last Friday", datetime(2024, 3, 8, 18, 0, tzinfo=NY),
         date(2024, 3, 1)),
        ("Nvidia fell 5.5% last Friday", datetime(2024, 3, 11, 8, 0, tzinfo=NY),
         date(2024, 3, 8)),
        # yesterday in New York on a Tuesday morning
        ("Tesla fell 3% yesterday", datetime(2024, 1, 30, 7, 0, tzinfo=NY), date(2024, 1, 29)),
        # a holiday Monday: the session before it (2024-02-19 was Presidents Day)
        ("周一股价下跌", datetime(2024, 2, 20, 8, 0, tzinfo=HKT), date(2024, 2, 16)),
    ],
)  # fmt: skip
def test_relative_days_resolve_against_the_sessions_closed_at_publication(
    text: str, instant: datetime, day: date
) -> None:
    [mention] = find_dates(text, instant.date(), [], None, instant)
    assert mention.day == day, mention.note
    assert mention.per_exchange is not None and mention.per_exchange("XNYS")[0] == day
    assert instant.isoformat() in mention.note


def test_a_weekday_resolves_on_the_figures_own_exchange() -> None:
    # Tokyo closed at 15:00 JST (14:00 HKT) on Monday 2-19: a Hong Kong page at 16:00 has it
    instant = datetime(2024, 2, 19, 16, 0, tzinfo=HKT)
    [mention] = find_dates("周一索尼股价下跌3%", instant.date(), [], None, instant)
    assert mention.per_exchange is not None
    assert mention.per_exchange("XTKS")[0] == date(2024, 2, 19)
    assert mention.per_exchange("XNYS")[0] == date(2024, 2, 12)  # New York not open yet


def test_without_a_publication_time_the_weekday_rule_is_the_latest_before_the_day() -> None:
    [mention] = find_dates("周一英伟达股价下跌17%", date(2025, 1, 28))
    assert mention.day == date(2025, 1, 27) and mention.per_exchange is None
    assert "publication time unknown" in mention.note
    [monday] = find_dates("Nvidia fell 17% on Friday", date(2025, 1, 27))
    assert monday.day == date(2025, 1, 24)  # strictly before the publication day
    # but "on Monday" in a Monday story of unknown hour is that day; "last Monday" is not
    [today] = find_dates("Nvidia fell 17% on Monday", date(2025, 1, 27))
    assert today.day == date(2025, 1, 27) and "publication day" in today.note
    [last] = find_dates("Nvidia fell 17% last Monday", date(2025, 1, 27))
    assert last.day == date(2025, 1, 20)


def test_a_byline_stamp_is_no_figure_date_and_an_asian_dateline_is_an_asian_day() -> None:
    [stamp] = find_dates("Published Tue, Jan 28, 2025 · 07:45 AM", date(2025, 1, 28))
    assert stamp.role == "side"
    [line] = find_dates("SINGAPORE, Jan 28, 2025 - Nvidia sank 17%", date(2025, 1, 28))
    assert line.per_exchange is not None
    assert line.per_exchange("XNYS")[0] == date(2025, 1, 27)  # the session that ended that morning


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("Adobe fell 7% (February 16), hitting a new low since November 1 last year",
         ["figure", "side"]),
        ("英伟达股价创自去年11月1日以来最大跌幅", ["side"]),
        ("英伟达股价创2023年11月1日以来最大跌幅", ["side"]),
        ("Shares rose 20% from Jan. 2 to Feb. 16", ["side", "side"]),
        ("the lowest close since Jan. 5", ["side"]),
        ("较1月2日上涨20%", ["side"]),
        ("截至2月16日收盘，Adobe下跌7%", ["figure"]),  # 截至 = as of: the figure's day
        ("ahead of earnings due on Feb. 28", ["event"]),
        ("英伟达将于2月21日公布财报", ["event"]),
        ("超过Meta在2月2日创下的纪录", ["event"]),
        ("Meta, which reports results on Wednesday, rose 1.9%", ["event"]),
        ("特斯拉周三盘后公布的财报显示", ["event"]),
        ("记者 韩清远2024-02-23 08:15 来源：潮涌新闻", ["side"]),  # a byline stamp
        ("On January 27, 2025, DeepSeek punctured the AI trade", ["figure"]),
    ],
)  # fmt: skip
def test_bounds_and_other_events_are_not_the_figures_date(text: str, roles: list[str]) -> None:
    assert [m.role for m in find_dates(text, date(2025, 2, 3))] == roles


def test_a_bound_is_no_anchor_for_the_same_day() -> None:
    text = "Adobe hit a low not seen since November 1 last year. The same day, Shutterstock fell."
    mentions = find_dates(text, date(2024, 2, 19))
    assert sentence_anchor(text, mentions, []) is None


@pytest.mark.parametrize(
    ("day", "instant", "closed"),
    [
        (date(2025, 1, 27), datetime(2025, 1, 28, 5, 0, tzinfo=HKT), True),  # 16:00 New York
        (date(2025, 1, 27), datetime(2025, 1, 28, 4, 59, tzinfo=HKT), False),
        (date(2024, 2, 19), datetime(2024, 2, 19, 16, 0, tzinfo=NY), True),  # holiday: at 16:00
        (date(2024, 11, 29), datetime(2024, 11, 29, 13, 30, tzinfo=NY), True),  # early close
    ],
)
def test_closed_by(day: date, instant: datetime, closed: bool) -> None:
    assert closed_by(day, "XNYS", instant) is closed


@pytest.mark.parametrize(
    ("instant", "session"),
    [
        (datetime(2025, 1, 28, 8, 0, tzinfo=HKT), date(2025, 1, 27)),  # before New York opens
        (datetime(2025, 1, 27, 11, 0, tzinfo=NY), date(2025, 1, 27)),  # a session in progress
        (datetime(2024, 2, 20, 8, 0, tzinfo=NY), None),  # Friday: holiday Monday between
    ],
)
def test_latest_session_with_the_moment_of_publication(
    instant: datetime, session: date | None
) -> None:
    found, note = latest_session(instant.date(), "XNYS", instant)
    assert found == session and note


def test_last_closed_session() -> None:
    instant = datetime(2025, 1, 28, 4, 0, tzinfo=HKT)  # Monday's New York session still open
    assert last_closed_session(date(2025, 1, 27), "XNYS", instant)[0] == date(2025, 1, 24)


def test_a_week_ago_is_seven_days_back_and_that_same_day_is_an_anchor() -> None:
    [week] = find_dates("The stock's 17% plunge a week ago today", date(2025, 2, 3))
    assert week.day == date(2025, 1, 27)
    [same] = find_dates("Broadcom shed 21% that same day", date(2025, 2, 3))
    assert "that same day" in same.note or same.text == "that same day"


def test_a_weekday_whose_session_is_trading_at_publication_is_that_day() -> None:
    # 13:05 New York on Tuesday: "on Tuesday" is the session under way, not a week back
    instant = datetime(2025, 1, 28, 13, 5, tzinfo=timezone(timedelta(hours=-5)))
    [mention] = find_dates("Nvidia was higher on Tuesday", instant.date(), [], None, instant)
    assert mention.per_exchange is not None
    assert mention.per_exchange("XNYS")[0] == date(2025, 1, 28)


def test_a_weekday_in_a_byline_stamp_is_no_figure_date() -> None:
    stamp = "Friday, January 26, 2024 7:30 AM"
    assert [m.role for m in find_dates(stamp, date(2024, 1, 26))] == ["side"]
