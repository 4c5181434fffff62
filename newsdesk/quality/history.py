"""Every run's validations, kept as one JSON record per check under <dq_dir>/runs/.

GX's validation store lives in memory for the length of a run; these records are what outlives
it: the Data Docs index lists them all (the report's quality line counts dq_results). A record holds
counts and failing expectation ids, not rows; the rows are in the dq_results table.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from newsdesk.quality.offline import write_atomically
from newsdesk.quality.outcomes import QualityReport

RUNS_DIR = "runs"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuiteRecord:
    """One suite's result in one run, and its Data Docs page (relative to the site)."""

    suite: str
    page: str | None
    evaluated: int
    failed_blocking: tuple[str, ...]
    failed_warning: tuple[str, ...]

    @property
    def passed(self) -> int:
        return self.evaluated - len(self.failed_blocking) - len(self.failed_warning)

    @property
    def status(self) -> str:
        return _status(self.failed_blocking, self.failed_warning)


@dataclass(frozen=True)
class RunRecord:
    """What one run's checks found, suite by suite."""

    run_id: str
    run_date: date
    checked_at: datetime
    suites: tuple[SuiteRecord, ...]

    @property
    def evaluated(self) -> int:
        return sum(s.evaluated for s in self.suites)

    @property
    def passed(self) -> int:
        return sum(s.passed for s in self.suites)

    @property
    def failed_blocking(self) -> tuple[str, ...]:
        return tuple(e for s in self.suites for e in s.failed_blocking)

    @property
    def failed_warning(self) -> tuple[str, ...]:
        return tuple(e for s in self.suites for e in s.failed_warning)

    @property
    def status(self) -> str:
        return _status(self.failed_blocking, self.failed_warning)

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "run_date": self.run_date.isoformat(),
            "checked_at": self.checked_at.isoformat(),
            "suites": [
                {
                    "suite": s.suite,
                    "page": s.page,
                    "evaluated": s.evaluated,
                    "failed_blocking": list(s.failed_blocking),
                    "failed_warning": list(s.failed_warning),
                }
                for s in self.suites
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> RunRecord:
        return cls(
            run_id=str(data["run_id"]),
            run_date=date.fromisoformat(data["run_date"]),
            checked_at=datetime.fromisoformat(data["checked_at"]),
            suites=tuple(
                SuiteRecord(
                    suite=str(s["suite"]),
                    page=s.get("page"),
                    evaluated=int(s["evaluated"]),
                    failed_blocking=tuple(s.get("failed_blocking", ())),
                    failed_warning=tuple(s.get("failed_warning", ())),
                )
                for s in data["suites"]
            ),
        )


def record_of(report: QualityReport, run_date: date, pages: Mapping[str, Path]) -> RunRecord:
    """The record of a run's report; pages map each suite to its page in the site."""
    suites = []
    for name in sorted({o.suite for o in report.outcomes}):
        outcomes = [o for o in report.outcomes if o.suite == name]
        page = pages.get(name)
        suites.append(
            SuiteRecord(
                suite=name,
                page=page.as_posix() if page is not None else None,
                evaluated=len(outcomes),
                failed_blocking=tuple(
                    o.expectation for o in outcomes if not o.success and o.severity == "blocking"
                ),
                failed_warning=tuple(
                    o.expectation for o in outcomes if not o.success and o.severity != "blocking"
                ),
            )
        )
    return RunRecord(report.run_id, run_date, report.checked_at, tuple(suites))


def save_record(dq_dir: Path, record: RunRecord) -> Path:
    """Write the record as runs/<checked at>-<run id>.json; a re-check of a run adds a file."""
    folder = Path(dq_dir) / RUNS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", record.run_id)[:80]
    path = folder / f"{record.checked_at:%Y%m%dT%H%M%S%f}-{safe_id}.json"
    write_atomically(path, json.dumps(record.as_json(), indent=1, ensure_ascii=False) + "\n")
    return path


def load_records(dq_dir: Path) -> list[RunRecord]:
    """Every record under dq_dir, newest check first; a file that does not parse is skipped."""
    records = []
    for path in sorted((Path(dq_dir) / RUNS_DIR).glob("*.json")):
        try:
            records.append(RunRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("data docs: skipped the run record %s: %s", path, exc)
    return sorted(records, key=lambda r: r.checked_at, reverse=True)


def _status(blocking: tuple[str, ...], warning: tuple[str, ...]) -> str:
    """failed (a blocking expectation failed), warning (only warnings failed) or passed."""
    if blocking:
        return "failed"
    return "warning" if warning else "passed"
