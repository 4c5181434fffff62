"""Runners and fan-out: which task runner a config picks, and run_chunks on each of its paths
(a direct run's pools, a subflow on the task runner, deployment runs on a work pool)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flows import compute, engine
from newsdesk.config import ComputeSettings, Settings, WarehouseSettings
from newsdesk.storage import Store
from tests.compute_tasks import Square, SquareResult, square_chunk

SPECS = [Square(1), Square(-2), Square(3), Square(4)]
# The reason as every failure is told (quarantine.one_line): its lines joined into one.
FAILED_LINE = "ValueError: chunk -2 is negative and this second line is joined to the first"


def settings_for(runner: str, workers: int = 2, **compute_options: Any) -> Settings:
    return replace(
        Settings(), compute=ComputeSettings(runner=runner, max_workers=workers, **compute_options)
    )


def check_outcomes(outcomes: list[compute.Outcome]) -> set[int]:
    """The outcomes are SPECS' in order, the negative one failed in one line; the pids used."""
    assert [o.spec for o in outcomes] == SPECS
    assert [o.result.value if o.result else None for o in outcomes] == [1, None, 9, 16]
    assert [o.error for o in outcomes] == [None, FAILED_LINE, None, None]
    return {o.result.pid for o in outcomes if o.result}


# --- the task runner a config names ---------------------------------------------------------


def test_the_thread_and_process_runners_are_bounded_by_max_workers() -> None:
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    threads = compute.task_runner(settings_for("thread", 3))
    processes = compute.task_runner(settings_for("process", 5))
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    assert isinstance(processes, ProcessPoolTaskRunner) and processes._max_workers == 5


def test_the_dask_runner_joins_a_scheduler_or_starts_single_threaded_workers() -> None:
    from prefect_dask import DaskTaskRunner

    remote = compute.task_runner(settings_for("dask", dask_address="tcp://10.0.0.5:8786"))
    local = compute.task_runner(settings_for("dask", 3))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs["n_workers"] == 3
    assert local.cluster_kwargs["threads_per_worker"] == 1
    assert local.cluster_kwargs["processes"] is True


def test_a_task_another_process_cannot_import_is_refused_by_name() -> None:
    from prefect import task

    @task
    def local_chunk(spec: Square) -> int:
        return spec.n

    assert compute.task_address(square_chunk) == ("tests.compute_tasks", "square_chunk")
    with pytest.raises(ValueError, match="local_chunk.*not importable by another process"):
        compute.task_address(local_chunk)


def test_no_specs_no_work() -> None:
    assert compute.run_chunks(square_chunk, [], settings_for("process")) == []


# --- a direct run -------------------------------------------------------------------------------


def test_a_direct_run_on_threads_keeps_order_and_isolates_a_failing_chunk() -> None:
    with engine.direct():
        outcomes = compute.run_chunks(square_chunk, SPECS, settings_for("thread"))
    assert check_outcomes(outcomes) == {os.getpid()}


@pytest.mark.slow
def test_a_direct_run_on_processes_runs_chunks_in_at_most_max_workers_other_processes() -> None:
    with engine.direct():
        outcomes = compute.run_chunks(square_chunk, SPECS, settings_for("process", 2))
    pids = check_outcomes(outcomes)
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


@pytest.mark.slow
def test_a_direct_run_on_a_local_dask_cluster_runs_chunks_in_its_worker_processes() -> None:
    with engine.direct():
        outcomes = compute.run_chunks(square_chunk, SPECS, settings_for("dask", 2))
    pids = check_outcomes(outcomes)
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


# --- inside a flow run: the subflow -------------------------------------------------------------


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_in_a_flow_run_chunks_run_as_tasks_of_a_chunks_subflow(
    prefect_harness: None, runner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Process-pool children take the settings as environment variables; without this the
    # test harness's "ephemeral" flag makes each start (and orphan) a server of its own.
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_ENABLED", "false")
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )
    from prefect.runtime import flow_run

    @flow
    def parent() -> tuple[list[compute.Outcome], str]:
        return compute.run_chunks(square_chunk, SPECS, settings_for(runner)), flow_run.id

    outcomes, parent_id = parent()
    pids = check_outcomes(outcomes)
    assert (os.getpid() in pids) == (runner == "thread")
    with get_client(sync_client=True) as client:
        [parent_run] = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id={"any_": [parent_id]})
        )
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_run.id])
            )
        )
        [subflow] = children
        assert client.read_flow(subflow.flow_id).name == "chunks"
        mine = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[subflow.id]))
        )
    assert subflow.state is not None and subflow.state.is_completed()
    assert sorted(t.state.type.value for t in mine) == ["COMPLETED"] * 3 + ["FAILED"]


# --- with a work pool: deployment runs ---------------------------------------------------------


def test_on_a_work_pool_each_chunk_is_a_deployment_run_whose_result_is_read_from_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Completed, Crashed

    staging = Store(str(tmp_path / "staging"))
    config = tmp_path / "newsdesk.toml"
    config.write_text("", encoding="utf-8")
    settings = replace(
        settings_for("thread", 2, work_pool="newsdesk-pool"),
        warehouse=WarehouseSettings(staging_dir=staging.root),
        source_file=config,
    )
    asked: list[tuple[str, dict[str, Any]]] = []

    def fake_run_deployment(name: str, *, parameters: dict[str, Any], **_: Any) -> Any:
        """What a worker does: run the chunk flow, which stages its result (or crashes)."""
        asked.append((name, parameters))
        spec = Square(**parameters["spec"])
        if spec.n == 3:
            return SimpleNamespace(name="chunk-3", state=Crashed(message="worker lost\nmore"))
        if spec.n >= 0:  # a failing chunk stages nothing
            staging.create(spec.result_rel, SquareResult(spec.n * 10, 4242).to_json().encode())
        return SimpleNamespace(name=f"chunk-{spec.n}", state=Completed())

    monkeypatch.setattr("prefect.deployments.run_deployment", fake_run_deployment)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        outcomes = compute.run_chunks(square_chunk, SPECS, settings)

    assert sorted(p["spec"]["n"] for _, p in asked) == [-2, 1, 3, 4]
    assert {name for name, _ in asked} == {"chunk/chunk"}
    assert all(p["kind"] == "square" and p["config"] == str(config.resolve()) for _, p in asked)
    assert [o.result for o in outcomes] == [
        SquareResult(10, 4242),
        None,
        None,
        SquareResult(40, 4242),
    ]
    assert outcomes[1].error is not None and outcomes[1].error.startswith("FileNotFoundError")
    assert outcomes[2].error == "chunk run chunk-3 crashed: worker lost"


def test_without_an_api_a_work_pool_setting_runs_chunks_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    def no_deployments(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no API: no deployment run")

    monkeypatch.setattr("prefect.deployments.run_deployment", no_deployments)
    with temporary_settings(updates={PREFECT_API_URL: None}), engine.direct():
        outcomes = compute.run_chunks(
            square_chunk, SPECS, settings_for("thread", work_pool="newsdesk-pool")
        )
    check_outcomes(outcomes)
