"""Classify the figures of one sentence into claims (price moves, market caps, valuations …)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from newsdesk.extract import lexicon, reading
from newsdesk.extract.claim import Claim
from newsdesk.extract.figure_scope import (
    intraday,
    metric_governs,
    multi_period,
    refers_back,
    segment,
    threshold,
)
from newsdesk.extract.numbers import Figure
from newsdesk.extract.reading import ArticleContext, Sentence, market_date, plain_date
from newsdesk.extract.subjects import (
    describes,
    figure_subject,
    pronoun_subject,
    resolve_group,
    subject_at,
)


def new_claim(art: ArticleContext, s: Sentence, claim_type: str, **fields: Any) -> Claim:
    """A claim of this sentence with the claims columns it does not state left empty."""
    base = dict(
        subjects=[],
        value=None,
        unit=None,
        currency=None,
        counter_value=None,
        counter_currency=None,
        qualifier="exact",
        reference_date=None,
    )
    base.update(fields)
    return Claim(
        claim_id="", article_id=art.article_id, sentence=s.text, claim_type=claim_type, **base
    )


def _signed(fig: Figure, sign: int) -> dict[str, float | None]:
    end = None if fig.range_end is None else sign * abs(fig.range_end)
    return {"value": sign * abs(fig.value), "range_end": end}


def conversion_parent(figures: list[Figure], i: int, masked: str) -> int | None:
    """Index of the amount that figure i restates in another currency, if it is one."""
    fig = figures[i]
    if i == 0 or fig.unit != "currency":
        return None
    prev = figures[i - 1]
    if prev.unit != "currency" or prev.currency == fig.currency:
        return None
    return i - 1 if lexicon.CONVERSION_GAP.match(masked[prev.end : fig.start]) else None


def _list_of(s: Sentence, i: int) -> list[int]:
    """Indices of the figures listed with figure i ("7%和5%", "7% and 5%"), in order."""
    group = [i]
    while group[0] > 0:
        prev = group[0] - 1
        if s.figures[prev].unit != s.figures[i].unit:
            break
        if not lexicon.LIST_GAP.match(s.masked[s.figures[prev].end : s.figures[group[0]].start]):
            break
        group.insert(0, prev)
    while group[-1] + 1 < len(s.figures):
        nxt = group[-1] + 1
        if s.figures[nxt].unit != s.figures[i].unit:
            break
        if not lexicon.LIST_GAP.match(s.masked[s.figures[group[-1]].end : s.figures[nxt].start]):
            break
        group.append(nxt)
    return group


def _respective_subject(s: Sentence, i: int) -> list[str]:
    """ "A和B分别下跌7%和5%", "A and B fell 7% and 5%, respectively": the k-th name for the k-th."""
    group = _list_of(s, i)
    if len(group) < 2 or not lexicon.RESPECTIVELY.search(s.text):
        return []
    first = s.figures[group[0]].start
    names = list(dict.fromkeys(n[2] for n in s.names if n[1] <= first))
    if len(names) < len(group):
        return []
    return [names[-len(group) :][group.index(i)]]


def _move_of(s: Sentence, i: int) -> tuple[int, str | None, int, lexicon.Direction | None]:
    """(sign, negated word, span start, move word) of figure i; 0 when it states no move."""
    fig = s.figures[i]
    clause = s.clause_of(fig.start)
    window = s.figures[i - 1].end if i and s.figures[i - 1].end > clause[0] else clause[0]
    before = s.masked[window : fig.start]
    # a move word inside a name is no move: "Advanced Micro Devices: -6.37%"
    for start, end, _ in s.names:
        # (a name, not a descriptor such as "the carmaker", which spans the words before it)
        if window <= start and end <= fig.start and not _DESCRIPTOR.match(s.text[start:end]):
            before = before[: start - window] + " " * (end - start) + before[end - window :]
    move = lexicon.direction_before(before)
    between = [n for n in s.names if window + move.end <= n[0] < fig.start] if move else []
    # "lifted the Nasdaq Composite by 3%": the name is what the verb moved, by the figure
    moved_object = bool(between) and lexicon.BY_FIGURE.match(s.masked[between[-1][1] : fig.start])
    # "increasing the company's market value by $277 billion": the name owns what moved
    owned_value = bool(between) and lexicon.MARKET_CAP.search(s.masked[between[-1][0] : fig.start])
    if move is not None and between and not (moved_object or owned_value):
        move = None  # "涨跌不一，特斯拉市值突破…": the move word is about something else
    if move is not None and move.negated:
        return 0, move.word, fig.start, move
    if move is not None and not lexicon.is_level(before[move.end :]):
        return move.sign, None, window + move.start, move
    if move is None and i and _OR_PERCENT.match(s.masked[s.figures[i - 1].end : fig.start]):
        # "fell 612.47 points, or 3.07%", "跌612.47点或3.07%": the percent of the same move
        sign, negated, _, first_move = _move_of(s, i - 1)
        if sign:
            return sign, negated, fig.start, first_move
    if move is None:
        group = _list_of(s, i)
        if group[0] < i and _respective_subject(s, i):
            # "A和B分别下跌7%和5%": a listed figure shares the first one's move
            sign, negated, _, first_move = _move_of(s, group[0])
            return sign, negated, fig.start, first_move
        after = s.masked[fig.end : segment(s, i)[1]]
        sign = lexicon.direction_after(after)
        market_value = lexicon.MARKET_CAP.search(s.masked[clause[0] : clause[1]])
        if sign is None and fig.unit == "currency" and market_value:
            sign = lexicon.verb_after(after)
        if sign is None and _OFF_VALUE.match(after) and (market_value or fig.unit == "percent"):
            sign = -1  # "took $0.59 trillion off the company's market cap", "took 3.7% off"
        if sign is None and fig.unit == "percent":
            sign = _marked_sign(s, i)
        return sign or 0, None, fig.start, None
    return 0, None, fig.start, move


# "market value fell to $2.9 trillion", 市值跌至, "a market value of": a level, not the change
_LEVEL_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:to|at|of)|至|到|为|為)\s*(?:about|around|roughly|nearly|almost|约|近|逾)?\s*$",
    re.I,
)
_OR_PERCENT = re.compile(r"^\s*(?:points?|pts?|点|點)?\s*[,，]?\s*(?:or|或)\s*$", re.I)
_DESCRIPTOR = re.compile(r"(?:the|this|that|its|their)\b|[该这此其那]", re.I)
# an amount taken "off" a market value is a loss, whatever the verb
_OFF_VALUE = re.compile(r"^\s*off\s+(?:its|the|their|[\w.'’-]+(?:'s|’s))?", re.I)
# a quote board or digest line: "▼英伟达 -16.97%", "Nvidia: -16.97%", "Apple (+3.18%)"
_MARKED_SIGN = re.compile(r"([-−–+])\s*$")
_ARROW = re.compile(r"(?:^|[\s，,;；、])([▲▼↑↓△▽])[^▲▼↑↓△▽，,;；。]*$")


def _marked_sign(s: Sentence, i: int) -> int | None:
    """The sign a percent written with its own + or − (or after ▲/▼) states, if any."""
    fig = s.figures[i]
    start, _ = segment(s, i)
    before = s.text[start : fig.start]
    if lexicon.METRIC.search(before) or re.search(r"率|ratio|margin|yield", before, re.I):
        return None  # "市盈率为-5%", "margin: -5%": a metric, not the price
    if fig.value < 0:
        return -1
    if m := _MARKED_SIGN.search(before):
        return 1 if m.group(1) == "+" else -1
    if m := _ARROW.search(before):
        return 1 if m.group(1) in "▲↑△" else -1
    return None


def figure_claim(art: ArticleContext, s: Sentence, i: int) -> Claim:
    """Classify one figure into a claim (conversions are handled by the caller)."""
    fig = s.figures[i]
    clause = s.clause_of(fig.start)
    clause_text = s.text[clause[0] : clause[1]]
    sign, negated, span_start, move = _move_of(s, i)
    mention = s.mention_at(fig.start)
    later_clause = mention is not None and s.clause_of(mention.start)[0] > s.clause_of(fig.start)[0]
    if later_clause and (art.carried is not None or art.lead is not None):
        # "…erased $589 billion, more than twice the $279 billion lost in September": a date
        # in a later clause is that clause's; the article's day still governs this figure
        mention = None
    common = {
        "value": fig.value,
        "qualifier": fig.qualifier,
        "intraday": intraday(s, i),
        "span": s.text[span_start : fig.end],
        "range_end": fig.range_end,
        "precision": fig.precision,
    }
    respective = _respective_subject(s, i)
    named = respective or subject_at(s.names, fig.start, clause, carry=True)
    subjects = respective or figure_subject(s, i, span_start, art.aliases.kinds)
    if not subjects and i and _OR_PERCENT.match(s.masked[s.figures[i - 1].end : fig.start]):
        # "the Nasdaq fell 612.47 points, or 3.07%": the points' subject
        subjects = figure_subject(s, i - 1, s.figures[i - 1].start, art.aliases.kinds)
    # not one day's move, or not a worth at the date: kept, never judged
    period = multi_period(s, i) if sign else None
    level = threshold(s, i) if fig.unit == "currency" else None
    if period or level:
        day, note = plain_date(mention, None, "no date stated")
        why = f"over several sessions ('{period}')" if period else f"a level crossed ('{level}')"
        fields = {**common, **(_signed(fig, sign) if sign else {})}
        return _other(art, s, fig, day, f"{why}: kept as other; {note}", fields)
    if fig.unit == "percent" and sign and not subjects and not s.names and len(set(art.named)) == 1:
        # "Oracle was hit hard. It closed 13.8% lower.": "it" / "the stock" / 该股 is the one
        # company the previous sentence named
        subjects = pronoun_subject(s.masked[clause[0] : fig.start], art.named)
    if fig.unit == "percent" and sign and subjects and not metric_governs(s, i, span_start):
        day, note = market_date(mention, None, subjects, art)
        return new_claim(
            art,
            s,
            "price_move",
            subjects=subjects,
            unit="percent",
            reference_date=day,
            date_note=note,
            **{**common, **_signed(fig, sign)},
        )
    market_cap = fig.unit == "currency" and sign and lexicon.MARKET_CAP.search(clause_text)
    if market_cap and not subjects and named and refers_back(s, fig.start):
        subjects = named  # "…, wiping out $589 billion in market value": the sentence's company
    if market_cap and not subjects:
        # "…off the company's market value", 该公司市值蒸发: the previous sentence's company
        subjects = pronoun_subject(s.masked[clause[0] : clause[1]], art.named)
    if (
        market_cap
        and sign
        and not subjects
        and not s.names
        and not describes(s.text)
        and len(set(art.moved)) == 1
    ):
        # "Nvidia sank 17%. The slide erased $589 billion in market value.": a sentence that
        # names no one, right after one company's move, speaks of that company
        subjects = art.moved[:1]
    inherited = None
    if market_cap:
        is_group, count = lexicon.collective(s.masked[clause[0] : fig.start])
        if is_group:
            moved_here = [c.subjects[0] for _, c in s.claims if c.claim_type == "price_move"]
            named_here = [n[2] for n in s.names if n[1] <= fig.start]
            subjects, earlier = resolve_group(count, moved_here, named_here, art.moved, art.named)
            inherited = art.mention if earlier and not s.mentions else None
    if market_cap and subjects:
        day, note = market_date(mention, inherited, subjects, art)
        return new_claim(
            art,
            s,
            "market_cap_change",
            subjects=subjects,
            unit="currency",
            currency=fig.currency,
            reference_date=day,
            date_note=note,
            **{**common, **_signed(fig, sign)},
        )
    # "up from roughly $29 billion": the earlier valuation of a change; with no stated multiple
    # there is no valuation_change to hold it, so it stays `other` (a from-amount with a
    # multiple is consumed by the change before figures are classified)
    from_marker = lexicon.FROM_MARKER.search(s.masked[: fig.start])
    # 市值 with no move, or with a level reached ("market value dropped to $2.9 trillion")
    valuation_words = lexicon.VALUATION.search(clause_text) or (
        lexicon.MARKET_CAP.search(clause_text) and (move is None or (not sign and not negated))
    )
    per_share = lexicon.NOT_A_VALUATION.search(clause_text)
    # "该公司一年前的估值": a valuation of an undated earlier time cannot be checked as of today
    past = lexicon.EARLIER_TIME.search(clause_text) if mention is None else None
    # a valuation may name its company in any earlier clause, or refer back to it ("the firm")
    subjects = named or pronoun_subject(s.masked[: fig.start], art.named)
    valuation = fig.unit == "currency" and valuation_words and subjects and not per_share
    at_level = _LEVEL_BEFORE.search(s.masked[max(clause[0], fig.start - 24) : fig.start])
    changed = lexicon.VALUE_CHANGE.search(clause_text)
    if valuation and changed and (not at_level or lexicon.MULTI_PERIOD.search(clause_text)):
        # a change of market value whose direction was not read (a shape the rules missed) is
        # no worth at the date: never judge a change as a level
        note = "a change of market value, direction unread: kept as other"
        return _other(art, s, fig, None, note, common)
    if valuation and not from_marker and not past:
        day, note = reading.valuation_date(mention, clause_text, subjects, art)
        return new_claim(
            art,
            s,
            "valuation",
            subjects=subjects,
            unit="currency",
            currency=fig.currency,
            reference_date=day,
            date_note=note,
            **common,
        )
    day, note = plain_date(mention, None, "no date stated")
    if negated:
        note = f"negated move '{negated}': kept as other, not read as a move; {note}"
    elif valuation and past and not from_marker:
        note = f"valuation as of an undated earlier time '{past.group()}': kept as other; {note}"
    return _other(art, s, fig, day, note, common)


def _other(
    art: ArticleContext,
    s: Sentence,
    fig: Figure,
    day: date | None,
    note: str,
    fields: dict[str, Any],
) -> Claim:
    """A figure kept but never judged, with the name in its own clause (no carried subject)."""
    return new_claim(
        art,
        s,
        "other",
        subjects=subject_at(s.names, fig.start, s.clause_of(fig.start), carry=False),
        unit="percent" if fig.unit == "points" else fig.unit,
        currency=fig.currency,
        reference_date=day,
        date_note=note,
        **fields,
    )


def conversion_claim(
    art: ArticleContext, s: Sentence, parent: Claim, fig: Figure, amount: Figure
) -> Claim:
    """Fill the parent's counter amount and state the conversion as a claim of its own."""
    parent.counter_value, parent.counter_currency = abs(fig.value), fig.currency
    return new_claim(
        art,
        s,
        "currency_conversion",
        value=abs(amount.value),
        unit="currency",
        currency=amount.currency,
        counter_value=abs(fig.value),
        counter_currency=fig.currency,
        qualifier=fig.qualifier,
        reference_date=parent.reference_date,
        span=s.text[amount.start : fig.end],
        precision=amount.precision,
        date_note=f"date of the amount converted: {parent.date_note}",
    )
