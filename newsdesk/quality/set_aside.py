"""Records the transforms set aside → dq_results outcomes, beside the suites' own.

Not a GX expectation: the records never reach a frame GX could check, so the outcome is
made here, in the same shape (`CheckOutcome`, severity ``warning``), one per source and key
that had any, and one passing outcome per source read without any.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from newsdesk.quality.details import MAX_ROWS
from newsdesk.quality.outcomes import CheckOutcome
from newsdesk.transform.records import Malformed

# The table a source's records would have loaded into: the suite the outcome is filed under.
TABLE_OF = {
    "yahoo": "prices",
    "frankfurter": "fx_rates",
    "sec": "shares_outstanding",
    "news": "articles",
}
SEVERITY = "warning"  # the rest of the source loaded; a record set aside fails no run


def expectation_id(source: str) -> str:
    """`sec_records_malformed` and its kin."""
    return f"{source}_records_malformed"


def set_aside_outcomes(
    records: Iterable[Malformed], sources_read: Sequence[str] = ()
) -> list[CheckOutcome]:
    """A failed warning per (source, key) with records set aside; a pass per clean source."""
    grouped: dict[tuple[str, str], list[Malformed]] = {}
    for record in records:
        grouped.setdefault((record.source, record.key), []).append(record)
    outcomes = []
    for (source, key), found in sorted(grouped.items()):
        details = {
            "source": source,
            "key": key,
            "unexpected_count": len(found),
            "rows": [
                {"key": key, "record": r.record, "reason": r.reason} for r in found[:MAX_ROWS]
            ],
            "raw_paths": sorted({r.raw_path for r in found if r.raw_path}),
        }
        table = TABLE_OF.get(source, source)
        outcomes.append(CheckOutcome(table, expectation_id(source), False, SEVERITY, details))
    dirty = {source for source, _ in grouped}
    for source in sorted(set(sources_read) - dirty):
        details = {"source": source, "unexpected_count": 0}
        table = TABLE_OF.get(source, source)
        outcomes.append(CheckOutcome(table, expectation_id(source), True, SEVERITY, details))
    return outcomes
