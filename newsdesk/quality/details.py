"""One GX validation result → JSON-friendly details: counts, offending key rows, observed value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from newsdesk.quality.suites import Expectation, Suite

MAX_ROWS = 20


def result_details(
    exp: Expectation, res: Any, suite: Suite, frame: Any, params: Mapping[str, Any]
) -> dict[str, Any]:
    """unexpected_count, up to MAX_ROWS offending rows (key columns), observed value or error."""
    result = dict(res.result or {})
    details: dict[str, Any] = {}
    error = _exception_message(res.exception_info)
    if error:
        details["exception"] = error
        return details
    if "unexpected_count" in result:
        details["unexpected_count"] = int(result["unexpected_count"])
        rows: list[dict[str, Any]] = []
        for row in result.get("partial_unexpected_index_list") or []:
            keyed = {k: _plain(row[k]) for k in suite.primary_key if k in row}
            if keyed and keyed not in rows:
                rows.append(keyed)
        details["rows"] = rows[:MAX_ROWS]
    mismatched = (result.get("details") or {}).get("mismatched")
    if mismatched:
        details["mismatched"] = _plain(mismatched)
    elif result.get("observed_value") is not None:
        details["observed_value"] = _plain(result["observed_value"])
    if exp.type == "expect_column_distinct_values_to_contain_set" and not res.success:
        # GX reports no usable observed set here, so name the missing values ourselves.
        column = exp.kwargs["column"]
        wanted = exp.kwargs.get("value_set")
        if isinstance(wanted, dict):
            wanted = params.get(wanted.get("$PARAMETER", ""), [])
        present = set(frame[column].dropna().tolist()) if column in frame.columns else set()
        missing = [v for v in wanted or [] if v not in present]
        details.update(
            missing=missing,
            unexpected_count=len(missing),
            rows=[{column: v} for v in missing[:MAX_ROWS]],
        )
    return details


def _exception_message(info: Any) -> str | None:
    """GX nests errors per metric; surface the first message."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "error").splitlines()[0]
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _plain(value: Any) -> Any:
    """JSON-friendly: dates as ISO strings, numpy scalars as Python, NaN/NA as None."""
    import pandas as pd

    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
