"""Run every loaded table through its suite in one GX context → a QualityReport."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk.quality.details import MAX_ROWS, result_details
from newsdesk.quality.docs import build_docs, gx_context, publish_run
from newsdesk.quality.outcomes import CheckOutcome, QualityReport
from newsdesk.quality.prepare import prepare_frame, to_pandas
from newsdesk.quality.suites import Suite, check_overrides, load_suites


def run_checks(
    frames: Mapping[str, pl.DataFrame],
    *,
    run_id: str,
    run_date: date,
    suites_dir: Path,
    docs_dir: Path | None,
    severity_overrides: Mapping[str, str] = {},  # noqa: B006 - read-only, part of the API
    expected_symbols: Sequence[str] = (),
    today: date | None = None,
) -> QualityReport:
    """Validate each loaded table against its suite; build Data Docs under docs_dir if given.

    `today` (default: the UTC date) bounds "no future dates"; `run_date` picks the watchlist day.
    """
    suites = load_suites(suites_dir)
    check_overrides(suites, severity_overrides)
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    today = today or checked_at.date()
    to_run = {name: frames[name] for name in sorted(frames) if name in suites}
    prepared = {
        name: to_pandas(prepare_frame(frame, suites[name], run_date=run_date, today=today))
        for name, frame in to_run.items()
    }
    params = {"expected_symbols": sorted(set(expected_symbols)), "run_date": run_date.isoformat()}
    results, pages = _validate(
        {name: suites[name] for name in prepared}, prepared, params, docs_dir, run_id, checked_at
    )
    outcomes = []
    for name, result in results.items():
        suite = suites[name]
        by_id = {r.expectation_config.meta.get("id"): r for r in result.results}
        for exp in suite.expectations:
            severity = severity_overrides.get(exp.id, exp.severity)
            res = by_id[exp.id]
            details = result_details(exp, res, suite, prepared[name], params)
            outcomes.append(CheckOutcome(name, exp.id, bool(res.success), severity, details))
    report = QualityReport(run_id=run_id, outcomes=outcomes, docs_index=None, checked_at=checked_at)
    if docs_dir is None:
        return report
    return replace(report, docs_index=publish_run(Path(docs_dir), report, run_date, pages))


def _validate(
    suites: Mapping[str, Suite],
    frames: Mapping[str, Any],
    params: Mapping[str, Any],
    docs_dir: Path | None,
    run_id: str,
    checked_at: datetime,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Run each suite on its frame in one GX context → results, and each suite's docs page."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    context = gx_context(docs_dir)
    source = context.data_sources.add_pandas("newsdesk")
    gx_run = RunIdentifier(run_name=run_id, run_time=checked_at.replace(tzinfo=UTC))
    results = {}
    for name, suite in suites.items():
        gx_suite = gx.ExpectationSuite(name=name, meta={"version": suite.version})
        for exp in suite.expectations:
            config = ExpectationConfiguration(
                type=exp.type,
                kwargs=exp.kwargs,
                meta={"id": exp.id, "severity": exp.severity, "note": exp.note},
            )
            gx_suite.add_expectation(config.to_domain_obj())
        gx_suite = context.suites.add(gx_suite)
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("loaded")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
        )
        keys = [c for c in suite.primary_key if c in frames[name].columns]
        results[name] = definition.run(
            batch_parameters={"dataframe": frames[name]},
            expectation_parameters=dict(params),
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": MAX_ROWS,
                "unexpected_index_column_names": keys,
            },
            run_id=gx_run,
        )
    pages = build_docs(context, docs_dir) if docs_dir is not None and results else {}
    return results, pages
