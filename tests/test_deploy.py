"""`newsdesk deploy` and prefect.yaml: the work pool, the limits, the deployments on the pool,
and a `prefect worker` that runs them.

These tests start a Prefect server of their own: deploying `nightly/nightly` onto a pool in the
session's test server would take it from the runner tests/test_serve.py serves it with.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows import compute, deployments
from flows.cli import main
from flows.limits import rate_limits
from flows.run import WRITE_LIMIT
from newsdesk.config import Settings, load_settings
from tests import compute_tasks
from tests.builders import RUN_TIMEOUT, make_workspace, query
from tests.compute_tasks import Square

REPO = Path(__file__).resolve().parents[1]
POOL = "newsdesk-test"
ENTRYPOINTS = {
    "nightly/nightly": "flows.nightly.nightly",
    "backfill/backfill": "flows.backfill.backfill",
    "chunk/chunk": "flows.chunk_flow.chunk",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def expected_names() -> list[str]:
    return ["nightly/nightly", "backfill/backfill", "chunk/chunk"]


@pytest.fixture(scope="module")
def own_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prefect server for this module only, stopped by its PID at the end."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = free_port()
    process = deployments.start_server(tmp_path_factory.mktemp("deploy-home"), port=port)
    assert process is not None
    api = f"http://127.0.0.1:{port}/api"
    try:
        with temporary_settings(updates={PREFECT_API_URL: api}):
            yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def pool_worker(own_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`prefect worker start --pool POOL` started in the repo, as the README says; its log."""
    deployments.ensure_work_pool(POOL)
    home = tmp_path_factory.mktemp("worker")
    env: dict[str, Any] = {
        **os.environ,
        "PREFECT_API_URL": own_api,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PYTHONPATH": str(REPO),  # the stand-in chunk flow lives in tests/
    }
    env.pop("NEWSDESK_CONFIG", None)
    log_path = home / "worker.log"
    prefect = Path(sys.executable).with_name("prefect")
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [str(prefect), "worker", "start", "--pool", POOL],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        yield log_path
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            if worker.poll() is not None:
                break
            os.killpg(worker.pid, sig)
            try:
                worker.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


# --- without a server ------------------------------------------------------------------------


def test_the_pool_is_the_flag_else_the_config_else_newsdesk() -> None:
    from dataclasses import replace

    from newsdesk.config import ComputeSettings
    from newsdesk.errors import UsageError

    configured = replace(Settings(), compute=ComputeSettings(work_pool="k8s-pool"))
    assert deployments.pool_name(Settings(), None) == "newsdesk"
    assert deployments.pool_name(configured, None) == "k8s-pool"
    assert deployments.pool_name(configured, "docker-pool") == "docker-pool"
    with pytest.raises(UsageError, match="--pool: 'no pool!' is not a work pool name"):
        deployments.pool_name(Settings(), "no pool!")


def test_chunks_go_to_their_pool_and_the_runs_that_load_to_the_warehouse_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deployments, "chunk_flow", lambda: compute_tasks.chunk)
    pools = {"warehouse": {"working_dir": "/srv/newsdesk"}, "k8s": {}}
    built = deployments.build_pool_deployments(Settings(), pools, "warehouse", "k8s")
    placed = {d.name: (d.work_pool_name, d.job_variables) for d in built}
    assert placed == {
        "nightly": ("warehouse", {"working_dir": "/srv/newsdesk"}),
        "backfill": ("warehouse", {"working_dir": "/srv/newsdesk"}),
        "chunk": ("k8s", {}),
    }
    chunk = next(d for d in built if d.name == "chunk")
    assert chunk.concurrency_limit is None and chunk.schedules == []


def test_deploy_without_an_api_says_how_to_get_one_and_exits_2(capsys) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert main(["deploy", "--pool", POOL]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("newsdesk: PREFECT_API_URL is not set")


def test_prefect_yaml_declares_what_newsdesk_deploy_registers() -> None:
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in declared["deployments"]}
    assert list(by_name) == ["nightly", "backfill", "chunk"]
    pools: dict[str, dict[str, Any]] = {"newsdesk": {}}
    built = {
        d.name: d for d in deployments.build_pool_deployments(Settings(), pools, *pools, *pools)
    }
    for name, deployment in built.items():
        entry = by_name[name]
        assert entry["entrypoint"] == deployment.entrypoint
        assert entry["tags"] == deployment.tags
        assert entry["work_pool"]["name"] == deployments.DEFAULT_POOL
        limit = entry.get("concurrency_limit")
        if deployment.concurrency_limit is None:
            assert limit is None, name
        else:
            assert limit == {"limit": 1, "collision_strategy": "ENQUEUE"}, name
    assert by_name["chunk"]["entrypoint"] == "flows.chunk_flow.chunk"
    [schedule] = by_name["nightly"]["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == (
        Settings().schedule.cron,
        Settings().schedule.timezone,
    )
    assert "schedules" not in by_name["backfill"]
    [pull] = declared["pull"]
    assert pull == {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $PWD }}"}}


# --- against a server ------------------------------------------------------------------------


@pytest.mark.slow
def test_deploy_creates_the_pool_and_limits_and_registers_the_deployments_on_it(
    own_api: str, tmp_path: Path, capsys
) -> None:
    from prefect.client.orchestration import get_client

    config = tmp_path / "newsdesk.toml"
    config.write_text('[news]\npages = ["https://news.example.com/a"]\n', encoding="utf-8")
    settings = load_settings(config)
    assert deployments.deploy(settings, POOL, working_dir=tmp_path) == expected_names()
    first = capsys.readouterr().out
    assert f"created the process work pool {POOL!r}" in first
    assert f"prefect worker start --pool {POOL}" in first
    # again: nothing new, nothing broken
    assert deployments.deploy(settings, POOL, working_dir=tmp_path) == expected_names()
    assert f"using the process work pool {POOL!r}" in capsys.readouterr().out

    with get_client(sync_client=True) as client:
        assert client.read_work_pool(POOL).type == "process"
        registered = {n: client.read_deployment_by_name(n) for n in expected_names()}
        write = client.read_global_concurrency_limit_by_name(WRITE_LIMIT)
        rates = {n: client.read_global_concurrency_limit_by_name(n) for n in rate_limits(settings)}
    for name, deployment in registered.items():
        assert deployment.work_pool_name == POOL, name
        assert deployment.job_variables == {"working_dir": str(tmp_path.resolve())}, name
        assert deployment.parameters == {"config": str(config.resolve())}, name
        assert deployment.entrypoint == ENTRYPOINTS[name]
    assert [s.schedule.cron for s in registered["nightly/nightly"].schedules] == ["0 6 * * *"]
    assert registered["backfill/backfill"].schedules == []
    assert write.limit == 1
    assert "newsdesk-rate-news-news.example.com" in rates
    assert {n: (r.limit, r.slot_decay_per_second) for n, r in rates.items()} == {
        n: (1, rps) for n, rps in rate_limits(settings).items()
    }


@pytest.mark.slow
def test_a_prefect_worker_started_in_the_repo_runs_a_deployed_backfill(
    own_api: str, pool_worker: Path, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    workspace = make_workspace(tmp_path / "ws")
    # A relative warehouse path: it lands where the deployment says runs start.
    text = workspace.config.read_text(encoding="utf-8")
    relative = text.replace(f'"{workspace.warehouse}"', '"wh/newsdesk.duckdb"')
    assert relative != text
    workspace.config.write_text(relative, encoding="utf-8")
    deployments.deploy(load_settings(workspace.config), POOL, working_dir=workspace.config.parent)
    run = run_deployment(
        "backfill/backfill",
        parameters={"start": "2024-02-20", "end": "2024-02-21", "offline": True},
        timeout=RUN_TIMEOUT,
        poll_interval=1,
    )
    assert run.state.is_completed(), (run.state, pool_worker.read_text()[-3000:])
    assert query(workspace.warehouse, "select flow, status from runs") == [
        ("backfill", "completed")
    ]
    assert query(workspace.warehouse, "select count(distinct symbol) from prices")[0][0] >= 4


@pytest.mark.slow
def test_on_a_work_pool_run_chunks_starts_chunk_runs_on_the_workers_and_reads_their_results(
    own_api: str, pool_worker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in of the chunk flow's name and parameters (tests/compute_tasks.py) runs a toy
    # chunk, so the test sees the dispatch and the read-back, not a market run.
    monkeypatch.setattr(deployments, "chunk_flow", lambda: compute_tasks.chunk)
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        f'[warehouse]\nstaging_dir = "{tmp_path / "staging"}"\n'
        f'[compute]\nwork_pool = "{POOL}"\nmax_workers = 4\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert "chunk/chunk" in deployments.deploy(settings, POOL, working_dir=REPO)
    specs = [Square(1, "r1"), Square(-2, "r1"), Square(3, "r1")]
    outcomes = compute.run_chunks(compute_tasks.square_chunk, specs, settings)

    assert [o.spec for o in outcomes] == specs
    assert [o.result.value if o.result else None for o in outcomes] == [1, None, 9]
    pids = {o.result.pid for o in outcomes if o.result}
    assert os.getpid() not in pids, "the chunks ran in the worker's flow-run processes"
    error = outcomes[1].error or ""
    assert error.startswith("chunk run ") and " failed: " in error, error
    assert "chunk -2 is negative" in error and "\n" not in error
    staged = sorted(p.relative_to(tmp_path / "staging").as_posix() for p in
                    (tmp_path / "staging").rglob("*.json"))  # fmt: skip
    assert staged == ["r1/1/result.json", "r1/3/result.json"]


@pytest.mark.slow
def test_prefect_deploy_registers_prefect_yaml_on_a_pool(own_api: str) -> None:
    from prefect.client.orchestration import get_client

    deployments.ensure_work_pool(deployments.DEFAULT_POOL)  # the pool prefect.yaml names
    names = [n.split("/")[1] for n in expected_names()]
    env = {**os.environ, "PREFECT_API_URL": own_api, "PWD": str(REPO)}  # as a shell in REPO
    prefect = Path(sys.executable).with_name("prefect")
    argv = [str(prefect), "--no-prompt", "deploy"]
    for name in names:
        argv += ["--name", name]
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    with get_client(sync_client=True) as client:
        registered = {n: client.read_deployment_by_name(n) for n in expected_names()}
    for name, deployment in registered.items():
        assert deployment.work_pool_name == deployments.DEFAULT_POOL
        assert deployment.entrypoint == ENTRYPOINTS[name]
        assert deployment.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ]
    nightly = registered["nightly/nightly"]
    assert [s.schedule.cron for s in nightly.schedules] == ["0 6 * * *"]
    assert nightly.global_concurrency_limit is not None
    assert nightly.global_concurrency_limit.limit == 1
    assert nightly.concurrency_options is not None
    assert nightly.concurrency_options.collision_strategy.value == "ENQUEUE"
