"""One writer at a time: queued deployment runs, a run killed mid-load, SQL while a run writes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.builders import (
    END,
    RUN_TIMEOUT,
    START,
    Workspace,
    data_checksums,
    make_workspace,
    query,
)

pytestmark = pytest.mark.slow
NEWSDESK = str(Path(sys.executable).with_name("newsdesk"))


def wait_final(flow_run_id, timeout: float = RUN_TIMEOUT):
    """Poll the API until the flow run is in a final state."""
    import time

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run
            if time.monotonic() > deadline:
                pytest.fail(f"flow run {run.name} still {run.state_name} after {timeout:.0f} s")
            time.sleep(1.0)


def one_run_checksums(workspace: Workspace) -> dict[str, str]:
    """The derived tables after one backfill of START..END in this workspace, which is then reset.

    The same workspace, because articles record the path of their landed body.
    """
    from flows.backfill import backfill

    backfill(start=START, end=END, offline=True, config=str(workspace.config))
    checksums = data_checksums(workspace.warehouse)
    shutil.rmtree(workspace.warehouse.parent)
    return checksums


def cli_env(api_url: str | None, prefect_home: Path | None = None) -> dict[str, str]:
    """The environment of a `newsdesk` process: the given Prefect API, or a temporary one."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("NEWSDESK_CONFIG", None)
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if prefect_home:
        env["PREFECT_HOME"] = str(prefect_home)
    return env


def backfill_command(config: Path) -> list[str]:
    """`newsdesk backfill --offline` over START..END."""
    return [NEWSDESK, "backfill", "--start", str(START), "--end", str(END), "--offline",
            "--config", str(config)]  # fmt: skip


def test_two_backfills_started_together_run_one_after_the_other(
    served_deployments: Path, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    workspace = make_workspace(tmp_path)
    reference = one_run_checksums(workspace)
    params = {"start": START.isoformat(), "end": END.isoformat(), "offline": True,
              "config": str(workspace.config)}  # fmt: skip
    started = [run_deployment("backfill/backfill", parameters=params, timeout=0) for _ in range(2)]
    runs = [wait_final(run.id, timeout=2 * RUN_TIMEOUT) for run in started]

    assert all(run.state.is_completed() for run in runs), [run.state for run in runs]
    first, second = sorted(runs, key=lambda run: run.start_time)
    assert first.end_time <= second.start_time, "the second run must wait for the first"
    assert data_checksums(workspace.warehouse) == reference
    assert query(workspace.warehouse, "select status, count(*) from runs group by status") == [
        ("completed", 2)
    ]


def test_a_run_killed_mid_load_leaves_a_consistent_warehouse_and_the_next_run_completes_it(
    prefect_harness: None, tmp_path: Path
) -> None:
    workspace = make_workspace(tmp_path)
    reference = one_run_checksums(workspace)
    # A temporary API per process, without the write limit: a slot leased by a killed run is
    # freed by the server's lease expiry (60 s), which temporary servers do not run.
    env = cli_env(None, tmp_path / "prefect-home")
    wal = workspace.warehouse.with_name(workspace.warehouse.name + ".wal")
    process = subprocess.Popen(
        backfill_command(workspace.config), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        for line in process.stdout:  # the news step is loaded: the market load comes next
            seen.append(line)
            if "news done" in line:
                break
        deadline = time.monotonic() + 5
        while not wal.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.001)  # catch a load transaction in flight when we can
        assert process.poll() is None, "the run ended before it could be killed:\n" + "".join(seen)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    # Readable, and every table either holds a whole load or none of it.
    assert query(workspace.warehouse, "select status from runs") == [("running",)]
    prices = query(workspace.warehouse, "select count(*) from prices")[0][0]
    reference_prices = int(reference["prices"].split(":")[0])
    assert prices in (0, reference_prices)

    done = subprocess.run(
        backfill_command(workspace.config), env=env, capture_output=True,
        text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert data_checksums(workspace.warehouse) == reference
    statuses = sorted(row[0] for row in query(workspace.warehouse, "select status from runs"))
    assert statuses == ["completed", "interrupted"]  # the next run closed the killed one's row


# What a reader sees during a run: rows, and claims that should have a verdict but have none
# ("other" figures are kept unjudged by design).
UNJUDGED_PROBE = (
    "select (select count(*) from prices) as n, (select count(*) from claims "
    "where verdict is null and claim_type <> 'other') as unjudged"
)


def test_sql_from_another_process_answers_or_says_a_load_is_running(
    prefect_api: str, tmp_path: Path
) -> None:
    workspace = make_workspace(tmp_path)
    writer = subprocess.Popen(
        backfill_command(workspace.config), env=cli_env(prefect_api), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    answers: list[tuple[int, str, str, bool]] = []
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while not workspace.warehouse.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        while writer.poll() is None and time.monotonic() < deadline:
            sql = subprocess.run(
                [NEWSDESK, "sql", UNJUDGED_PROBE, "--format", "csv",
                 "--config", str(workspace.config)],
                env=cli_env(prefect_api), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            answers.append((sql.returncode, sql.stdout, sql.stderr, writer.poll() is None))
        assert writer.wait(timeout=RUN_TIMEOUT) == 0
    finally:
        if writer.poll() is None:
            os.killpg(writer.pid, signal.SIGKILL)

    during = [answer for answer in answers if answer[3]]
    assert during, "no query ran while the backfill was writing"
    for code, out, err, _ in answers:
        assert "Traceback" not in err, err
        if code == 0:
            header, row = out.splitlines()[:2]
            assert header == "n,unjudged" and row.split(",")[0].isdigit()
            assert row.split(",")[1] == "0", "a reader saw a claim published before its verdict"
        else:
            assert code == 1 and "load in progress" in err, (code, err)
