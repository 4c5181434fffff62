"""Records a transform sets aside: a malformed entry is named and skipped, never loaded.

Providers occasionally send an entry that cannot be read (SEC facts with an empty ``end``,
a chart bar whose close is a string, a rate keyed by a date that is not one). Such an entry
must not take the whole run down with a conversion error, nor be loaded half-read: the
transforms leave it out and say which one and why, the market step logs it and the check
step records it in ``dq_results``. The landed body itself stays as it came.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Malformed:
    """One record set aside: whose it is, which one, why, and where its body is kept."""

    key: str  # whose record: CIK0000789019, ADBE, a Frankfurter range
    record: str  # which one, as the provider lists it: "units.shares[3] end='' val=…"
    reason: str  # why it cannot be used: "end '' is not a YYYY-MM-DD date"
    source: str = ""  # landing source (sec, yahoo, frankfurter); the market step fills it
    raw_path: str = ""  # the landed body it came from, left untouched

    def line(self) -> str:
        """The one log line naming it: source, key, record, reason, where the body is."""
        kept = f"; body kept at {self.raw_path}" if self.raw_path else ""
        return f"{self.source or '?'} {self.key}: set aside {self.record}: {self.reason}{kept}"


@dataclass(frozen=True)
class Screened:
    """A transform's frame and the records it set aside to make it."""

    frame: pl.DataFrame
    malformed: tuple[Malformed, ...] = ()


class NotAsked(ValueError):
    """A payload naming another symbol or CIK than the one requested: none of it is used."""


class Unusable(ValueError):
    """A value a record cannot be used with; its message is the reason, in a few words."""


def as_number(value: Any, name: str) -> float:
    """A JSON number (or a numeric string) as a finite float, else Unusable naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Unusable(f"{name} {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise Unusable(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise Unusable(f"{name} {value!r} is not a finite number")
    return number


def as_positive(value: Any, name: str) -> float:
    """as_number, and above zero: a price, rate or share count of zero or less is no reading."""
    number = as_number(value, name)
    if number <= 0:
        raise Unusable(f"{name} {value!r} is not positive")
    return number


def as_iso_date(value: Any, name: str) -> date:
    """A ``YYYY-MM-DD`` string as a date, else Unusable naming it."""
    # date.fromisoformat alone would also take 20240216 or 2024-W07-5, which no provider sends.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise Unusable(f"{name} {value!r} is not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Unusable(f"{name} {value!r} is not a calendar date") from None


def describe(where: str, entry: Any, fields: tuple[str, ...]) -> str:
    """``where`` and the entry's identifying fields as sent, to find it in the raw body."""
    if not isinstance(entry, dict):
        return f"{where} {entry!r:.60}"
    shown = " ".join(f"{f}={entry[f]!r:.40}" for f in fields if f in entry)
    return f"{where} {shown}".rstrip()
