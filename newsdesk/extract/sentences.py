"""Split text into sentences and clauses, keeping character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

# Semicolons end a clause, not a sentence: in "Sora发布的次日，Adobe跌超7%；Shutterstock跌超5%"
# the date and the story before the semicolon govern what follows it.
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』\"')）]*|\.[”’\"')）]*(?=\s|$)|\n+")
# headlines join two stories with an ideographic space or a full-width colon
_CLAUSE_END = re.compile(r"[，；;：]|\u3000+|,(?!\d{3}(?!\d))")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "inc", "corp", "co", "ltd", "jan", "feb", "mar", "apr", "jun", "jul"}
    | {"aug", "sep", "sept", "oct", "nov", "dec", "st", "vs", "no", "jr", "sr", "e.g", "i.e"}
    | {"u.s", "u.k", "etc", "est"}
)
_WORD_BEFORE_DOT = re.compile(r"([A-Za-z][A-Za-z.]*)$")

T = TypeVar("T")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the '.' at `dot` closes an abbreviation (Feb., Inc., U.S.) or an initial."""
    m = _WORD_BEFORE_DOT.search(text[:dot])
    if m is None:
        return False
    word = m.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group().startswith(".") and _is_abbreviation(text, m.start()):
            continue
        span = _trimmed(text, start, m.end())
        if span:
            spans.append(span)
        start = m.end()
    span = _trimmed(text, start, len(text))
    if span:
        spans.append(span)
    return spans


def split_clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each clause of one sentence; a comma between digits never splits."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_END.finditer(sentence):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(sentence) or not spans:
        spans.append((start, len(sentence)))
    return spans


def clause_index(clauses: list[tuple[int, int]], pos: int) -> int:
    """Index of the clause holding character `pos`."""
    for i, (start, end) in enumerate(clauses):
        if start <= pos < end:
            return i
    return len(clauses) - 1


def non_overlapping(spans: Iterable[tuple[int, int, T]]) -> list[tuple[int, int, T]]:
    """The (start, end, item) spans that overlap none kept before them, in text order: a span
    earlier in `spans` wins, so pass the strongest (e.g. the longest name) first."""
    kept: list[tuple[int, int, T]] = []
    taken: set[int] = set()
    for start, end, item in spans:
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            kept.append((start, end, item))
    return sorted(kept, key=lambda span: span[0])
