"""Read stated multiples: 增加了两倍 (×3), 增加到两倍 (×2), 翻番 (×2), doubled, 3-fold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsdesk.extract import lexicon
from newsdesk.extract.numerals import parse_number

_N = r"\d+(?:\.\d+)?|[一二两三四五六七八九十]+(?:点[零一二三四五六七八九]+)?"
_QUAL = (
    r"(?P<qual>将近|接近|近|约|大约|超过|超|逾|不到|nearly|almost|about|roughly|more than|over)?\s*"
)
_CHINESE_TIMES = re.compile(
    # 增加了N倍 / 增加N倍 add N times the base (×N+1); 增加到N倍, 是…的N倍, bare N倍 are ×N
    r"(?:(?P<grow>增加|增长|上涨|提高|提升|上升|涨|增)(?P<to>到|至)?了?|(?P<is>是|为|达到?)[^，,。；;]{0,12}?的)?"
    rf"\s*{_QUAL}(?P<n>{_N})(?P<more>多)?倍"
)
_CHINESE_DOUBLINGS = re.compile(rf"{_QUAL}翻了?(?:(?P<n>[一两二三四\d])番|番|倍)")
_ENGLISH = re.compile(
    rf"(?<![A-Za-z]){_QUAL}(?:(?P<word>doubled|tripled|trebled|quadrupled)"
    r"|(?P<n>\d+(?:\.\d+)?)(?:-fold|\s+times)(?![A-Za-z]))",
    re.I,
)
_WORDS = {"doubled": 2.0, "tripled": 3.0, "trebled": 3.0, "quadrupled": 4.0}


@dataclass(frozen=True)
class Multiple:
    """A stated growth multiple as a ratio of new to old (增加了两倍 → 3.0)."""

    start: int
    end: int
    factor: float
    qualifier: str
    text: str


def _qualifier(m: re.Match[str]) -> str:
    word = m.group("qual")
    return lexicon.QUALIFIERS[word.lower()] if word else "exact"


def find_multiples(text: str) -> list[Multiple]:
    """Every multiple stated in `text`, in order."""
    found: list[Multiple] = []
    for m in _CHINESE_TIMES.finditer(text):
        n = parse_number(m.group("n"))
        # the trap: 增加了N倍 means the increase is N times the base, so the new value is N+1 times
        factor = n + 1 if m.group("grow") and not m.group("to") else n
        qualifier = "over" if m.group("more") else _qualifier(m)
        found.append(Multiple(m.start(), m.end(), factor, qualifier, m.group()))
    for m in _CHINESE_DOUBLINGS.finditer(text):
        times = parse_number(m.group("n")) if m.group("n") else 1
        found.append(Multiple(m.start(), m.end(), 2.0**times, _qualifier(m), m.group()))
    for m in _ENGLISH.finditer(text):
        factor = _WORDS[m.group("word").lower()] if m.group("word") else float(m.group("n"))
        found.append(Multiple(m.start(), m.end(), factor, _qualifier(m), m.group()))
    return sorted(found, key=lambda x: x.start)
