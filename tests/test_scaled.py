"""Scaled mode for real: a Prefect server, a process work pool with two workers and a local S3,
all started by these tests (tests/services.py) and stopped by PID at the end of the session.

The same two-day offline backfill over the demo snapshot runs three ways, and every derived
table must come out identical (row count and a hash of the sorted rows):

- embedded: this process, no Prefect, local landing zone and staging, the thread runner;
- scaled: landing and staging on the local S3, the backfill and its chunks as deployment runs
  on the work pool (``compute.work_pool``, runner ``process``);
- Dask: landing and staging on the local S3, the chunks on a local Dask cluster.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from newsdesk.storage import Store
from tests import s3, services
from tests.builders import DATA_TABLES, make_workspace
from tests.s3 import create_bucket
from tests.services import REPO, PrefectServer, WorkPool, using

pytestmark = pytest.mark.slow

# The services' fixtures, found by pytest as attributes of this module.
prefect_server_booting = services.prefect_server_booting
prefect_server = services.prefect_server
work_pool = services.work_pool
s3_endpoint = s3.s3_endpoint

# A ceiling, not an estimate: the backfill on the pool takes about a minute on two cores, but
# three minutes when the machine is loaded five times over.
RUN_SECONDS = 300.0
# Two days around the Sora day: the market windows, FX and both articles of the snapshot.
START, END = "2024-02-20", "2024-02-21"
# Small enough that the demo's nine symbols make two market chunks (and its two pages one news
# chunk): every chunk run on a pool is a process start, seconds each on two busy cores.
CHUNKS = {"chunk_symbols": 5, "chunk_pages": 2}


# --- one backfill, three ways -------------------------------------------------------------


def table_checksums(warehouse: Path, raw_root: str) -> dict[str, str]:
    """Each derived table's row count and an md5 of its sorted rows, read by DuckDB.

    Where a row records a landed body (``raw_path``), the landing zone's root is written as
    ``<raw>``: a local folder in one run and an s3:// URL in the other, the same file below.
    """
    from newsdesk.warehouse import Warehouse

    wh = Warehouse(warehouse, migrate=False)
    sums: dict[str, str] = {}
    for table in DATA_TABLES:
        columns = wh.query(
            "select column_name from information_schema.columns where table_name = ? "
            "order by ordinal_position",
            [table],
        )["column_name"].to_list()
        rows = ", ".join(
            "replace(raw_path, ?, '<raw>') as raw_path" if c == "raw_path" else f'"{c}"'
            for c in columns
        )
        n, digest = wh.query(
            f"select count(*) as n, coalesce(md5(string_agg(cast(t as varchar), chr(10) "
            f"order by cast(t as varchar))), '') as h from (select {rows} from \"{table}\") t",
            [raw_root] if "raw_path" in columns else [],
        ).row(0)
        sums[table] = f"{n}:{digest}"
    return sums


def write_config(root: Path, raw: str, staging: str, **sections: dict[str, object]) -> Path:
    """A config over the demo snapshot's pages and watchlist (what make_workspace wrote),
    landing in raw and staging in staging, with extra sections."""
    demo = tomllib.loads((root / "newsdesk.toml").read_text(encoding="utf-8"))
    tables = {
        "warehouse": {
            "path": str(root / "wh" / "newsdesk.duckdb"),
            "raw_dir": raw,
            "staging_dir": staging,
            "reports_dir": str(root / "reports"),
            "dq_dir": str(root / "dq"),
        },
        "news": demo["news"],
        "market": demo["market"],
        **sections,
    }
    lines = []
    for name, values in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    config = root / "scaled.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def on_s3(root: Path, endpoint: str) -> tuple[str, str]:
    """Move make_workspace's copy of the snapshot's landing zone into a fresh bucket; the raw
    and staging URLs. The local copy goes, so nothing can read it by mistake."""
    import shutil

    bucket = create_bucket(endpoint)
    local, raw = Store(str(root / "raw")), Store(f"s3://{bucket}/raw", endpoint_url=endpoint)
    for rel in local.files():
        raw.create(rel, local.read(rel))
    shutil.rmtree(root / "raw")
    return raw.root, f"s3://{bucket}/staging"


def backfill_argv(config: Path) -> list[str]:
    return ["backfill", "--start", START, "--end", END, "--offline", "--config", str(config)]


def needs_scale_out() -> None:
    """Skip until the chunks and compute branches are merged (issue 11)."""
    pytest.importorskip("flows.chunks", reason="flows.chunks (branch chunks) is not merged yet")
    pytest.importorskip("flows.compute", reason="flows.compute (branch compute) is not merged yet")


@pytest.fixture(scope="session")
def embedded(
    prefect_server_booting: PrefectServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The reference: the backfill in this process, without Prefect, local folders, threads.

    It runs while the session's Prefect server boots (it needs none itself), which takes as
    long: it is session-scoped and asked for first, so it is set up before the server is waited
    for, and the tests that use it come first in this file.
    """
    from flows.cli import main

    needs_scale_out()
    root = tmp_path_factory.mktemp("embedded")
    make_workspace(root)
    config = write_config(
        root, str(root / "raw"), str(root / "staging"), compute={"runner": "thread"}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSDESK_PREFECT", "direct")
        assert main(backfill_argv(config)) == 0
    sums = table_checksums(root / "wh" / "newsdesk.duckdb", str(root / "raw"))
    for table in ("prices", "fx_rates", "articles", "claims", "valuations"):
        assert not sums[table].startswith("0:"), f"the reference run loaded no {table}"
    return sums


def test_a_backfill_on_the_work_pool_over_s3_gives_the_embedded_tables(
    embedded: dict[str, str], work_pool: WorkPool, s3_endpoint: str, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.deployments import run_deployment

    from flows.cli import main

    make_workspace(tmp_path)
    raw, staging = on_s3(tmp_path, s3_endpoint)
    config = write_config(
        tmp_path, raw, staging,
        storage={"endpoint_url": s3_endpoint},
        compute={"runner": "process", "max_workers": 2, "work_pool": work_pool.name, **CHUNKS},
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, using(work_pool.server):
        patch.setenv("PREFECT_API_URL", work_pool.server.api_url)
        # `newsdesk deploy`: nightly, backfill and chunk on the pool, the limits
        assert main(["deploy", "--pool", work_pool.name, "--config", str(config)]) == 0
        params = {"start": START, "end": END, "offline": True, "config": str(config)}
        started = run_deployment("backfill/backfill", parameters=params, timeout=0)
        run = _wait_final(work_pool, started.id)
        assert run.state.is_completed(), (run.state, _logs(work_pool))
        assert run.work_pool_name == work_pool.name
        with get_client(sync_client=True) as client:
            chunk_runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["chunk"]))
            )
    # The chunks ran as deployment runs of their own on the pool, every one to completion.
    assert len(chunk_runs) >= 2, chunk_runs
    assert {r.work_pool_name for r in chunk_runs} == {work_pool.name}
    assert all(r.state.is_completed() for r in chunk_runs), [r.state for r in chunk_runs]

    warehouse = tmp_path / "wh" / "newsdesk.duckdb"
    assert table_checksums(warehouse, raw) == embedded
    assert _paths(warehouse) and all(p.startswith(raw + "/") for p in _paths(warehouse))
    # What the chunks staged for the loader is gone once the load committed.
    assert Store(staging, endpoint_url=s3_endpoint).files() == []


def test_a_backfill_on_a_local_dask_cluster_gives_the_embedded_tables(
    embedded: dict[str, str], prefect_server: PrefectServer, s3_endpoint: str, tmp_path: Path
) -> None:
    import os

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    from flows.cli import main

    make_workspace(tmp_path)
    raw, staging = on_s3(tmp_path, s3_endpoint)
    config = write_config(
        tmp_path, raw, staging,
        storage={"endpoint_url": s3_endpoint},
        compute={"runner": "dask", "max_workers": 2, **CHUNKS},
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, using(prefect_server):
        # A flow run on the server, in this process: its chunks go to a subflow on
        # DaskTaskRunner, which starts a local cluster of two worker processes.
        patch.setenv("NEWSDESK_PREFECT", "prefect")
        patch.setenv("PREFECT_API_URL", prefect_server.api_url)
        outcomes = record_chunk_outcomes(patch)
        assert main(backfill_argv(config)) == 0
        with get_client(sync_client=True) as client:
            tasks = client.read_task_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["chunks"]))
            )
    # Every chunk came back whole, from a Dask worker process, as a task of the subflow.
    assert len(outcomes) >= 2 and all(error is None for _, _, error in outcomes), outcomes
    pids = {result.pid for _, result, _ in outcomes}
    assert pids and os.getpid() not in pids, pids
    assert {t.name.rsplit("-", 1)[0] for t in tasks} == {"market-chunk", "news-chunk"}

    warehouse = tmp_path / "wh" / "newsdesk.duckdb"
    assert table_checksums(warehouse, raw) == embedded
    assert Store(staging, endpoint_url=s3_endpoint).files() == []


def record_chunk_outcomes(patch: pytest.MonkeyPatch) -> list[tuple]:
    """Every outcome flows.compute.run_chunks returns in this process from now on, wherever
    the steps imported it from."""
    import sys

    # backfill: every step module imported, so each has bound run_chunks by now
    from flows import backfill, compute  # noqa: F401

    original, seen = compute.run_chunks, []

    def run_chunks(chunk_task: object, specs: list, settings: object) -> list:
        outcomes = original(chunk_task, specs, settings)
        seen.extend(outcomes)
        return outcomes

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "flows" and getattr(module, "run_chunks", None) is original:
            patch.setattr(module, "run_chunks", run_chunks)
    return seen


def _paths(warehouse: Path) -> list[str]:
    from newsdesk.warehouse import Warehouse

    return (
        Warehouse(warehouse, migrate=False)
        .query("select raw_path from articles")["raw_path"]
        .to_list()
    )


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
    marker = tmp_path / "probe.json"
    with using(work_pool.server):
        started = run_deployment(name, parameters={"marker": str(marker)}, timeout=0)
        run = _wait_final(work_pool, started.id)
    assert run.state.is_completed(), (run.state, _logs(work_pool))
    assert run.work_pool_name == work_pool.name
    record = json.loads(marker.read_text(encoding="utf-8"))
    assert record["pid"] != os.getpid()
    # Run by a process one of the workers started (this one is an ancestor of all), in the repo.
    assert work_pool.worker_pids & set(record["ancestors"]), (record, work_pool.worker_pids)
    assert Path(record["cwd"]) == REPO


def _wait_final(pool: WorkPool, flow_run_id, seconds: float = RUN_SECONDS):
    import time

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + seconds
    with using(pool.server), get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run
            if all(w.process.poll() is not None for w in pool.workers):
                pytest.fail(f"every worker exited before run {flow_run_id} ended:\n{_logs(pool)}")
            if time.monotonic() > deadline:
                pytest.fail(f"flow run {flow_run_id} not final after {seconds:.0f} s: {run.state}")
            time.sleep(0.5)


def _logs(pool: WorkPool) -> str:
    return "\n".join(f"--- {w.name}\n{w.tail(1500)}" for w in pool.workers)


# --- the local S3 -------------------------------------------------------------------------
