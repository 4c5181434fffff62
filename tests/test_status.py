"""Coverage (`newsdesk status`) and `backfill(missing=True)` over the demo snapshot, direct."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from flows import engine
from flows.status import coverage, rerun_spans, status_command
from newsdesk.config import Settings, WarehouseSettings, load_settings
from newsdesk.errors import RunFailed, UsageError
from newsdesk.transform.bookkeeping import run_row
from newsdesk.warehouse import Replace, Warehouse
from tests.builders import Workspace, make_workspace, query

D = date(2024, 2, 12)


def days(first: int, last: int) -> list[date]:
    return [date(2024, 2, d) for d in range(first, last + 1)]


# --- spans: what a missing backfill runs -----------------------------------------------------


@pytest.mark.parametrize(
    ("states", "spans"),
    [
        ("ok ok ok", []),
        ("missing ok ok", [(0, 0)]),
        ("missing failed ok missing", [(0, 1), (3, 3)]),
        ("ok running missing missing missing", [(2, 4)]),
        ("failed ok failed ok failed", [(0, 0), (2, 2), (4, 4)]),
    ],
)
def test_missing_and_failed_dates_run_as_contiguous_spans(states: str, spans: list) -> None:
    names = states.split()
    frame = pl.DataFrame({"date": [D + timedelta(days=i) for i in range(len(names))],
                          "state": names})  # fmt: skip
    expected = [(D + timedelta(days=a), D + timedelta(days=b)) for a, b in spans]
    assert rerun_spans(frame) == expected


def test_a_warehouse_not_created_yet_is_all_missing(tmp_path: Path) -> None:
    frame = coverage(tmp_path / "none.duckdb", ["ADBE"], D, D + timedelta(days=6))
    assert frame["state"].to_list() == ["missing"] * 7
    assert frame["session"].to_list() == [True] * 5 + [False] * 2  # 12–16 Feb, then a weekend
    assert not (tmp_path / "none.duckdb").exists()


def test_status_refuses_a_missing_warehouse_and_a_reversed_range(tmp_path: Path) -> None:
    settings = Settings(warehouse=WarehouseSettings(path=tmp_path / "wh.duckdb"))
    with pytest.raises(UsageError, match="no warehouse at"):
        status_command(settings, D, D, False)
    with pytest.raises(UsageError, match="is before start"):
        status_command(settings, D, D - timedelta(days=1), False)
    assert not (tmp_path / "wh.duckdb").exists()


# --- a warehouse with a hole: 12–14 and 20–21 Feb backfilled, 15–19 Feb never run ------------


def backfill(workspace: Workspace, start: date, end: date, **kw) -> dict:
    from flows.backfill import backfill as backfill_flow

    with engine.direct():
        return backfill_flow.fn(
            start=start, end=end, offline=True, config=str(workspace.config), **kw
        )


@pytest.fixture(scope="module")
def holed(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = make_workspace(tmp_path_factory.mktemp("holed"))
    backfill(workspace, date(2024, 2, 12), date(2024, 2, 14))
    backfill(workspace, date(2024, 2, 20), date(2024, 2, 21))
    return workspace


def copy_of(workspace: Workspace, root: Path) -> Workspace:
    """The workspace copied under root, its config pointing at the copy."""
    old = workspace.config.parent
    shutil.copytree(old, root)
    config = root / workspace.config.name
    config.write_text(config.read_text(encoding="utf-8").replace(str(old), str(root)))
    return Workspace(config, root / workspace.warehouse.relative_to(old))


def states(workspace: Workspace, start: date, end: date) -> dict[date, str]:
    settings = load_settings(workspace.config)
    frame = coverage(settings.warehouse.path, settings.market.watchlist, start, end)
    return dict(frame.select("date", "state").iter_rows())


@pytest.mark.slow  # two backfills over the snapshot
def test_dates_no_run_covered_are_missing_even_with_prices(holed: Workspace) -> None:
    got = states(holed, date(2024, 2, 12), date(2024, 2, 21))
    assert got == {
        **{d: "ok" for d in days(12, 14)},
        **{d: "missing" for d in days(15, 19)},
        **{d: "ok" for d in days(20, 21)},
    }
    settings = load_settings(holed.config)
    frame = coverage(settings.warehouse.path, settings.market.watchlist, D, date(2024, 2, 21))
    by_day = {row["date"]: row for row in frame.to_dicts()}
    # the run over 20–21 Feb looked back ten days: 15–16 Feb have bars but no run of their own
    assert by_day[date(2024, 2, 16)]["watchlist_priced"] == 4
    assert by_day[date(2024, 2, 16)]["last_run_id"] is None
    assert by_day[date(2024, 2, 20)]["articles"] == 2
    assert by_day[date(2024, 2, 20)]["claims_judged"] > 0
    assert by_day[date(2024, 2, 20)]["mentioned"] == by_day[date(2024, 2, 20)]["mentioned_priced"]
    assert by_day[date(2024, 2, 20)]["last_run_flow"] == "backfill"


@pytest.mark.slow
def test_status_prints_each_date_and_a_json_object(holed: Workspace, capsys) -> None:
    settings = load_settings(holed.config)
    assert status_command(settings, D, date(2024, 2, 21), True) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missing"] == [d.isoformat() for d in days(15, 19)]
    assert out["failed"] == []
    assert [r["date"] for r in out["dates"]] == [d.isoformat() for d in days(12, 21)]

    assert status_command(settings, D, date(2024, 2, 21), False) == 0
    text = capsys.readouterr().out
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()[:4] == "2024"}
    assert "missing" in lines["2024-02-17"] and "none" in lines["2024-02-17"]
    assert "ok" in lines["2024-02-20"] and "backfill" in lines["2024-02-20"]
    assert "closed" in lines["2024-02-17"] and "4/4" in lines["2024-02-20"]
    assert "5 missing, 5 ok" in text
    assert f"newsdesk backfill --missing --start {D} --end 2024-02-21" in text


@pytest.mark.slow
def test_a_failed_run_and_a_missing_bar_show_and_are_re_run(
    holed: Workspace, tmp_path: Path
) -> None:
    workspace = copy_of(holed, tmp_path / "ws")
    warehouse = Warehouse(workspace.warehouse)
    # a later run over 21 Feb that failed, and every bar of 13 Feb lost (with the record of
    # the bodies loaded, so that a re-run loads them again)
    started = datetime.now(UTC)
    span = {"span": {"start": "2024-02-21", "end": "2024-02-21"}, "failures": ["boom"]}
    warehouse.write({"runs": run_row("f" * 32, "nightly", date(2024, 2, 21), started,
                                     "failed", span)})  # fmt: skip
    warehouse.write(
        {},
        replace=[
            Replace("prices", "date", [date(2024, 2, 13)]),
            Replace("loaded_bodies", "source", ["yahoo"]),
        ],
    )
    got = states(workspace, D, date(2024, 2, 21))
    assert got[date(2024, 2, 21)] == "failed"
    assert got[date(2024, 2, 13)] == "missing"
    assert got[date(2024, 2, 12)] == got[date(2024, 2, 20)] == "ok"

    result = backfill(workspace, D, date(2024, 2, 21), missing=True)
    assert result["spans"] == [
        ["2024-02-13", "2024-02-13"], ["2024-02-15", "2024-02-19"], ["2024-02-21", "2024-02-21"]
    ]  # fmt: skip
    runs = query(
        workspace.warehouse,
        "select stats->>'$.span.start', stats->>'$.span.end', status from runs "
        f"where run_id in {tuple(result['run_id'].split(','))} order by started_at",
    )
    assert runs == [
        ("2024-02-13", "2024-02-13", "completed"),
        ("2024-02-15", "2024-02-19", "completed"),
        ("2024-02-21", "2024-02-21", "completed"),
    ]
    after = states(workspace, D, date(2024, 2, 21))
    assert set(after.values()) == {"ok"}, after

    # nothing left to re-run: no run at all
    before = query(workspace.warehouse, "select count(*) from runs")
    again = backfill(workspace, D, date(2024, 2, 21), missing=True)
    assert again["spans"] == [] and again["run_id"] is None
    assert query(workspace.warehouse, "select count(*) from runs") == before


@pytest.mark.slow
def test_reports_are_written_only_for_days_with_judged_claims(holed: Workspace) -> None:
    reports = sorted(p.name for p in (holed.config.parent / "reports").glob("*.md"))
    # The run over 12–14 Feb judged the pages' claims too, but they were published on 20 Feb
    # and speak of 16 and 20 Feb, outside its range: it wrote no report (it used to write
    # 14 Feb's, empty). The run over 20–21 Feb wrote 20 Feb's only.
    assert reports == ["2024-02-20.md"]


@pytest.mark.slow
def test_a_failed_span_does_not_stop_the_others(
    holed: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.backfill as module
    from flows.nightly import Outcome

    workspace = copy_of(holed, tmp_path / "ws")
    started = datetime.now(UTC)
    span = {"span": {"start": "2024-02-21", "end": "2024-02-21"}}
    Warehouse(workspace.warehouse).write(
        {"runs": run_row("f" * 32, "nightly", date(2024, 2, 21), started, "failed", span)}
    )
    calls: list[tuple[date, date]] = []

    def pipeline(run, start, end, **kw):
        calls.append((start, end))
        if start == date(2024, 2, 15):
            raise RunFailed("market down")
        return Outcome(run.run_id, run.stats.as_dict(), None)

    monkeypatch.setattr(module, "run_pipeline", pipeline)
    with pytest.raises(
        RunFailed, match=r"^1 of 2 span\(s\) failed; first: 2024-02-15..2024-02-19: market down$"
    ):
        backfill(workspace, D, date(2024, 2, 21), missing=True)
    assert calls == [(date(2024, 2, 15), date(2024, 2, 19)), (date(2024, 2, 21), date(2024, 2, 21))]
