"""The claim record: one checkable figure an article states (a row of the claims table)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date


@dataclass
class Claim:
    """One row of the claims table."""

    claim_id: str
    article_id: str
    sentence: str
    claim_type: str
    subjects: list[str]
    value: float | None
    unit: str | None
    currency: str | None
    counter_value: float | None
    counter_currency: str | None
    qualifier: str
    reference_date: date | None
    verdict: str | None = None
    observed: float | None = None
    explanation: str | None = None
    range_end: float | None = None
    from_value: float | None = None
    to_value: float | None = None
    intraday: bool = False
    date_note: str | None = None
    span: str | None = None
    # the place value of the last written digit of `value` (7.41% → 0.01, 480亿 → 1e8), as
    # the extractor read it; None when the value is not one written figure (a multiple)
    precision: float | None = None


def claim_id(article_id: str, sentence: str, n: int) -> str:
    """Stable id: first 16 hex of sha256(article_id|sentence|n)."""
    return hashlib.sha256(f"{article_id}|{sentence}|{n}".encode()).hexdigest()[:16]
