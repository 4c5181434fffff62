"""The words around one figure that decide what kind of claim it is: whether it measures a
metric, spans several sessions, is a level crossed, is intraday, or speaks of a company named
earlier in the sentence. Each looks at the figure's own stretch of its clause (between its
neighbouring figures), cut at a side phrase ("… after it warned that sales growth would slow")."""

from __future__ import annotations

from newsdesk.extract import lexicon
from newsdesk.extract.reading import Sentence


def segment(s: Sentence, i: int) -> tuple[int, int]:
    """The stretch of figure i's clause between its neighbouring figures."""
    fig = s.figures[i]
    start, end = s.clause_of(fig.start)
    prev = s.figures[i - 1].end if i and s.figures[i - 1].end > start else start
    nxt = s.figures[i + 1].start if i + 1 < len(s.figures) else end
    return prev, min(nxt, end)


def side_cut(text: str) -> str:
    """`text` (the words after a figure) up to a side phrase ("after it warned …")."""
    m = lexicon.SIDE_PHRASE.search(text)
    return text[: m.start()] if m else text


def metric_governs(s: Sentence, i: int, move_start: int) -> bool:
    """Whether figure i measures a metric (revenue, 同比 …) rather than a price: the metric is
    what moved ("revenue rose 12%", "营收同比增长12%") or what the figure is of ("a 12% rise in
    revenue"); a metric in a side phrase ("after it warned that sales growth would slow") or
    behind a price noun ("财报发布后股价大跌12%") is not."""
    fig = s.figures[i]
    seg_start, seg_end = segment(s, i)
    before = s.masked[seg_start : min(move_start, fig.start)]
    metrics = list(lexicon.METRIC.finditer(before))
    if metrics:
        last = metrics[-1]
        rest = before[last.end() :]
        # "周四盘后发布财报的亚马逊周五大涨7.87%": a name after the metric is what moved
        named = any(seg_start + last.end() <= n[0] < fig.start for n in s.names)
        if (
            not named
            and not lexicon.PRICE_NOUN.search(rest)
            and not lexicon.SIDE_PHRASE.search(rest)
        ):
            return True
    after = side_cut(s.masked[fig.end : seg_end])
    return lexicon.METRIC_AFTER.match(after) is not None


def multi_period(s: Sentence, i: int) -> str | None:
    """The words that make figure i a move over several sessions ("in 2023", 今年以来), if any."""
    fig = s.figures[i]
    start, end = segment(s, i)
    # "… after it warned that sales growth would be lower this year": not the figure's period;
    # but "since January" is the period itself, even where "since" opens a side phrase
    after = s.text[fig.end : end]
    cut = len(side_cut(after))
    since = lexicon.MULTI_PERIOD.search(after)
    keep = max(cut, since.end()) if since is not None and since.start() <= cut else cut
    words = s.text[start : fig.end] + after[:keep]
    for m in lexicon.MULTI_PERIOD.finditer(words):
        # "its worst day this year", "创今年以来最大跌幅": one day, ranked within a longer period
        ranked = lexicon.SUPERLATIVE.search(words[: m.start()]) or lexicon.RANKED_AFTER.match(
            words[m.end() :]
        )
        if not ranked:
            return m.group()
    return None


def threshold(s: Sentence, i: int) -> str | None:
    """The words that make an amount a level crossed ("topped $2 trillion", 突破1万亿美元)."""
    fig = s.figures[i]
    start, end = segment(s, i)
    # the crossing verb governs the amount right after it ("topped $2 trillion"), not one a
    # clause away; searched up to the figure's end, as "above" may have been read as its qualifier
    m = lexicon.THRESHOLD.search(s.masked[max(start, fig.start - 30) : fig.end])
    if m is not None:
        return m.group()
    after = lexicon.THRESHOLD_AFTER.match(s.masked[fig.end : end])
    return after.group().strip() if after else None


def intraday(s: Sentence, i: int) -> bool:
    """Whether figure i is a move within or outside the session rather than close to close:
    an intraday word before it in its stretch of the clause (not followed by a close word,
    "fell as much as 18% before closing down 17%"), or right after it ("fell 10% in early
    trading"), up to a side phrase."""
    fig = s.figures[i]
    start, end = segment(s, i)
    before = s.text[start : fig.start]
    marks = list(lexicon.INTRADAY.finditer(before))
    # "在周四盘后发布财报的亚马逊周五大涨": the word sits in a phrase about something else
    if marks and not lexicon.INTRADAY_ENDS.search(before[marks[-1].end() :]):
        return True
    after = side_cut(s.text[fig.end : end])
    found = lexicon.INTRADAY.search(after)
    return found is not None and not lexicon.CLOSE.search(after[: found.start()])


def refers_back(s: Sentence, pos: int) -> bool:
    """Whether the clause holding `pos` opens on a participle or a pronoun, so that a company
    named earlier in the sentence is what it speaks of ("…, pulling its market cap down")."""
    start, _ = s.clause_of(pos)
    return lexicon.REFERS_BACK.match(s.masked[start:pos]) is not None
