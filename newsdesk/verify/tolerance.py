"""The interval a stated figure allows: its precision, shaped by its qualifier, then floored."""

from __future__ import annotations

import math

from newsdesk.config import VerifyPolicy
from newsdesk.verify.precision import figure_precision, is_percent_text

INF = math.inf
# Float noise: 1.58 - 0.005 is 1.5750000000000002, which must still accept 1.575.
_EPS = 1e-9
# how much wider than its half unit a stated move's rounding may reach (see magnitude_interval)
PRINT_SLACK = 0.2


def _whole_units(claim_type: str, span_text: str | None) -> bool:
    return claim_type in ("price_move", "valuation_change") or is_percent_text(span_text)


def magnitude_interval(
    value: float,
    qualifier: str | None,
    *,
    span_text: str | None,
    policy: VerifyPolicy,
    claim_type: str,
    precision: float | None = None,
) -> tuple[float, float]:
    """The accepted interval of |observed| for a stated |value|.

    `precision`: the written precision the extractor stored for `value`; None reads the span.
    """
    m = abs(value)
    p = figure_precision(
        value,
        span_text=span_text,
        whole_units=_whole_units(claim_type, span_text),
        precision=precision,
    )
    if claim_type == "price_move":
        # a move is rounded from one of several closing prints (consolidated, primary exchange),
        # often from a rounded intermediate: a fifth more than the half unit ("20.9%" for a
        # measured 20.849%, "10.70%" for 10.6945%) is still the stated figure
        p *= 1 + PRINT_SLACK
    if qualifier == "over":
        # 超7% means at least 7: not "7 give or take rounding", so no precision below
        lo, hi = m, INF
    elif qualifier == "nearly":
        lo, hi = m * (1 - policy.nearly_margin), m + p
    elif qualifier == "about":
        lo, hi = m - p - policy.about_margin * m, m + p + policy.about_margin * m
    elif qualifier == "under":
        lo, hi = 0.0, m
    else:
        lo, hi = m - p, m + p
    floor = policy.floors.get(claim_type, 0.0) * m
    return max(0.0, min(lo, m - floor)), max(hi, m + floor)


def stated_interval(
    value: float,
    qualifier: str,
    *,
    span_text: str | None,
    policy: VerifyPolicy,
    claim_type: str,
) -> tuple[float, float]:
    """Signed (lo, hi) the observed figure must fall in for the statement to hold."""
    lo, hi = magnitude_interval(
        value, qualifier, span_text=span_text, policy=policy, claim_type=claim_type
    )
    return (-hi, -lo) if value < 0 else (lo, hi)


def range_interval(
    value: float,
    range_end: float,
    qualifier: str | None,
    *,
    span_text: str | None,
    policy: VerifyPolicy,
    claim_type: str,
) -> tuple[float, float]:
    """Magnitude interval for a stated range: from the lower end's lo to the upper end's hi."""
    # over/nearly/under make no sense on both ends of a range: only `about` widens it
    shape = "about" if qualifier == "about" else "exact"
    ends = [
        magnitude_interval(end, shape, span_text=span_text, policy=policy, claim_type=claim_type)
        for end in (value, range_end)
    ]
    return min(lo for lo, _ in ends), max(hi for _, hi in ends)


def within(magnitude: float, interval: tuple[float, float], *, strict_hi: bool = False) -> bool:
    """Is |observed| in the interval (upper end excluded when `strict_hi`)?"""
    lo, hi = interval
    tol_lo, tol_hi = _EPS * max(1.0, abs(lo)), _EPS * max(1.0, abs(hi) if hi < INF else 1.0)
    if magnitude < lo - tol_lo:
        return False
    return magnitude < hi - tol_hi if strict_hi else magnitude <= hi + tol_hi


def opposite_directions(stated: float, observed: float) -> bool:
    """A stated fall with an observed rise (or the reverse), whatever the magnitudes."""
    return stated * observed < 0
