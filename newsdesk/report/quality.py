"""The report's quality line: a day's data-quality counts and the way to its Data Docs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from newsdesk.report.figures import count_figure, number_of


@dataclass(frozen=True)
class QualityCounts:
    """How the expectations of one run came out (from dq_results)."""

    run_id: str
    passed: int
    failed: int
    warnings: int  # of the failed, those only reported (severity warning)

    def text(self) -> str:
        """'Data quality: 41 checks passed, 2 failed (2 warnings).'"""
        failed = f"{number_of(self.failed)} failed"
        if self.failed and self.warnings:
            failed += f" ({count_figure(self.warnings, 'warning')})"
        return f"Data quality: {count_figure(self.passed, 'check')} passed, {failed}."


def quality_counts(frame: pl.DataFrame) -> QualityCounts | None:
    """The row of the `report_quality` read as counts; None when no run checked the day."""
    if frame.height == 0 or frame["run_id"][0] is None:
        return None
    row = frame.row(0, named=True)
    return QualityCounts(
        run_id=row["run_id"],
        passed=int(row["passed"] or 0),
        failed=int(row["failed"] or 0),
        warnings=int(row["warnings"] or 0),
    )


def docs_link(docs_index: Path | None, out_dir: Path) -> str | None:
    """The Data Docs index relative to the reports folder, with forward slashes (a URL path);
    None when there is no index to open (a link to nothing helps nobody)."""
    if docs_index is None or not Path(docs_index).is_file():
        return None
    rel = os.path.relpath(Path(docs_index).resolve(), Path(out_dir).resolve())
    return Path(rel).as_posix()
