"""A run's data-quality summary for the report: counts, failing expectations, Data Docs paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from newsdesk.quality.history import RunRecord, load_records
from newsdesk.quality.site_index import INDEX


@dataclass(frozen=True)
class QualitySummary:
    """What one run's checks found, and where its Data Docs are on disk."""

    run_id: str
    run_date: date
    checked_at: datetime
    evaluated: int
    passed: int
    failed_blocking: tuple[str, ...]
    failed_warning: tuple[str, ...]
    status: str  # passed | warning | failed
    index: Path  # the Data Docs index, absolute
    pages: dict[str, Path]  # suite → its validation page of this run, absolute

    @property
    def failed(self) -> int:
        return len(self.failed_blocking) + len(self.failed_warning)

    def line(self) -> str:
        """'64 of 66 expectations passed; failed: prices_close_positive; warning: …'."""
        text = f"{self.passed} of {self.evaluated} expectations passed"
        if self.failed_blocking:
            text += "; failed: " + ", ".join(self.failed_blocking)
        if self.failed_warning:
            text += "; warning: " + ", ".join(self.failed_warning)
        return text

    def link_from(self, directory: Path) -> str:
        """The index as a relative link from a page in directory (a report under reports/)."""
        return Path(os.path.relpath(self.index, Path(directory).resolve())).as_posix()

    def as_dict(self) -> dict:
        """JSON-ready (for --json output or an artifact)."""
        return {
            "run_id": self.run_id,
            "run_date": self.run_date.isoformat(),
            "checked_at": self.checked_at.isoformat(),
            "evaluated": self.evaluated,
            "passed": self.passed,
            "failed": self.failed,
            "failed_blocking": list(self.failed_blocking),
            "failed_warning": list(self.failed_warning),
            "status": self.status,
            "index": str(self.index),
            "pages": {suite: str(page) for suite, page in self.pages.items()},
        }


def quality_summary(
    dq_dir: Path, *, run_id: str | None = None, run_date: date | None = None
) -> QualitySummary | None:
    """The latest check of run_id (else of run_date, else of any run); None when none matches.

    A backfill checks its whole range once, recorded under its last date: pass the run_id to
    find it from a report of an earlier day of the range.
    """
    for record in load_records(dq_dir):
        if run_id is not None and record.run_id != run_id:
            continue
        if run_date is not None and record.run_date != run_date:
            continue
        return _summary(Path(dq_dir), record)
    return None


def _summary(dq_dir: Path, record: RunRecord) -> QualitySummary:
    site = dq_dir.resolve()
    return QualitySummary(
        run_id=record.run_id,
        run_date=record.run_date,
        checked_at=record.checked_at,
        evaluated=record.evaluated,
        passed=record.passed,
        failed_blocking=record.failed_blocking,
        failed_warning=record.failed_warning,
        status=record.status,
        index=site / INDEX,
        pages={s.suite: site / s.page for s in record.suites if s.page},
    )
