"""Claims + market facts -> verdicts: pure polars/python, no I/O."""

from newsdesk.config import VerifyPolicy
from newsdesk.verify.facts import MarketFacts
from newsdesk.verify.judge import judge_claims
from newsdesk.verify.precision import figure_precision, written_figures
from newsdesk.verify.private_valuations import reported_valuations
from newsdesk.verify.tolerance import stated_interval

__all__ = [
    "MarketFacts",
    "VerifyPolicy",
    "figure_precision",
    "judge_claims",
    "reported_valuations",
    "stated_interval",
    "written_figures",
]
