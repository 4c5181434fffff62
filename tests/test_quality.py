"""Data-quality suites: clean frames pass, each seeded bad row fails with its rows named."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from newsdesk.quality import QualityReport, load_suites, run_checks  # noqa: E402
from tests.quality_frames import (  # noqa: E402
    ADBE_16,
    RUN_DATE,
    SUITES_DIR,
    TABLES,
    TODAY,
    clean_frames,
    set_row,
)


# Every test that runs suites through Great Expectations (0.5 s a table, 6 s with Data Docs) is
# marked slow; what is checked before GX starts (suite files, severity overrides) is not.
def check(table: str, frame: pl.DataFrame, today: date = TODAY, **kwargs: object) -> QualityReport:
    """Run the suites on one table only (the others are tested on their own)."""
    return run_checks(
        {table: frame},
        run_id="test",
        run_date=RUN_DATE,
        suites_dir=SUITES_DIR,
        docs_dir=None,
        today=today,
        **kwargs,
    )


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory: pytest.TempPathFactory) -> QualityReport:
    """One full run over every table, with Data Docs (GX is slow: done once)."""
    docs = tmp_path_factory.mktemp("dq")
    return run_checks(
        clean_frames(),
        run_id="clean",
        run_date=RUN_DATE,
        suites_dir=SUITES_DIR,
        docs_dir=docs,
        expected_symbols=["ADBE", "GOOGL"],
        today=TODAY,
    )


def test_every_table_has_a_suite() -> None:
    assert set(load_suites(SUITES_DIR)) == set(TABLES)


@pytest.mark.slow
def test_clean_frames_pass_every_expectation(clean_report: QualityReport) -> None:
    failed = [o for o in clean_report.outcomes if not o.success]
    assert failed == [], clean_report.summary_line()
    assert {o.suite for o in clean_report.outcomes} == set(TABLES)
    assert clean_report.failed_blocking == []
    assert clean_report.summary_line().startswith("all ")


@pytest.mark.slow
def test_data_docs_index_names_the_suites(clean_report: QualityReport) -> None:
    assert clean_report.docs_index is not None
    html = clean_report.docs_index.read_text(encoding="utf-8")
    for table in TABLES:
        assert table in html


@pytest.mark.slow
def test_to_frame_has_dq_results_columns(clean_report: QualityReport) -> None:
    frame = clean_report.to_frame()
    assert frame.columns == ["run_id", "checked_at", "suite", "expectation", "success", "details"]
    assert frame.height == len(clean_report.outcomes)
    assert frame.schema["success"] == pl.Boolean
    assert frame.schema["checked_at"] == pl.Datetime("us")
    details = json.loads(frame.filter(pl.col("expectation") == "prices_pk_unique")["details"][0])
    assert details["severity"] == "blocking"
    assert details["unexpected_count"] == 0


def _duplicate(key: dict) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def mutate(df: pl.DataFrame) -> pl.DataFrame:
        hit = pl.all_horizontal([pl.col(k) == v for k, v in key.items()])
        return pl.concat([df, df.filter(hit)])

    return mutate


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "mutate", "expected_failures", "row"),
    [
        pytest.param(
            "prices",
            set_row(ADBE_16, close=-1.0),
            {"prices_close_positive", "prices_low_le_open_close_le_high"},
            "(ADBE, 2024-02-16)",
            id="negative-close",
        ),
        pytest.param(
            "prices",
            set_row(ADBE_16, high=500.0),
            {"prices_low_le_high", "prices_low_le_open_close_le_high"},
            "(ADBE, 2024-02-16)",
            id="high-below-low",
        ),
        pytest.param(
            "prices",
            _duplicate({"symbol": "GOOGL", "date": date(2024, 2, 16)}),
            {"prices_pk_unique"},
            "(GOOGL, 2024-02-16)",
            id="duplicate-key",
        ),
        pytest.param(
            "prices",
            set_row({"symbol": "ADBE", "date": date(2024, 2, 15)}, date=date(2024, 2, 10)),
            {"prices_trading_day"},
            "(ADBE, 2024-02-10)",
            id="saturday",
        ),
        pytest.param(
            "prices",
            set_row(ADBE_16, date=date(2024, 2, 20)),
            {"prices_not_in_future"},
            "(ADBE, 2024-02-20)",
            id="after-today",
        ),
        pytest.param(
            "fx_rates",
            set_row({"quote": "CNY"}, rate=0.72),
            {"fx_rates_usd_cny_in_band"},
            "(2024-02-16, USD, CNY)",
            id="usd-cny-unit-slip",
        ),
        pytest.param(
            "claims",
            set_row({"claim_id": "c1"}, verdict="maybe"),
            {"claims_verdict_allowed"},
            "(c1)",
            id="verdict-maybe",
        ),
        pytest.param(
            "claims",
            set_row({"claim_id": "c2"}, verdict=None),
            {"claims_judged_unless_other"},
            "(c2)",
            id="unjudged-claim",
        ),
        pytest.param(
            "claims",
            set_row({"claim_id": "c1"}, explanation=" "),
            {"claims_explained_if_judged"},
            "(c1)",
            id="blank-explanation",
        ),
        pytest.param(
            "claims",
            set_row({"claim_id": "c2"}, qualifier="roughly"),
            {"claims_qualifier_allowed"},
            "(c2)",
            id="unknown-qualifier",
        ),
        pytest.param(
            "claims",
            set_row({"claim_id": "c1"}, reference_date=date(2024, 2, 23)),
            {"claims_not_in_future"},
            "(c1)",
            id="claim-in-future",
        ),
        pytest.param(
            "splits",
            set_row({"symbol": "GOOGL"}, ratio=0.05),
            {"splits_ratio_consistent"},
            "(GOOGL, 2022-07-18)",
            id="split-ratio-inverted",
        ),
    ],
)
def test_seeded_bad_row_is_caught(
    table: str,
    mutate: Callable[[pl.DataFrame], pl.DataFrame],
    expected_failures: set[str],
    row: str,
) -> None:
    report = check(table, mutate(clean_frames()[table]))
    failed = {o.expectation for o in report.outcomes if not o.success}
    assert failed == expected_failures, report.summary_line()
    for outcome in report.failed_blocking:
        assert outcome.details["unexpected_count"] >= 1
        shown = "(" + ", ".join(str(v) for v in outcome.details["rows"][0].values()) + ")"
        assert shown == row
    line = report.summary_line()
    for name in expected_failures:
        assert name in line
    assert row in line


@pytest.mark.slow
def test_future_is_judged_against_today_not_the_run_date() -> None:
    # A bar after the run date but before today is the market window, not an error.
    frame = set_row(ADBE_16, date=date(2024, 2, 20))(clean_frames()["prices"])
    report = check("prices", frame, today=date(2024, 2, 21))
    assert report.failed_blocking == [], report.summary_line()


@pytest.mark.slow
def test_event_without_a_date_is_only_a_warning() -> None:
    frame = clean_frames()["events"].with_columns(event_date=pl.lit(None, dtype=pl.Date))
    report = check("events", frame)
    assert report.failed_blocking == []
    assert "events_event_date_not_null (warning) failed on 1 row: (sora)" in report.summary_line()


@pytest.mark.slow
def test_missing_watchlist_symbol_is_named() -> None:
    report = check("prices", clean_frames()["prices"], expected_symbols=["ADBE", "MSFT"])
    (outcome,) = report.failed_blocking
    assert outcome.expectation == "prices_watchlist_present"
    assert outcome.details["missing"] == ["MSFT"]
    assert outcome.details["unexpected_count"] == 1
    assert "missing MSFT" in report.summary_line()


@pytest.mark.slow
def test_missing_column_fails_the_schema_check() -> None:
    report = check("prices", clean_frames()["prices"].drop("volume"))
    failed = {o.expectation for o in report.failed_blocking}
    assert "prices_columns_present" in failed
    assert "volume" in report.summary_line()


@pytest.mark.slow
def test_wrong_dtype_fails_the_type_check() -> None:
    frame = clean_frames()["prices"].with_columns(pl.col("date").cast(pl.String))
    report = check("prices", frame)
    failed = {o.expectation for o in report.failed_blocking}
    assert "prices_date_type" in failed


@pytest.mark.slow
def test_warning_failure_is_not_blocking() -> None:
    frame = set_row(ADBE_16, adj_close=-1.0)(clean_frames()["prices"])
    report = check("prices", frame)
    failed = [o for o in report.outcomes if not o.success]
    assert [o.expectation for o in failed] == ["prices_adj_close_positive"]
    assert failed[0].severity == "warning"
    assert report.failed_blocking == []
    assert "(warning)" in report.summary_line()


@pytest.mark.slow
def test_severity_override_demotes_a_blocking_check() -> None:
    frame = set_row({"quote": "CNY"}, rate=0.72)(clean_frames()["fx_rates"])
    report = check("fx_rates", frame, severity_overrides={"fx_rates_usd_cny_in_band": "warning"})
    assert report.failed_blocking == []
    assert any(not o.success and o.severity == "warning" for o in report.outcomes)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"no_such_check": "warning"}, "no_such_check"), ({"prices_pk_unique": "fatal"}, "one of")],
)
def test_bad_severity_override_is_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check("prices", clean_frames()["prices"], severity_overrides=overrides)


def test_malformed_suite_is_refused(tmp_path: Path) -> None:
    suite = {
        "suite": "prices",
        "expectations": [
            {"id": "x", "type": "expect_column_to_exist", "kwargs": {}, "severity": "fatal"}
        ],
    }
    (tmp_path / "prices.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(ValueError, match="severity"):
        load_suites(tmp_path)


def test_summary_counts_the_rows_beyond_those_it_names() -> None:
    from newsdesk.quality import CheckOutcome

    rows = [{"symbol": f"S{i}", "date": "2024-02-16"} for i in range(20)]  # details keep 20
    outcome = CheckOutcome(
        "prices", "prices_close_positive", False, "blocking",
        {"unexpected_count": 100, "rows": rows},
    )  # fmt: skip
    line = QualityReport("r", [outcome], None).summary_line()
    assert line.startswith("prices_close_positive failed on 100 rows: (S0, 2024-02-16)")
    assert line.endswith("and 95 more")
