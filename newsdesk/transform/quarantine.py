"""Rows of the `quarantine` table: every response or record a run set aside, and why.

A response that is not what was asked for (a chart naming another symbol, companyfacts of
another CIK), one no transform can read, and each record a transform left out of an
otherwise good body: one row each, beside the raw body kept in the landing zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import polars as pl

from newsdesk.http import FetchError
from newsdesk.tables import QUARANTINE_SCHEMA
from newsdesk.transform.records import Malformed

WHOLE_BODY = "whole body"


def whole_body(source: str, key: str, reason: str, raw_path: str = "") -> Malformed:
    """A response none of which was used (a spoof, an unreadable body)."""
    return Malformed(key, WHOLE_BODY, _one_line(reason), source, raw_path)


def quarantine_rows(records: Sequence[Malformed], run_id: str) -> pl.DataFrame:
    """The quarantine rows of the records a run set aside."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pl.DataFrame(
        [
            {
                "source": r.source or "?",
                "key": r.key,
                "record": r.record,
                "raw_path": r.raw_path or None,
                "reason": _one_line(r.reason),
                "run_id": run_id,
                "quarantined_at": now,
            }
            for r in records
        ],
        schema=QUARANTINE_SCHEMA,
    )


def one_line(exc: object) -> str:
    """An exception as one short line: a FetchError's own line, else ``Type: text``."""
    text = _one_line(str(exc))
    if isinstance(exc, FetchError) or not isinstance(exc, BaseException):
        return text[:500]
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
