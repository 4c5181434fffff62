"""The plan a run makes before it fetches; the reports it writes; its run id (run directly)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from flows import engine
from flows.plan import make_plan, plan_step
from flows.report import judged_days
from flows.run import open_run
from newsdesk.config import load_settings
from newsdesk.errors import RunFailed
from tests.builders import bar, make_workspace, query


def bare_config(tmp_path: Path) -> Path:
    """A config with nothing to fetch: no watchlist, no news."""
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        "[warehouse]\n"
        f'path = "{tmp_path / "wh" / "newsdesk.duckdb"}"\n'
        f'raw_dir = "{tmp_path / "raw"}"\n'
        f'reports_dir = "{tmp_path / "reports"}"\n'
        f'dq_dir = "{tmp_path / "dq"}"\n',
        encoding="utf-8",
    )
    return config


def test_an_empty_backfill_fails_with_the_reason_and_writes_no_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from flows.cli import main

    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    config = bare_config(tmp_path)
    argv = ["backfill", "--start", "2024-02-12", "--end", "2024-02-20", "--offline"]
    assert main([*argv, "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].endswith(
        "nothing to backfill for 2024-02-12..2024-02-20: no symbols given, the watchlist is "
        "empty and no news is configured"
    )
    assert not (tmp_path / "reports").exists()
    assert not (tmp_path / "raw").exists()
    [(status, span)] = query(
        tmp_path / "wh" / "newsdesk.duckdb", "select status, stats->>'$.span.start' from runs"
    )
    assert (status, span) == ("failed", "2024-02-12")


def test_an_empty_nightly_says_what_is_missing(tmp_path: Path) -> None:
    from flows.nightly import nightly

    config = bare_config(tmp_path)
    with (
        engine.direct(),
        pytest.raises(RunFailed, match=r"^nothing to run for 2024-02-20: the watchlist is empty "
                                       r"and no news is configured$"),
    ):  # fmt: skip
        nightly.fn(run_date=date(2024, 2, 20), offline=True, config=str(config))
    assert not (tmp_path / "reports").exists()


def test_the_plan_counts_symbols_sessions_and_what_is_already_held(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    workspace = make_workspace(tmp_path)
    settings = load_settings(workspace.config)
    run = open_run(settings, offline=True)
    start, end = date(2024, 2, 12), date(2024, 2, 21)

    plan = make_plan(run, start, end, symbols=["MSFT"], flow_name="backfill")
    assert plan.symbols == ("ADBE", "GOOG", "GOOGL", "MSFT", "SSTK")
    assert len(plan.sessions) == 7  # 19 Feb was Presidents' Day
    assert (plan.held, plan.fx_days_held) == (0, 0)
    assert plan.pages == len(settings.news.pages) > 0 and plan.offline
    assert plan.fx_start == date(2024, 2, 2)  # lookback_days before the start

    run.warehouse.write(
        {
            "prices": pl.DataFrame([bar("ADBE", date(2024, 2, 12), 600.0),
                                    bar("MSFT", date(2024, 2, 13), 400.0),
                                    bar("MSFT", date(2024, 2, 1), 400.0)]),  # before the FX window
            "fx_rates": pl.DataFrame({"date": [date(2024, 2, 5)], "base": ["USD"],
                                      "quote": ["EUR"], "rate": [0.93], "source": ["ecb"]}),
        }
    )  # fmt: skip
    with caplog.at_level(logging.INFO, logger="newsdesk"):
        plan = plan_step(run, start, end, symbols=["MSFT"], flow_name="backfill")
    assert (plan.held, plan.fx_days_held) == (2, 1)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("plan ")]
    assert line.startswith(
        "plan backfill 2024-02-12..2024-02-21: 5 symbols × 7 sessions (2 of 35 held)"
    )
    assert f"news {plan.pages} pages, 0 feeds" in line
    assert "FX 2024-02-02..2024-02-21 6 quotes (1 of 20 days held)" in line
    assert line.endswith("replaying the landing zone")
    assert run.stats.as_dict()["span"] == {"start": "2024-02-12", "end": "2024-02-21"}


def test_symbols_alone_make_a_plan(tmp_path: Path) -> None:
    run = open_run(load_settings(bare_config(tmp_path)), offline=True)
    plan = plan_step(run, date(2024, 2, 20), date(2024, 2, 20), symbols=["ADBE"],
                     flow_name="backfill")  # fmt: skip
    assert not plan.empty and plan.symbols == ("ADBE",)


def test_a_direct_run_id_is_a_uuid_hex(tmp_path: Path) -> None:
    run = open_run(load_settings(bare_config(tmp_path)), offline=True)
    assert re.fullmatch(r"[0-9a-f]{32}", run.run_id)


def test_reports_are_due_only_for_days_with_judged_claims() -> None:
    articles = pl.DataFrame(
        {"article_id": ["a", "b"],
         "published_at": [datetime(2024, 2, 20, 10), datetime(2024, 2, 25, 9)]}
    )  # fmt: skip
    claims = pl.DataFrame(
        {
            "article_id": ["a", "a", "b", "b"],
            "reference_date": [date(2024, 2, 16), date(2024, 2, 14), date(2024, 2, 18), None],
            "verdict": ["supported", None, "contradicted", "unverifiable"],
        }
    )
    start, end = date(2024, 2, 12), date(2024, 2, 21)
    # 14 Feb: a claim not judged; 18 Feb: judged; 25 Feb: outside the range
    assert judged_days(claims, articles, start, end) == [
        date(2024, 2, 16), date(2024, 2, 18), date(2024, 2, 20)
    ]  # fmt: skip
    assert judged_days(claims.clear(), articles, start, end) == []
