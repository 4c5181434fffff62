"""Data-quality suites: versioned JSON → Great Expectations over pandas frames → dq_results."""

from newsdesk.quality.details import MAX_ROWS
from newsdesk.quality.docs import DOCS_SITE
from newsdesk.quality.outcomes import CheckOutcome, QualityReport
from newsdesk.quality.prepare import prepare_frame
from newsdesk.quality.runner import run_checks
from newsdesk.quality.set_aside import set_aside_outcomes
from newsdesk.quality.suites import SEVERITIES, Expectation, Suite, load_suites

__all__ = [
    "DOCS_SITE",
    "MAX_ROWS",
    "SEVERITIES",
    "CheckOutcome",
    "Expectation",
    "QualityReport",
    "Suite",
    "load_suites",
    "prepare_frame",
    "run_checks",
    "set_aside_outcomes",
]
