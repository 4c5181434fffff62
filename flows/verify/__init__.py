"""Claims + market facts -> verdicts: pure polars/python, no I/O."""

from flows.verify.facts import MarketFacts
from flows.verify.figures import figure_precision, written_figures
from flows.verify.judge import judge_claims
from flows.verify.private import reported_valuations
from flows.verify.tolerance import VerifyPolicy, stated_interval

__all__ = [
    "MarketFacts",
    "VerifyPolicy",
    "figure_precision",
    "judge_claims",
    "reported_valuations",
    "stated_interval",
    "written_figures",
]
