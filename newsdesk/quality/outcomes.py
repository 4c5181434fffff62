"""What a run found: one outcome per expectation, the run's summary line and dq_results rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from newsdesk.tables import DQ_RESULTS_SCHEMA


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one expectation on one table."""

    suite: str
    expectation: str
    success: bool
    severity: str
    details: dict


@dataclass(frozen=True)
class QualityReport:
    """Every expectation evaluated in one run, and where its Data Docs are."""

    run_id: str
    outcomes: list[CheckOutcome]
    docs_index: Path | None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    @property
    def failed_blocking(self) -> list[CheckOutcome]:
        """Failed expectations that must fail the run."""
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def failed_warning(self) -> list[CheckOutcome]:
        """Failed expectations that are only reported."""
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    def summary_line(self) -> str:
        """One line naming the failing expectations and their offending rows."""
        failed = self.failed_blocking + self.failed_warning
        if not failed:
            return f"all {len(self.outcomes)} expectations passed"
        return "; ".join(_describe(o) for o in failed)

    def to_frame(self) -> pl.DataFrame:
        """Rows for the dq_results table."""
        return pl.DataFrame(
            {
                "run_id": [self.run_id] * len(self.outcomes),
                "checked_at": [self.checked_at] * len(self.outcomes),
                "suite": [o.suite for o in self.outcomes],
                "expectation": [o.expectation for o in self.outcomes],
                "success": [o.success for o in self.outcomes],
                "details": [
                    json.dumps({"severity": o.severity, **o.details}, ensure_ascii=False)
                    for o in self.outcomes
                ],
            },
            schema=DQ_RESULTS_SCHEMA,
        )


def _describe(outcome: CheckOutcome) -> str:
    """'prices_low_le_high failed on 1 row: (ADBE, 2024-02-16)' and its kin."""
    name = outcome.expectation + (" (warning)" if outcome.severity == "warning" else "")
    d = outcome.details
    if "exception" in d:
        return f"{name} failed: {d['exception']}"
    if "missing" in d:
        return f"{name} failed: missing {', '.join(map(str, d['missing']))}"
    if "mismatched" in d:
        missing = d["mismatched"].get("missing") or []
        return f"{name} failed: missing columns {', '.join(missing)}"
    count = d.get("unexpected_count")
    if count:
        rows = d.get("rows", [])
        shown = ", ".join("(" + ", ".join(str(v) for v in r.values()) + ")" for r in rows[:5])
        # details keep at most 20 rows: count the rest from the expectation's own figure
        rest = count - len(rows[:5])
        more = f" and {rest} more" if rows and rest > 0 else ""
        return f"{name} failed on {count} row{'s' if count != 1 else ''}: {shown}{more}"
    if "observed_value" in d:
        return f"{name} failed: observed {d['observed_value']}"
    return f"{name} failed"
