"""Records set aside by the transforms → log lines and dq_results rows (warnings)."""

from __future__ import annotations

import json

import polars as pl

from newsdesk.quality import QualityReport, set_aside_outcomes
from newsdesk.quality.details import MAX_ROWS
from newsdesk.tables import DQ_RESULTS_SCHEMA
from newsdesk.transform.records import Malformed

BODY = "warehouse/raw/sec/CIK0000789019/20250301T000000000000Z_0123456789abcdef.body"
MSFT = Malformed(
    key="CIK0000789019",
    record="units.shares[0] form='10-Q' accn='' end='' filed='' val=7433982235",
    reason="end '' is not a YYYY-MM-DD date",
    source="sec",
    raw_path=BODY,
)


def test_the_log_line_names_source_key_record_and_reason() -> None:
    assert MSFT.line() == (
        "sec CIK0000789019: set aside units.shares[0] form='10-Q' accn='' end='' filed='' "
        f"val=7433982235: end '' is not a YYYY-MM-DD date; body kept at {BODY}"
    )
    assert "\n" not in MSFT.line()


def test_one_warning_per_source_and_key_with_count_and_sample() -> None:
    bars = [
        Malformed("ADBE", f"bar {i} (2024-02-1{i}) close='x'", "close 'x' is not a number",
                  "yahoo", "raw/yahoo/ADBE/a.body")
        for i in range(MAX_ROWS + 5)
    ]  # fmt: skip
    outcomes = set_aside_outcomes([MSFT, *bars], sources_read=["frankfurter", "sec", "yahoo"])
    by_name = {(o.suite, o.expectation, o.success): o for o in outcomes}
    assert set(by_name) == {
        ("shares_outstanding", "sec_records_malformed", False),
        ("prices", "yahoo_records_malformed", False),
        ("fx_rates", "frankfurter_records_malformed", True),
    }
    assert all(o.severity == "warning" for o in outcomes)
    sec = by_name[("shares_outstanding", "sec_records_malformed", False)].details
    assert sec == {
        "source": "sec",
        "key": "CIK0000789019",
        "unexpected_count": 1,
        "rows": [{"key": "CIK0000789019", "record": MSFT.record, "reason": MSFT.reason}],
        "raw_paths": [BODY],
    }
    yahoo = by_name[("prices", "yahoo_records_malformed", False)].details
    # Every record is counted, a sample is kept: the rows are capped as the suites' are.
    assert yahoo["unexpected_count"] == MAX_ROWS + 5 and len(yahoo["rows"]) == MAX_ROWS
    assert yahoo["raw_paths"] == ["raw/yahoo/ADBE/a.body"]


def test_records_of_two_keys_of_one_source_are_two_rows() -> None:
    other = Malformed("CIK0000320193", "units.shares[4]", "val '' is not a number", "sec")
    outcomes = set_aside_outcomes([MSFT, other])
    assert [(o.details["key"], o.details["unexpected_count"]) for o in outcomes] == [
        ("CIK0000320193", 1),
        ("CIK0000789019", 1),
    ]


def test_nothing_read_nothing_set_aside_gives_no_rows() -> None:
    assert set_aside_outcomes([]) == []


def test_they_become_dq_results_rows_with_the_contract_columns() -> None:
    report = QualityReport("run1", set_aside_outcomes([MSFT], ["sec", "yahoo"]), None)
    frame = report.to_frame()
    assert frame.schema == pl.Schema(DQ_RESULTS_SCHEMA)
    rows = frame.select("suite", "expectation", "success").rows()
    assert rows == [
        ("shares_outstanding", "sec_records_malformed", False),
        ("prices", "yahoo_records_malformed", True),
    ]
    details = json.loads(frame["details"][0])
    assert details["severity"] == "warning" and details["unexpected_count"] == 1
    # A warning: named in the run's summary line, never a blocking failure.
    assert report.failed_blocking == []
    summary = report.summary_line()
    assert summary.startswith("sec_records_malformed (warning) failed on 1 row: (CIK0000789019, ")
    assert "end '' is not a YYYY-MM-DD date" in summary
