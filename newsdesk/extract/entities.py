"""Find companies and other entities in text through their aliases (谷歌母公司 → GOOGL)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsdesk.extract.sentences import non_overlapping


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@lru_cache(maxsize=8192)
def _alias_pattern(alias: str) -> re.Pattern[str]:
    """Latin edges match on word boundaries; short all-caps tickers match their case exactly."""
    head = r"(?<![A-Za-z0-9])" if _is_latin(alias[0]) else ""
    tail = r"(?![A-Za-z0-9])" if _is_latin(alias[-1]) else ""
    exact_case = not alias.isascii() or (alias.isupper() and len(alias) <= 5)
    return re.compile(head + re.escape(alias) + tail, 0 if exact_case else re.IGNORECASE)


def _matches(text: str, alias: str) -> Iterable[tuple[int, int]]:
    for m in _alias_pattern(alias).finditer(text):
        # "Alphabet" the company, not "alphabet" the word: a folded match must start in capitals
        if alias[0].isupper() and text[m.start()].islower():
            continue
        yield m.start(), m.end()


# Symbols that are also words or everyday abbreviations in capitals: "AI" in a sentence is
# artificial intelligence, not C3.ai, and "Class C shares" are not Citigroup. These are found
# by their other aliases only; so is every one-letter symbol.
WORD_SYMBOLS = frozenset(
    {"AI", "ON", "SO", "DE", "NOW", "NET", "LOW", "CAT", "DIS", "EDU", "HD", "KO", "PG", "IT", "MA"}
)


def _symbol_is_alias(symbol: str) -> bool:
    return len(symbol) > 1 and symbol not in WORD_SYMBOLS


@dataclass(frozen=True)
class AliasIndex:
    """(alias, symbol) pairs, longest alias first, so 谷歌母公司 wins over 谷歌; and what kind of
    thing each symbol is ("index", "etf" or a company's sector), for "the chipmaker"."""

    entries: tuple[tuple[str, str], ...] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)
    # each alias lower-cased once here, not once per sentence in find
    _folded: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", tuple(alias.lower() for alias, _ in self.entries))

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, Sequence[str]]], kinds: Mapping[str, str] | None = None
    ) -> AliasIndex:
        """Build from (symbol or entity, aliases); the symbol itself is also an alias unless it
        is a word (WORD_SYMBOLS) or a single letter."""
        seen: dict[str, str] = {}
        for symbol, aliases in rows:
            for alias in (symbol, *aliases) if _symbol_is_alias(symbol) else aliases:
                alias = alias.strip()
                if alias and alias not in seen:  # the first row to claim an alias keeps it
                    seen[alias] = symbol
        ordered = sorted(seen.items(), key=lambda kv: (-len(kv[0]), kv[0]))
        return cls(tuple(ordered), dict(kinds or {}))

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, symbol) of each mention, non-overlapping, longest match wins."""
        folded = text.lower()
        # A plain substring test first: most aliases are absent from most sentences, and it is
        # far cheaper than running their patterns. Folding keeps every match a candidate, the
        # case-sensitive ones included.
        matches = (
            (start, end, symbol)
            for (alias, symbol), folded_alias in zip(self.entries, self._folded, strict=True)
            if folded_alias in folded
            for start, end in _matches(text, alias)
        )
        # longest first: a later, shorter alias never splits it
        return non_overlapping(matches)

    def symbols(self) -> frozenset[str]:
        """Every symbol or entity the index knows."""
        return frozenset(symbol for _, symbol in self.entries)


def read_alias_rows(path: Path) -> list[tuple[str, list[str]]]:
    """Rows of a CSV with a `symbol` or `entity` column and `|`-separated `aliases`."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = []
        for record in csv.DictReader(f):
            name = (record.get("symbol") or record.get("entity") or "").strip()
            aliases = [a.strip() for a in (record.get("aliases") or "").split("|") if a.strip()]
            if name:
                rows.append((name, aliases))
    return rows


def read_kinds(path: Path) -> dict[str, str]:
    """symbol → its `sector` in a tickers CSV (semiconductors, autos …), else its `kind`."""
    with path.open(encoding="utf-8", newline="") as f:
        return {
            record["symbol"].strip(): (record.get("sector") or record.get("kind") or "").strip()
            for record in csv.DictReader(f)
            if (record.get("symbol") or "").strip()
        }
