"""The check step: hold what the run loaded to the data-quality suites."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date

import polars as pl

from flows.run import Run, get_logger
from newsdesk.errors import RunFailed, UsageError
from newsdesk.resources import expectations_dir
from newsdesk.transform.records import Malformed


def check_step(
    run: Run,
    frames: Mapping[str, pl.DataFrame],
    run_date: date,
    *,
    set_aside: Sequence[Malformed] = (),
    sources_read: Collection[str] = (),
    excused: Collection[str] = (),
):
    """Hold frames to the suites before they are published; a blocking failure fails the run.

    The records the market step set aside are reported beside the suites' outcomes, as
    warnings (see newsdesk/quality/set_aside.py). ``excused``: watchlist symbols whose
    fetch already failed (and fails the run by itself): their absence blocks no other load.
    """
    from newsdesk.extract.sessions import sessions_between
    from newsdesk.quality import run_checks, set_aside_outcomes

    # The watchlist's prices can only be expected on a day the market was open.
    open_day = sessions_between(run_date, run_date)
    expected = [s for s in run.settings.market.watchlist if s not in excused] if open_day else []
    try:
        report = run_checks(
            {name: frame for name, frame in frames.items() if frame is not None},
            run_id=run.run_id,
            run_date=run_date,
            suites_dir=expectations_dir(),
            docs_dir=run.settings.warehouse.dq_dir,
            severity_overrides=dict(run.settings.quality.severity),
            expected_symbols=expected,
            today=run.today,
        )
    except ValueError as exc:  # an unknown expectation id in quality.severity
        raise UsageError(f"config: quality.severity: {exc}") from None
    extra = set_aside_outcomes(set_aside, sorted(sources_read))
    report = replace(report, outcomes=[*report.outcomes, *extra])
    run.warehouse.append("dq_results", report.to_frame())
    log = get_logger()
    failed = report.failed_blocking
    log.info("checks: %d expectations, %d blocking failures", len(report.outcomes), len(failed))
    if failed:
        raise RunFailed(f"data-quality check failed: {report.summary_line()}")
    return report
