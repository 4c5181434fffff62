"""One sentence read once (masked text, clauses, names, dates, figures) and its dating rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from newsdesk.extract import lexicon
from newsdesk.extract.claim import Claim
from newsdesk.extract.dates import (
    ASIAN_LOCAL_DATE,
    MONTH_ONLY_NOTE,
    Anchor,
    CalendarEvent,
    DateMention,
    find_dates,
    non_figure_spans,
    sentence_anchor,
)
from newsdesk.extract.entities import AliasIndex
from newsdesk.extract.numbers import Figure, find_figures
from newsdesk.extract.sentences import clause_index, split_clauses
from newsdesk.extract.sessions import last_closed_session, latest_session, to_session

# how a headline's date is noted (the verifier then also reads the neighbouring sessions)
LEAD_NOTE = "the first day the article states"


@dataclass
class ArticleContext:
    """What one sentence passes to the next.

    `published` is the publisher's local day of publication; `instant` the aware moment, when
    the page gives its time and zone (weekdays and 昨日 then resolve to the last session closed
    by it). `carried` is the last date stated as a figure's day in an earlier sentence: a market
    figure in a sentence without a date of its own refers to it.
    """

    article_id: str
    published: date | None
    aliases: AliasIndex
    events: Sequence[CalendarEvent]
    exchange_of: Callable[[str], str]
    named: list[str] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)  # every name so far, for "the chipmaker"
    moved: list[str] = field(default_factory=list)
    mention: DateMention | None = None
    valuations: list[Claim] = field(default_factory=list)
    anchor: Anchor | None = None  # the latest date or event stated so far, for "the next day"
    instant: datetime | None = None
    carried: DateMention | None = None
    lead: DateMention | None = None  # the first day the article states, for headlines above it

    def carry(self, governing: Sequence[DateMention], *, heading: bool = False) -> None:
        """After a sentence that states `governing` dates, what later market figures inherit: its
        last stated date (a counted one, 次日, only if it states no other), unless that goes back
        before the date carried so far — a look back ("该股上周五已收跌3.12%") dates its own
        sentence and the story's day stays. A `heading` (a sentence with no figure: a live
        blog's "本港時間1月27日") always restarts the day."""
        # a month without a day ("in September 2024") dates its own figure only
        governing = [m for m in governing if MONTH_ONLY_NOTE not in m.note]
        stated = [m for m in governing if not m.derived] or list(governing)
        if not stated:
            return
        # the story's first stated day stands in until one is carried (a look back from it
        # to an older event, "twice the $279 billion it lost on September 3, 2024", stays put)
        latest, carried = stated[-1], self.carried or self.lead
        stamp = (
            heading
            and latest.day is not None
            and latest.day == self.published
            and ASIAN_LOCAL_DATE not in latest.note
        )
        if stamp:
            return  # a line that is only the publication day is the page's stamp, not a head
        back = carried is not None and carried.day and latest.day and latest.day < carried.day
        if back and not heading:
            return
        self.carried = latest


def _masked(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(sentence)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _mention_for(
    mentions: Sequence[DateMention], clauses: list[tuple[int, int]], ci: int
) -> DateMention | None:
    """The date of clause `ci`: its own, else the nearest earlier clause's, else a later one's;
    a bound ("since November 1") or another event's day ("earnings due Feb. 28") never is."""
    mentions = [m for m in mentions if m.role == "figure"]
    by_clause = [
        [m for m in mentions if clause_index(clauses, m.start) == i] for i in range(len(clauses))
    ]
    order = [ci, *range(ci - 1, -1, -1), *range(ci + 1, len(clauses))]
    for i in order:
        if by_clause[i]:
            return by_clause[i][-1]
    return None


@dataclass
class Sentence:
    """One sentence, read once: masked text, clauses, names, dates and figures."""

    text: str
    masked: str
    clauses: list[tuple[int, int]]
    names: list[tuple[int, int, str]]
    mentions: list[DateMention]
    figures: list[Figure]
    anchor: Anchor | None = None  # this sentence's own anchor for later sentences
    claims: list[tuple[int, Claim]] = field(default_factory=list)

    def clause_of(self, pos: int) -> tuple[int, int]:
        """(start, end) of the clause holding `pos`."""
        return self.clauses[clause_index(self.clauses, pos)]

    def mention_at(self, pos: int) -> DateMention | None:
        """The date that governs the clause holding `pos`."""
        return _mention_for(self.mentions, self.clauses, clause_index(self.clauses, pos))

    def intraday_at(self, pos: int) -> bool:
        """Whether the clause holding `pos` speaks of an intraday or off-session move."""
        start, end = self.clause_of(pos)
        return lexicon.INTRADAY.search(self.text[start:end]) is not None


def read_sentence(text: str, art: ArticleContext) -> Sentence:
    """Mask dates and other non-figures, then find figures, names and clauses."""
    mentions = find_dates(text, art.published, art.events, art.anchor, art.instant)
    hidden = [(m.start, m.end) for m in mentions] + non_figure_spans(text)
    masked = _masked(text, hidden)
    figures = find_figures(masked, yen=lexicon.JAPAN.search(text) is not None)
    names = art.aliases.find(text)
    anchor = sentence_anchor(text, mentions, art.events)
    return Sentence(text, masked, split_clauses(text), names, mentions, figures, anchor)


def market_date(
    mention: DateMention | None,
    inherited: DateMention | None,
    subjects: list[str],
    art: ArticleContext,
) -> tuple[date | None, str]:
    """A market claim's session: stated or inherited date moved to a session, else the default."""
    exchange = art.exchange_of(subjects[0]) if subjects else "XNYS"
    prefix = ""
    if mention is None and inherited is not None:
        mention, prefix = inherited, "carried from the previous sentence's companies: "
    elif mention is None and art.carried is not None:
        mention = art.carried
        prefix = f"carried from '{mention.text}' in an earlier sentence: "
    elif mention is None and art.lead is not None:
        # a headline or lead above the story's date: the day the story goes on to state
        mention = art.lead
        prefix = f"{LEAD_NOTE}, '{mention.text}': "
    if mention is not None:
        if mention.per_exchange is not None:  # a weekday or 昨日 against the close
            session, note = mention.per_exchange(exchange)
            return session, prefix + note
        if mention.day is None:
            return None, prefix + mention.note
        session, note = to_session(mention.day, exchange, mention.snap)
        if session is None or art.published is None or session <= art.published:
            return session, f"{prefix}{mention.note}; {note}"
        # "fell 7.5% Wednesday, a day after the results" counted past the story's own day: a
        # story reports no session yet to come, so that count was not the figure's date
        prefix = f"'{mention.text}' would be {session}, after publication; "
        if art.carried is not None and art.carried is not mention and art.carried.day:
            carried, how = to_session(art.carried.day, exchange, art.carried.snap)
            return carried, f"{prefix}carried from '{art.carried.text}': {how}"
    if art.published is None:
        return None, "no date stated and no publication date"
    session, note = latest_session(art.published, exchange, art.instant)
    return session, prefix + note if mention is not None else note


def valuation_date(
    mention: DateMention | None, clause: str, subjects: list[str], art: ArticleContext
) -> tuple[date | None, str]:
    """A valuation's day: the stated one; else, for a market value (市值, market cap: a listed
    company's price on a session), the date carried from an earlier sentence or the last
    session closed at publication; else (估值, "valued at": a deal) the publication day."""
    if mention is not None:
        return mention.day, mention.note
    if lexicon.MARKET_CAP.search(clause) and subjects:
        exchange = art.exchange_of(subjects[0])
        if art.carried is not None:
            day, note = market_date(None, None, subjects, art)
            return day, f"market value; {note}"
        if art.instant is not None and art.published is not None:
            day, note = last_closed_session(art.published, exchange, art.instant)
            if day is not None:
                return day, f"no date stated; market value at the {note}"
    return art.published, "no date stated; valuation as of publication"


def plain_date(
    mention: DateMention | None, fallback: date | None, why: str
) -> tuple[date | None, str]:
    """The stated date as is (no session rule), else `fallback` with the reason `why`."""
    if mention is not None:
        return mention.day, mention.note
    return fallback, why
