"""Text → claims: the checkable figures an article states, by rules (no model), each explainable.

Pipeline, one sentence at a time (sentence → clauses → figures → classify → subjects → dates),
over the text converted to simplified characters of the same length (normalize.py), so claims
keep the page's own sentence and span while the rules read simplified Chinese:

1. sentences end on 。！？ and English sentence ends (not "Feb." or "U.S."); semicolons, commas,
   full-width colons and headline spaces (　) only split clauses, so a date or subject stated
   before them governs what follows ("Sora发布的次日，Adobe跌超7%；Shutterstock跌超5%");
2. figures — numerals in Arabic or Chinese (百分之七点五, 三千五百亿), with magnitudes (万, 亿,
   万亿, 千亿, thousand … trillion, k, mn, bn), percent, money (signs, words, ISO codes, whole
   units: 480亿美元 → 48000000000 USD; ¥ is CNY unless the sentence speaks of Japan), counts
   (40多个国家) and a qualifier (exact, about, over, nearly, under). Dates, times, years and ids
   (GPT-4, H100, file hashes) are masked first; lone Chinese digits (一天, 两大隐患), vague
   amounts (数十亿) and durations (不到十个月, three trading days, "less than 10 months") are
   not figures;
3. classify — a percent with a move word before it (跌, 重挫, 跳水, 骤增, fell, plummeted,
   skyrocketed …; traditional 漲/蒸發 too) or a move noun after it ("a 17% plunge", 跌幅达17%,
   "7.5%的单日跌幅"; a fall is negative) is a `price_move` unless the figure measures a metric:
   the metric is what moved ("revenue rose 12%", 营收同比增长12%) or what the figure is of ("a
   12% rise in revenue"), not a metric in a side phrase ("… after it warned that sales growth
   would slow"); money with a move word (before it, or "$589 billion of its market value
   evaporated") and 市值/market value/market-cap/蒸发/wipeout is a `market_cap_change` ("wiping
   out $589 billion in market value", "a $279 billion market-cap loss", 市值蒸发; a clause
   opening on a participle or "its" is about the sentence's company, "the company's market
   value" the previous sentence's); a move over several sessions (过去12个月, 今年以来, 年内,
   "in 2023", year-to-date, "since January") and a level crossed (突破, 跌破, topped, crossed,
   surpassing, "the $3 trillion mark") are `other`; money with 估值/valuation/valued/worth/
   "value the company at", or 市值 with no move or with a level reached ("dropped to $2.9
   trillion"), is a `valuation` (per-share prices, stakes and
   undated earlier valuations — 一年前, "a year ago" — are not; an amount after 从/from without
   a multiple is the earlier valuation and stays `other`); a multiple (增加了两倍 = ×3, 增加到两倍 =
   ×2, 翻番, doubled) in a sentence about valuations is a `valuation_change` whose `from_value`
   is the amount after 从/from, else the money figure just before the multiple when a valuation
   was stated before it ("估值达到800亿美元；…这一数字约为290亿美元，增加了将近两倍"), and whose
   `to_value` is the amount after 到/to or else the valuation stated just before, in the
   sentence or the previous one (with neither, e.g. "30倍估值", it is `other`); a sentence
   right after a valuation needs no 估值 of its own ("此前为290亿美元，增加了两倍") unless it
   names another company or speaks of results; an amount in
   another currency right after a first (约合人民币3500亿元, "(about ¥350 billion)") fills
   `counter_value` and adds a `currency_conversion`; every other figure is `other`.
   Ranges (跌5%至7%, 5-7%, "fell 5% to 7%") keep the first end as value and the other, with the
   same sign, in `range_end`; "fell 5% to $120" is a move and a level, not a range; a move word
   followed by 至/到/破/to makes its figure a level (跌破7000亿美元), not a move;
4. subjects — through the AliasIndex (longest alias wins): the last name before the figure, or
   the first after it in its clause. A name carries to later clauses of the sentence only across
   filler words (股价, 盘中一度, shares …), so an unknown company (京东) never inherits a known
   one's move; a move word with a name between it and the figure is ignored. "三家公司合计",
   "both companies", "together" name the companies with stated moves (else the mentions) just
   before, in the same or previous sentence; "A和B分别跌7%和5%" pairs names and figures in order;
   a valuation with no name in its sentence but "the company", "the firm", "it", 该公司, 其
   before its figure is the last company named in the previous sentence. "the chipmaker",
   这家芯片巨头, "its market value" … name the last company of that kind (subjects.py); English
   asides ("Broadcom, too, fell") are skipped; a company the index lacks ("Marvell Technology",
   美满电子) between a name and a move blocks the carry; "a 3.1% slide in the Nasdaq" is the
   index's;
5. dates — explicit (2月16日, Feb. 16; a missing year is the publication's, or the year before if
   that would be in the future), relative to publication, or counted from an anchor (次日,
   第二天, "the day after the demo", "the next day", "a day later" = anchor + 1; "the first
   trading day after" = the next session strictly after the anchor): a calendar event named in
   the same clause (Sora发布的次日), else the latest date or event stated earlier in the
   sentence, else in the article; a stated date beats an event named beside it, and a counted
   day is never an anchor itself. A date in one clause carries to the others in the sentence.
   Relative days need the publication: with its moment known (`published_at` aware; the page's
   time and zone, see newsdesk/extract/published.py), 周一/週一/星期一/"on Monday" is that weekday
   on or before the publisher's own day if its session on the figure's exchange had closed by
   then, else the week before (unless the figure is live, 盘前/pre-market/intraday: then that
   day), and 昨日/昨天/yesterday/隔夜/overnight is the last session closed by then — a Hong Kong
   wire of Tuesday 08:00 +08:00 saying 周一 means New York's Monday. With only the day known, a
   weekday is the latest one strictly before it and 昨日 the day before (the note says the time
   was unknown). 上周五 = Friday of the previous calendar week.
   Not every date is a figure's: bounds and comparisons (since, from … to, "lowest since",
   自…以来, 较) and the days of other events ("earnings due on Feb. 28", 将于…公布, "reports
   results on Wednesday", 在2月2日创下的纪录, a byline stamp "2024-02-23 08:15") never date a
   figure and are never carried (`DateMention.role`).
   Market claims then move to their exchange's session (exchange_calendars): the day itself if a
   session, else the next session for days counted after an event (次日, 当天) and the previous
   session otherwise. A market claim in a sentence without a date takes the date of the sentence
   its collective subject points back to, else the last date (not a bound, not another event's
   day) stated in an earlier sentence or paragraph (`date_note` "carried from '<date>' in an
   earlier sentence"; a date earlier than the one carried, "该股上周五已收跌3.12%", dates its own
   sentence only), else — when the article states no date at all — the last session on or
   before publication (the last one open by then, when its moment is known) if at most one
   calendar day before it, else None with the reason. Valuations default to the publication
   date, but a market value (市值, market cap) is dated like a market claim (carried, else the
   last session closed at publication); `other` figures keep a stated date or None. `date_note`
   says how, or why not.

Wire and digest idioms (docs/extraction.md): "fell 612 points, or 3.07%" is the index's move;
a sign written with the figure («▼英伟达 -16.97%», "Nvidia: -16.97%") is the move; a move word
inside a name ("Advanced Micro Devices") is none; "$X off its market value" is a loss; a
sentence naming no one right after one company's move is that company's; a head that is only a
date restarts the carried day; a day on an Asian clock (本港时间, "SINGAPORE, Jan 28") dates a
US close to the session that ended that morning; byline stamps are never a figure's date; a day
counted past publication is not a reported session.

Negated moves ("并未下跌", "did not fall") are kept as `other`, with the negation said in
`date_note`, never read as a move. `intraday` marks moves not from close to close (盘中, 一度,
盘前, 开盘, intraday, at one point, "in early trading", pre-market), read per figure ("fell as
much as 18% before closing down 17%": the 17% is the close). `counter_value` is the stated
amount, unsigned.
Not covered: moves stated without a figure; figures split across sentences; pronouns ("its
rival") beyond the carry and valuation rules; groups named by category ("五大科技股") rather
than by name; percentage points (kept as `other`); a weekday is the latest one before
publication, even in a story about an older week; "the next day" counts from the latest anchor
even when the story meant an older one; a carried date can be wrong after an undated change of
day ("Tuesday: Nvidia rebounded. On Monday it had fallen 17%. Broadcom fell 17%.").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from newsdesk.extract.changes import multiple_claim, plan_multiples
from newsdesk.extract.claim import Claim, claim_id
from newsdesk.extract.classify import conversion_claim, conversion_parent, figure_claim
from newsdesk.extract.dates import CalendarEvent, DateMention, find_dates
from newsdesk.extract.entities import AliasIndex
from newsdesk.extract.multiples import find_multiples
from newsdesk.extract.normalize import to_simplified
from newsdesk.extract.reading import ArticleContext, Sentence, read_sentence
from newsdesk.extract.sentences import split_sentences
from newsdesk.extract.subjects import with_descriptors

__all__ = ["Claim", "claim_id", "extract_claims"]


def _sentence_claims(text: str, art: ArticleContext) -> list[Claim]:
    s = read_sentence(text, art)
    s.names = with_descriptors(text, s.names, art.mentioned, art.aliases.kinds)
    multiples = find_multiples(s.masked)
    # the previous sentence's valuation may be what this one's multiple grew to, unless this
    # sentence names another company
    valued = {subject for c in art.valuations for subject in c.subjects}
    follows = bool(valued) and {n[2] for n in s.names} <= valued
    plans = plan_multiples(s.figures, s.masked, multiples, follows)
    consumed = {plan[0] for plan in plans if plan is not None and plan[0] is not None}
    by_figure: dict[int, Claim] = {}
    for i, fig in enumerate(s.figures):
        if i in consumed:
            continue  # the "from" valuation of a valuation_change lives in that claim
        parent = conversion_parent(s.figures, i, s.masked)
        if parent is not None and parent in by_figure:
            claim = conversion_claim(art, s, by_figure[parent], fig, s.figures[parent])
        else:
            claim = by_figure[i] = figure_claim(art, s, i)
        s.claims.append((fig.start, claim))
    for mult, plan in zip(multiples, plans, strict=True):
        s.claims.append((mult.start, multiple_claim(art, s, mult, plan)))
    claims = [c for _, c in sorted(s.claims, key=lambda pc: pc[0])]
    for n, claim in enumerate(claims):
        claim.claim_id = claim_id(art.article_id, text, n)
    _remember(art, s, claims)
    return claims


def _remember(art: ArticleContext, s: Sentence, claims: list[Claim]) -> None:
    """Keep what the next sentence may point back to ("三家公司", the valuation just stated)."""
    art.named = [n[2] for n in s.names]
    art.mentioned.extend(art.named)
    art.moved = [c.subjects[0] for c in claims if c.claim_type == "price_move"]
    governing = [m for m in s.mentions if m.role == "figure"]
    art.mention = next((m for m in governing if m.day is not None), None)
    art.valuations = [c for c in claims if c.claim_type == "valuation"]
    art.anchor = s.anchor or art.anchor
    # a sentence that is only its date (a section head, "本港時間1月27日") restarts the day
    art.carry(governing, heading=not s.figures)


def extract_claims(
    text: str,
    *,
    article_id: str,
    published_at: datetime | None,
    aliases: AliasIndex,
    events: Sequence[CalendarEvent] = (),
    exchange_of: Callable[[str], str] | None = None,
) -> list[Claim]:
    """Every checkable figure `text` states, as claims in reading order; `published_at` aware
    when the time and zone of publication are known (Article.published_instant), else naive
    (only its day counts)."""
    art = ArticleContext(
        article_id=article_id,
        published=published_at.date() if published_at else None,
        instant=published_at if published_at and published_at.tzinfo else None,
        aliases=aliases,
        events=events,
        exchange_of=exchange_of or (lambda _symbol: "XNYS"),
    )
    # the rules read simplified characters; claims keep the page's own (same offsets)
    lookup = to_simplified(text)
    sentences = split_sentences(lookup)
    art.lead = _first_stated_day(lookup, sentences, art)
    claims: list[Claim] = []
    for start, end in sentences:
        found = _sentence_claims(lookup[start:end], art)
        claims.extend(_in_page_script(found, text[start:end], lookup[start:end]))
    return claims


def _first_stated_day(
    text: str, sentences: list[tuple[int, int]], art: ArticleContext
) -> DateMention | None:
    """The first dated day the article states for a figure: what a headline above its story
    is of ("英伟达跌近17%" over a story dated 2025年1月27日), before any date is carried."""
    for start, end in sentences:
        for mention in find_dates(text[start:end], art.published, art.events, None, art.instant):
            if mention.role == "figure" and mention.day is not None and not mention.derived:
                return mention
    return None


def _in_page_script(claims: list[Claim], original: str, lookup: str) -> list[Claim]:
    """The claims of a sentence read as `lookup`, with the sentence and spans as written."""
    if original == lookup:
        return claims
    for n, claim in enumerate(claims):
        at = lookup.find(claim.span) if claim.span else -1
        if at >= 0:
            claim.span = original[at : at + len(claim.span or "")]
        claim.sentence = original
        claim.claim_id = claim_id(claim.article_id, original, n)
    return claims
