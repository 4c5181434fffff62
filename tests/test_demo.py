"""`newsdesk demo`: the nightly job over the bundled snapshot gives the expected verdicts."""

from __future__ import annotations

import pytest

from flows.cli import main
from newsdesk.warehouse import Warehouse

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def test_demo_prints_the_sora_day_report_and_leaves_the_landing_zone_alone(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("NEWSDESK_RAW_DIR", str(tmp_path / "raw"))
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out
    assert "13 judged: 0 contradicted, 2 unverifiable, 11 supported" in printed
    # The compact summary and the report's paths, not the report itself (issue 10 §7).
    assert "2024-02-20.html" in printed and "|" not in printed
    assert max(len(line) for line in printed.splitlines()) <= 100
    verdicts = dict(
        Warehouse(tmp_path / "demo.duckdb")
        .query(
            "select subjects[1] || ' ' || claim_type, list_distinct(list(verdict)) from claims "
            "where claim_type in ('price_move', 'market_cap_change', 'valuation_change') "
            "group by 1"
        )
        .iter_rows()
    )
    assert verdicts == {
        "ADBE price_move": ["supported"],
        "SSTK price_move": ["supported"],
        "GOOGL price_move": ["supported"],
        "ADBE market_cap_change": ["supported"],
        "OpenAI valuation_change": ["supported"],
    }
    # A second demo copies nothing over what is already landed: the zone is immutable.
    stamps = {p: p.stat().st_ctime_ns for p in (tmp_path / "raw").rglob("*") if p.is_file()}
    assert main(["demo"]) == 0
    after = {p: p.stat().st_ctime_ns for p in (tmp_path / "raw").rglob("*") if p.is_file()}
    assert after == stamps
