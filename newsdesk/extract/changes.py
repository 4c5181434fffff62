"""Valuation changes: a stated multiple between two valuations (增加了将近两倍 → ×3, 29 → 80)."""

from __future__ import annotations

from newsdesk.extract import lexicon
from newsdesk.extract.claim import Claim
from newsdesk.extract.classify import new_claim
from newsdesk.extract.multiples import Multiple
from newsdesk.extract.numbers import Figure
from newsdesk.extract.reading import ArticleContext, Sentence, plain_date
from newsdesk.extract.subjects import subject_at

Plan = tuple[int | None, int | None] | None  # (from figure, to figure) of a valuation multiple


def _base_before(
    figures: list[Figure], masked: str, mult: Multiple, earlier_valuation: bool
) -> int | None:
    """The figure just before the multiple, as the valuation it grew from, when it is money and
    a later valuation was stated before it ("估值达到800亿美元；…这一数字约为290亿美元，增加了
    将近两倍"): in this sentence, or in the previous one (`earlier_valuation`)."""
    before = [i for i, f in enumerate(figures) if f.end <= mult.start]
    if not before or figures[before[-1]].unit != "currency":
        return None
    base = before[-1]
    if lexicon.TO_MARKER.search(masked[: figures[base].start]):
        return None  # "估值达到800亿美元，增加了两倍": the valuation reached, not the base
    earlier_money = any(figures[i].unit == "currency" for i in before[:-1])
    return base if earlier_money or earlier_valuation else None


def plan_multiples(
    figures: list[Figure], masked: str, multiples: list[Multiple], earlier_valuation: bool
) -> list[Plan]:
    """For each multiple: (from figure, to figure) when it speaks of valuations, else None."""
    # the base is the amount after 从/from, else the money figure just before the multiple (see
    # _base_before); the target the amount after 到/to, else (in multiple_claim) the valuation
    # stated before the multiple in this sentence or the previous one
    plans: list[Plan] = []
    money = [i for i, f in enumerate(figures) if f.unit == "currency"]
    speaks = lexicon.VALUATION.search(masked) is not None
    # "…估值升至800亿美元。此前为290亿美元，增加了两倍": the base sentence need not say 估值
    follows = earlier_valuation and not lexicon.METRIC.search(masked)
    for mult in multiples:
        if not speaks and not follows:  # "net income doubled" is not a valuation
            plans.append(None)
            continue
        start = next(
            (i for i in money if lexicon.FROM_MARKER.search(masked[: figures[i].start])), None
        )
        if start is None:
            start = _base_before(figures, masked, mult, earlier_valuation)
        if start is None and not speaks:
            plans.append(None)
            continue
        after = [i for i in money if start is None or i > start]
        end = next((i for i in after if lexicon.TO_MARKER.search(masked[: figures[i].start])), None)
        plans.append((start, end))
    return plans


def multiple_claim(art: ArticleContext, s: Sentence, mult: Multiple, plan: Plan) -> Claim:
    """A valuation_change when the multiple speaks of valuations, else an `other` ratio."""
    clause = s.clause_of(mult.start)
    mention = s.mention_at(mult.start)
    day, note = plain_date(mention, None, "no date stated")
    common = {
        "value": mult.factor,
        "unit": "ratio",
        "qualifier": mult.qualifier,
        "span": mult.text,
        "reference_date": day,
        "date_note": note,
        "intraday": s.intraday_at(mult.start),
    }
    if plan is None:
        subjects = subject_at(s.names, mult.start, clause, carry=False)
        return new_claim(art, s, "other", subjects=subjects, **common)
    start, end = plan
    subjects = subject_at(s.names, mult.start, clause, carry=True)
    here = [c for pos, c in s.claims if c.claim_type == "valuation" and pos < mult.start]
    stated = [*art.valuations, *here]
    prior = next((c for c in reversed(stated) if c.subjects == subjects), None) or (
        stated[-1] if stated else None
    )
    subjects = subjects or (prior.subjects if prior else [])
    first = s.figures[start] if start is not None else None
    if first is None and end is None and prior is None:
        # "30倍估值" is a price/earnings multiple, not a change between two stated valuations
        return new_claim(
            art, s, "other", subjects=subject_at(s.names, mult.start, clause, False), **common
        )
    to_value = s.figures[end].value if end is not None else prior.value if prior else None
    currency = first.currency if first else prior.currency if prior else None
    return new_claim(
        art,
        s,
        "valuation_change",
        subjects=subjects,
        currency=currency,
        from_value=first.value if first else None,
        to_value=to_value,
        **common,
    )
