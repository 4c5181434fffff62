"""Scaled mode for real: a Prefect server, a process work pool with two workers and a local S3,
all started by these tests (tests/services.py) and stopped by PID at the end of the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import services
from tests.services import REPO, PrefectServer, WorkPool, using

pytestmark = pytest.mark.slow

# The services' fixtures, found by pytest as attributes of this module.
prefect_server = services.prefect_server
work_pool = services.work_pool
s3_endpoint = services.s3_endpoint

RUN_SECONDS = 120.0


# --- the harness itself -------------------------------------------------------------------


def deploy_probe(pool: WorkPool) -> str:
    """Register tests.services.probe on the pool, run from the repo; its deployment name."""
    from prefect.client.orchestration import get_client

    with using(pool.server), get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("scaled-probe")
        client.create_deployment(
            flow_id,
            "probe",
            work_pool_name=pool.name,
            entrypoint="tests.services.probe",  # a module path: imported, not read from a file
            # The worker starts the run's process in the repo, so `tests` imports from there.
            job_variables={"working_dir": str(REPO)},
            pull_steps=[
                {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
            ],
        )
    return "scaled-probe/probe"


def test_a_deployment_run_on_the_pool_is_executed_by_a_worker_process(
    work_pool: WorkPool, tmp_path: Path
) -> None:
    import os

    from prefect.deployments import run_deployment

    name = deploy_probe(work_pool)
    markers = [tmp_path / f"probe-{n}.json" for n in range(2)]
    with using(work_pool.server):
        runs = [run_deployment(name, parameters={"marker": str(m)}, timeout=0) for m in markers]
        finished = [_wait_final(work_pool.server, run.id) for run in runs]
    for run, marker in zip(finished, markers, strict=True):
        assert run.state.is_completed(), (run.state, _logs(work_pool))
        assert run.work_pool_name == work_pool.name
        record = json.loads(marker.read_text(encoding="utf-8"))
        assert record["pid"] != os.getpid()
        # Run by a process one of the workers started, in the repo.
        assert work_pool.worker_pids & set(record["ancestors"]), (record, work_pool.worker_pids)
        assert Path(record["cwd"]) == REPO


def _wait_final(server: PrefectServer, flow_run_id, seconds: float = RUN_SECONDS):
    import time

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run
            if time.monotonic() > deadline:
                pytest.fail(f"flow run {flow_run_id} not final after {seconds:.0f} s: {run.state}")
            time.sleep(0.5)


def _logs(pool: WorkPool) -> str:
    return "\n".join(f"--- {w.name}\n{w.tail(1500)}" for w in pool.workers)
