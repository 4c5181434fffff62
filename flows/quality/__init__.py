"""Data-quality suites: versioned JSON → Great Expectations over pandas frames → dq_results."""

from flows.quality.details import MAX_ROWS
from flows.quality.docs import DOCS_SITE
from flows.quality.outcomes import DQ_COLUMNS, CheckOutcome, QualityReport
from flows.quality.prepare import prepare_frame
from flows.quality.runner import run_checks
from flows.quality.suites import SEVERITIES, Expectation, Suite, load_suites

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
