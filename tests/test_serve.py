"""Deployments: scheduled dates, parameters, validation, the local server, runs served for real."""

from __future__ import annotations

import json
import socket
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows import deployments
from flows.run import WRITE_LIMIT, write_slot
from newsdesk.config import Settings, load_settings
from newsdesk.errors import RunFailed, UsageError
from tests.builders import (
    END,
    RUN_TIMEOUT,
    START,
    data_checksums,
    make_workspace,
    query,
)


def run_logs(flow_run_id) -> list[tuple[int, str]]:
    """(level, message) of every log line the run sent to the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
    return [(log.level, log.message) for log in logs]


# --- the nightly run's own date ------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheduled", "tz", "expected"),
    [
        (datetime(2024, 2, 17, 6, 0, tzinfo=UTC), "UTC", date(2024, 2, 16)),
        # 03:00 UTC is still the evening before in New York
        (datetime(2024, 2, 17, 3, 0, tzinfo=UTC), "America/New_York", date(2024, 2, 15)),
        # 23:30 UTC is already the next morning in Shanghai
        (datetime(2024, 2, 16, 23, 30, tzinfo=UTC), "Asia/Shanghai", date(2024, 2, 16)),
        # the night the clocks spring forward
        (datetime(2024, 3, 10, 7, 30, tzinfo=UTC), "America/New_York", date(2024, 3, 9)),
        # the API's naive timestamps are UTC
        (datetime(2024, 1, 1, 0, 30), "UTC", date(2023, 12, 31)),
        # a run scheduled in Tokyo's timezone, given in Tokyo time
        (
            datetime(2024, 2, 17, 0, 5, tzinfo=ZoneInfo("Asia/Tokyo")),
            "Asia/Tokyo",
            date(2024, 2, 16),
        ),
    ],
)
def test_a_scheduled_run_processes_the_day_before_its_scheduled_start(
    scheduled: datetime, tz: str, expected: date
) -> None:
    from flows.nightly import scheduled_run_date

    assert scheduled_run_date(scheduled, ZoneInfo(tz)) == expected


# --- the deployments as registered ----------------------------------------------------------


def test_deployments_carry_schedule_limits_tags_and_date_parameters(tmp_path: Path) -> None:
    config = tmp_path / "newsdesk.toml"
    config.write_text('[schedule]\ncron = "30 5 * * 1-5"\ntimezone = "Asia/Shanghai"\n')
    settings = load_settings(config, environ={})
    nightly, backfill = deployments.build_deployments(settings)

    assert (nightly.name, backfill.name) == ("nightly", "backfill")
    assert (nightly.flow_name, backfill.flow_name) == ("nightly", "backfill")
    [schedule] = nightly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 5 * * 1-5", "Asia/Shanghai")
    assert not backfill.schedules
    for deployment, kind in ((nightly, "nightly"), (backfill, "backfill")):
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy.value == "ENQUEUE"
        assert set(deployment.tags) == {"newsdesk", kind}
        assert deployment.description
        assert deployment.parameters == {"config": str(config.resolve())}
        assert deployment.entrypoint == f"flows.{kind}.{kind}"

    schema = backfill._parameter_openapi_schema.model_dump()
    assert set(schema["required"]) == {"start", "end"}
    for name in ("start", "end"):
        assert schema["properties"][name]["format"] == "date"
    assert schema["properties"]["offline"]["default"] is False
    assert {"start", "end", "offline", "symbols"} <= set(schema["properties"])
    nightly_schema = nightly._parameter_openapi_schema.model_dump()
    assert nightly_schema.get("required", []) == []  # a scheduled run needs no parameter


@pytest.mark.parametrize("name", ["nightly", "backfill"])
def test_every_flow_parameter_has_a_description_from_the_docstring(name: str) -> None:
    # Prefect (utilities/callables.parameter_schema) reads the docstring's `Args:` section
    # with griffe's Google parser into each property's description: the Custom run form.
    from flows.backfill import backfill
    from flows.nightly import nightly

    flow_obj = {"nightly": nightly, "backfill": backfill}[name]
    properties = flow_obj.parameters.model_dump()["properties"]
    assert properties and all(p.get("description") for p in properties.values()), properties
    deployment = {d.name: d for d in deployments.build_deployments(Settings())}[name]
    registered = deployment._parameter_openapi_schema.model_dump()["properties"]
    assert {k: v["description"] for k, v in registered.items()} == {
        k: v["description"] for k, v in properties.items()
    }
    if name == "backfill":
        assert registered["missing"]["default"] is False
        assert "missing or failed" in registered["missing"]["description"]
        assert "YYYY-MM-DD" in registered["start"]["description"]


def test_without_a_config_file_runs_get_no_config_parameter() -> None:
    nightly, backfill = deployments.build_deployments(Settings())
    assert nightly.parameters == backfill.parameters == {}


def test_serving_needs_an_api_url() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(restore_defaults={PREFECT_API_URL}),
        pytest.raises(UsageError, match="PREFECT_API_URL is not set"),
    ):
        deployments.serve_deployments(Settings())


# --- `make backfill` and `make nightly`: runs of the served deployments --------------------


def test_make_targets_parameters_are_checked_and_typed() -> None:
    params = deployments.deployment_parameters(
        "backfill",
        ["start=2024-02-12", "end=2024-02-21", "offline=1", "symbols=adbe, sstk", "missing="],
    )
    assert params == {"start": "2024-02-12", "end": "2024-02-21", "offline": True,
                      "symbols": ["ADBE", "SSTK"], "missing": False}  # fmt: skip
    assert deployments.deployment_parameters("nightly", ["run_date=", "offline="]) == {
        "offline": False
    }
    for name, pairs, phrase in [
        ("backfill", ["end=2024-02-21"], "START=YYYY-MM-DD is required"),
        ("backfill", ["start=2024-02-31", "end=2024-02-21"], "is not a date"),
        ("backfill", ["start=2024-02-12", "end=2024-02-21", "offline=maybe"], "expected 1 or 0"),
        ("nightly", ["start=2024-02-12"], "is not KEY=VALUE"),
        ("weekly", [], "no deployment"),
    ]:
        with pytest.raises(UsageError, match=phrase):
            deployments.deployment_parameters(name, pairs)


def test_make_backfill_without_a_server_says_to_start_one(capsys) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # A settings context, not the environment: the session's test server, when another test
    # of this worker started it, is a settings context that outranks the environment.
    nowhere = f"http://127.0.0.1:{_free_port()}/api"
    argv = ["--run", "backfill", "start=2024-02-12", "end=2024-02-21", "offline=1"]
    with temporary_settings(updates={PREFECT_API_URL: nowhere}):
        assert deployments.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Prefect server answers at" in err[0] and "make serve" in err[0]
    assert deployments.main(["--run", "backfill", "end=2024-02-21"]) == 2
    assert "START=YYYY-MM-DD is required" in capsys.readouterr().err


def test_make_backfill_and_nightly_targets_start_deployment_runs() -> None:
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    dry = subprocess.run(
        ["make", "-n", "backfill", "START=2024-02-12",
         "END=2024-02-21", "OFFLINE=1", "SYMBOLS=ADBE", "nightly", "DATE=2024-02-20"],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    commands = " ".join(dry.stdout.replace("\\\n", " ").split())
    assert (
        "-m flows.deployments --run backfill start=2024-02-12 end=2024-02-21 offline=1 "
        "symbols=ADBE missing=" in commands
    )
    assert "-m flows.deployments --run nightly run_date=2024-02-20 offline=" in commands


# --- the local server that `make serve` starts ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_check_sees_an_answering_api(local_server) -> None:
    local_server.route("/api/health", body=b"true")
    assert deployments.server_healthy(local_server.url("/api"))
    assert not deployments.server_healthy(f"http://127.0.0.1:{_free_port()}/api", timeout=0.5)


def test_a_running_server_is_reused_not_started_again(local_server, tmp_path: Path) -> None:
    local_server.route("/api/health", body=b"true")
    port = int(local_server.base_url.rsplit(":", 1)[1])
    assert deployments.start_server(tmp_path / "home", port=port) is None
    assert not (tmp_path / "home").exists()


@pytest.mark.slow  # a subprocess
def test_a_server_that_dies_at_start_is_reported_with_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        deployments,
        "_server_command",
        lambda host, port: [sys.executable, "-c", "raise SystemExit(3)"],
    )
    with pytest.raises(RunFailed, match=r"exited with status 3 .*server\.log"):
        deployments.start_server(tmp_path / "home", port=_free_port(), wait_seconds=30)


@pytest.mark.slow
def test_make_serve_starts_a_real_server_with_persistent_state(tmp_path: Path) -> None:
    home, port = tmp_path / "prefect-home", _free_port()
    process = deployments.start_server(home, port=port)
    try:
        assert process is not None and process.poll() is None
        assert deployments.server_healthy(f"http://127.0.0.1:{port}/api")
        assert (home / "server.log").exists()
        assert any(home.glob("*.db")), "the server keeps its database under PREFECT_HOME"
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


# --- validation: the run fails at once, says why, writes nothing -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end", "phrase"),
    [
        (date(2024, 2, 21), date(2024, 2, 12), "is before start"),
        (date(2015, 1, 1), date(2023, 12, 31), "longer than five years"),
        (date.today() - timedelta(days=2), date.today() + timedelta(days=3), "not in the past"),
    ],
)
def test_an_invalid_range_fails_the_run_with_one_message_and_writes_nothing(
    prefect_harness: None, tmp_path: Path, start: date, end: date, phrase: str
) -> None:
    import time

    from flows.backfill import backfill

    workspace = make_workspace(tmp_path)
    state = backfill(
        start=start, end=end, offline=True, config=str(workspace.config), return_state=True
    )
    assert state.is_failed()
    assert phrase in state.message
    assert not workspace.warehouse.exists()
    errors: list[str] = []
    deadline = time.monotonic() + 15  # logs reach the API in batches
    while not any(phrase in msg for msg in errors) and time.monotonic() < deadline:
        time.sleep(0.5)
        errors = [msg for level, msg in run_logs(state.state_details.flow_run_id) if level >= 40]
    assert any(phrase in msg for msg in errors), errors


@pytest.mark.slow
def test_a_failed_run_ends_its_log_in_the_one_line_reason(
    prefect_harness: None, tmp_path: Path
) -> None:
    import time

    from flows.backfill import backfill

    config = tmp_path / "newsdesk.toml"
    config.write_text(f'[warehouse]\npath = "{tmp_path / "wh.duckdb"}"\n', encoding="utf-8")
    reason = (
        "nothing to backfill for 2024-02-12..2024-02-20: no symbols given, the watchlist is "
        "empty and no news is configured"
    )
    params = {"start": date(2024, 2, 12), "end": date(2024, 2, 20), "offline": True,
              "config": str(config)}  # fmt: skip
    state = backfill(**params, return_state=True)
    assert state.is_failed() and state.message == reason
    messages: list[str] = []
    deadline = time.monotonic() + 15  # logs reach the API in batches
    while not any("Finished in state" in m for m in messages) and time.monotonic() < deadline:
        time.sleep(0.5)
        messages = [msg for _, msg in run_logs(state.state_details.flow_run_id)]
    assert reason in messages[-1] and "Finished in state Failed" in messages[-1], messages[-3:]
    assert not any("Traceback" in m or "Encountered exception" in m for m in messages)
    # a caller of the flow (the CLI on a server, a missing backfill's span) still gets the error
    with pytest.raises(RunFailed, match="^nothing to backfill"):
        backfill(**params)


# --- the global write slot ------------------------------------------------------------------


@pytest.mark.slow
def test_writes_inside_a_run_hold_the_global_write_slot(prefect_harness: None) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client

    def active_slots() -> int:
        with get_client(sync_client=True) as client:
            return client.read_global_concurrency_limit_by_name(WRITE_LIMIT).active_slots

    deployments.ensure_write_limit()

    @flow
    def writer() -> int:
        with write_slot():
            return active_slots()

    assert writer() == 1
    assert active_slots() == 0
    with write_slot():  # outside a run: nothing to coordinate with
        assert active_slots() == 0


# --- runs served for real -------------------------------------------------------------------


@pytest.mark.slow
def test_a_ten_day_backfill_through_the_deployment_fills_the_tables_and_repeats_cleanly(
    served_deployments: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.deployments import run_deployment

    workspace = make_workspace(tmp_path)
    params = {"start": START.isoformat(), "end": END.isoformat(), "offline": True,
              "config": str(workspace.config)}  # fmt: skip
    first = run_deployment(
        "backfill/backfill", parameters=params, timeout=RUN_TIMEOUT, poll_interval=1
    )
    assert first.state.is_completed(), (first.state, served_deployments.read_text()[-3000:])
    assert first.name == f"backfill-{START}..{END}"
    assert {"newsdesk", "backfill"} <= set(first.tags)

    # 12–16 Feb and 20–21 Feb: 19 Feb was Presidents' Day.
    per_symbol = query(
        workspace.warehouse,
        f"select symbol, count(*) from prices where date between '{START}' and '{END}' "
        "group by symbol order by symbol",
    )
    # The watchlist, and the benchmarks their moves are set beside in the report.
    assert per_symbol == [
        ("ADBE", 7), ("GOOG", 7), ("GOOGL", 7), ("QQQ", 7), ("SPY", 7), ("SSTK", 7)
    ]  # fmt: skip
    assert query(workspace.warehouse, "select count(*) from claims")[0][0] > 0
    [(run_id, flow_name, run_date, status, stats)] = query(
        workspace.warehouse, "select run_id, flow, run_date, status, stats from runs"
    )
    assert (flow_name, run_date, status) == ("backfill", END, "completed")
    assert run_id == str(first.id)  # the runs row and the UI point at each other
    stats = json.loads(stats)

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[first.id]))
        )
    by_key = {a.key: a for a in artifacts}
    # the plan comes first, then the progress, the reports, the stats and the coverage
    assert min(artifacts, key=lambda a: a.created).key == "run-plan"
    assert "| sessions | 7 (0 of 28 symbol-sessions held) |" in by_key["run-plan"].data
    coverage = json.loads(by_key["coverage"].data)
    assert [row["state"] for row in coverage] == ["ok"] * 10
    assert (
        coverage[0]["date"].startswith(str(START)) and first.id.hex[:8] in coverage[0]["last_run"]
    )
    assert by_key["backfill-progress"].type == "progress"
    assert float(by_key["backfill-progress"].data) == 100.0
    table = json.loads(by_key["backfill-stats"].data)
    loaded = {row["name"]: row["value"] for row in table if row["stat"] == "rows"}
    assert loaded == stats["rows"] and loaded["prices"] > 0

    before = data_checksums(workspace.warehouse)
    second = run_deployment(
        "backfill/backfill", parameters=params, timeout=RUN_TIMEOUT, poll_interval=1
    )
    assert second.state.is_completed(), second.state
    assert data_checksums(workspace.warehouse) == before
    assert query(workspace.warehouse, "select count(*), count(distinct run_id) from runs") == [
        (2, 2)
    ]


@pytest.mark.slow
def test_make_backfill_and_make_nightly_run_on_the_served_deployments(
    served_deployments: Path, prefect_api: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    workspace = make_workspace(tmp_path / "ws")
    argv = ["--run", "backfill", "start=2024-02-20", "end=2024-02-21", "offline=1",
            f"config={workspace.config}"]  # fmt: skip
    assert deployments.main(argv) == 0, served_deployments.read_text()[-3000:]
    out = capsys.readouterr().out
    assert out.startswith(f"newsdesk: started a backfill run: {prefect_api.removesuffix('/api')}")
    assert "/runs/flow-run/" in out
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith("newsdesk: backfill-2024-02-20..2024-02-21 completed")
    )
    assert query(workspace.warehouse, "select status from runs") == [("completed",)]

    bare = tmp_path / "bare.toml"
    bare.write_text(f'[warehouse]\npath = "{tmp_path / "bare.duckdb"}"\n', encoding="utf-8")
    argv = ["--run", "nightly", "run_date=2024-02-20", "offline=1", f"config={bare}"]
    assert deployments.main(argv) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith(
        "failed: nothing to run for 2024-02-20: the watchlist is empty and no news is configured"
    )


@pytest.mark.slow
def test_the_nightly_deployment_processes_its_own_scheduled_day(
    served_deployments: Path, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    workspace = make_workspace(tmp_path)
    # A late run: scheduled for 21 Feb 2024 06:00 UTC and executed today, it still does 20 Feb.
    run = run_deployment(
        "nightly/nightly",
        parameters={"offline": True, "config": str(workspace.config)},
        scheduled_time=datetime(2024, 2, 21, 6, 0, tzinfo=UTC),
        timeout=RUN_TIMEOUT,
        poll_interval=1,
    )
    assert run.state.is_completed(), (run.state, served_deployments.read_text()[-3000:])
    assert run.name == "nightly-2024-02-20"
    assert {"newsdesk", "nightly"} <= set(run.tags)
    assert query(workspace.warehouse, "select flow, run_date, status from runs") == [
        ("nightly", date(2024, 2, 20), "completed")
    ]
