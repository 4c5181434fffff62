"""Data-quality suites: versioned JSON → Great Expectations over pandas frames → dq_results."""

from flows.quality.runner import (
    DOCS_SITE,
    DQ_COLUMNS,
    MAX_ROWS,
    SEVERITIES,
    CheckOutcome,
    Expectation,
    QualityReport,
    Suite,
    load_suites,
    prepare_frame,
    run_checks,
)

__all__ = [
    "DOCS_SITE",
    "DQ_COLUMNS",
    "MAX_ROWS",
    "SEVERITIES",
    "CheckOutcome",
    "Expectation",
    "QualityReport",
    "Suite",
    "load_suites",
    "prepare_frame",
    "run_checks",
]
