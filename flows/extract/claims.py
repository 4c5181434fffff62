"""Text → claims: the checkable figures an article states, by rules (no model), each explainable.

Pipeline, one sentence at a time (sentences end on 。！？ and English sentence ends; semicolons
and commas only split clauses, so a date or subject before them governs what follows):

1. clauses — split on ，,；; (never on the comma of "1,000");
2. figures — numerals in Arabic or Chinese (百分之七点五, 三千五百亿), with magnitudes (万, 亿,
   万亿, 千亿, thousand … trillion, k, mn, bn), percent, currency (signs, words, ISO codes; ¥ is
   CNY unless the sentence speaks of Japan), counts (40多个国家), and a qualifier (exact, about,
   over, nearly, under). Dates, times, years and ids (GPT-4, H100, file hashes) are masked first;
   lone Chinese digits (一天, 两大隐患) and vague amounts (数十亿) are not figures;
3. classify — a percent with a move word (跌, 暴跌, fell, plunged …; a fall is negative) is a
   `price_move`; money with a move word and 市值/market value a `market_cap_change`; money with
   估值/valuation (or 市值 without a move) a `valuation`; a multiple (增加了两倍 = ×3, 增加到两倍 =
   ×2, 翻番, doubled) near a valuation a `valuation_change` whose `from_value` is the amount after
   从/from and whose `to_value` is the amount after 到/to or else the valuation stated just before;
   a second amount in another currency right after a first (约合人民币3500亿元, "(about ¥350
   billion)") fills `counter_value` and adds a `currency_conversion`; everything else is `other`.
   Ranges (跌5%至7%, 5-7%, "fell 5% to 7%") keep the first end as value and the other in
   `range_end`; "fell 5% to $120" is a move and a price level, not a range;
4. subjects — through the AliasIndex (longest alias wins); the last name before the figure,
   carried across the clauses of the sentence; "三家公司合计", "both companies", "together" name
   the companies with stated moves (else mentions) just before, in the same or previous sentence;
5. dates — explicit, relative to publication, or counted from a calendar event (Sora发布的次日),
   stated in one clause and carried to the others in the sentence; market claims then move to
   the exchange's session (next session after an event-anchored day, previous otherwise).
   A market claim of a sentence with no date takes the date of the sentence its collective
   subject points back to, else the last session on or before publication if it is at most a
   day before it, else no date. `date_note` says how the date was found or why it is missing.

Negated moves ("并未下跌", "did not fall") are kept as `other` with the negation in `date_note`,
never read as a move. Intraday words (盘中, 一度, intraday, at one point) set `intraday`.
Not covered: moves stated without a figure, figures split across sentences, per-share prices
checked as prices (they are `other`), "分别" lists (A和B分别跌5%和3%), percentage points (kept as
`other`), and pronouns ("its shares") beyond the carry rules above.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from flows.extract.claim import Claim, claim_id
from flows.extract.classify import (
    conversion_claim,
    conversion_parent,
    figure_claim,
    multiple_claim,
    plan_multiples,
)
from flows.extract.dates import CalendarEvent
from flows.extract.entities import AliasIndex
from flows.extract.multiples import find_multiples
from flows.extract.reading import Article, Sentence, read_sentence
from flows.extract.sentences import split_sentences

__all__ = ["Claim", "claim_id", "extract_claims"]


def _sentence_claims(text: str, art: Article) -> list[Claim]:
    s = read_sentence(text, art)
    multiples = find_multiples(s.masked)
    plans = plan_multiples(s.figures, s.masked, multiples)
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


def _remember(art: Article, s: Sentence, claims: list[Claim]) -> None:
    """Keep what the next sentence may point back to ("三家公司", the valuation just stated)."""
    art.named = [n[2] for n in s.names]
    art.moved = [c.subjects[0] for c in claims if c.claim_type == "price_move"]
    art.mention = next((m for m in s.mentions if m.day is not None), None)
    art.valuations = [c for c in claims if c.claim_type == "valuation"]


def extract_claims(
    text: str,
    *,
    article_id: str,
    published_at: datetime | None,
    aliases: AliasIndex,
    events: Sequence[CalendarEvent] = (),
    exchange_of: Callable[[str], str] | None = None,
) -> list[Claim]:
    """Every checkable figure `text` states, as claims in reading order."""
    art = Article(
        article_id=article_id,
        published=published_at.date() if published_at else None,
        aliases=aliases,
        events=events,
        exchange_of=exchange_of or (lambda _symbol: "XNYS"),
    )
    claims: list[Claim] = []
    for start, end in split_sentences(text):
        claims.extend(_sentence_claims(text[start:end], art))
    return claims
