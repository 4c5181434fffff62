"""Where chunks run: the task runner a config picks, and the fan-out of chunk specs to it.

A run splits its symbols and pages into chunk specs (small frozen, picklable values) and a
chunk task turns one spec into one small result. ``run_chunks`` sends every spec to
wherever the config says and gives back one outcome per spec, in order:

- a direct run (no Prefect): a thread pool, a process pool or a Dask client, of
  ``compute.max_workers``;
- inside a flow run: a subflow ``chunks`` whose task runner ``task_runner(settings)`` picks;
- with ``compute.work_pool`` and a Prefect API: one run of the ``chunk`` deployment per spec
  on that pool, each staging its result as JSON at ``spec.result_rel`` in the staging store.

One chunk failing never stops the others: its outcome carries the error as one line.
"""

from __future__ import annotations

import contextvars
import importlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, NamedTuple, Protocol

from flows import engine
from newsdesk.config import Settings
from newsdesk.transform.quarantine import one_line

CHUNK_DEPLOYMENT = "chunk/chunk"
# A chunk run polls the API for its end; a chunk takes minutes, so a few seconds is plenty.
DEPLOYMENT_POLL_SECONDS = 2.0


class ChunkSpec(Protocol):
    """What ``run_chunks`` needs of a spec (flows/chunks.py defines the real ones)."""

    kind: str  # which chunk flow runs it ("market", "news")
    result_type: Any  # the result class, with ``from_json(text)``

    @property
    def result_rel(self) -> str:
        """Where a deployment run stages the result JSON, in the staging store."""
        ...

    def to_params(self) -> dict[str, Any]:
        """The spec as JSON-ready deployment parameters."""
        ...


class Outcome(NamedTuple):
    """One chunk's end: its result, or the reason it failed in one line."""

    spec: Any
    result: Any | None
    error: str | None


def task_runner(settings: Settings) -> Any:
    """The Prefect task runner ``[compute] runner`` names, bounded by ``max_workers``."""
    compute = settings.compute
    if compute.runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=compute.max_workers)
    if compute.runner == "dask":
        from prefect_dask import DaskTaskRunner

        if compute.dask_address:
            return DaskTaskRunner(address=compute.dask_address)
        return DaskTaskRunner(cluster_kwargs=local_cluster_options(compute.max_workers))
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=compute.max_workers)


def local_cluster_options(workers: int) -> dict[str, Any]:
    """A local Dask cluster of ``workers`` single-threaded processes (the extraction is
    CPU-bound Python: one thread per process), on the loopback, without a dashboard."""
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": None,
    }


def run_chunks(chunk_task: Any, specs: Sequence[Any], settings: Settings) -> list[Outcome]:
    """Run ``chunk_task`` over every spec where the config says; one outcome per spec, in
    order."""
    if not specs:
        return []
    if settings.compute.work_pool and _prefect_api():
        return _on_work_pool(specs, settings)
    if engine.is_direct():
        return _direct(chunk_task, specs, settings)
    return _as_subflow(chunk_task, specs, settings)


# --- a direct run: pools of this process -----------------------------------------------------


def _direct(chunk_task: Any, specs: Sequence[Any], settings: Settings) -> list[Outcome]:
    module, name = task_address(chunk_task)
    with _direct_executor(settings) as submit:
        futures = [submit(_run_by_name, module, name, spec) for spec in specs]
        return [_outcome(spec, future.result) for spec, future in zip(specs, futures, strict=True)]


@contextmanager
def _direct_executor(settings: Settings) -> Iterator[Callable[..., Any]]:
    """``submit(fn, *args)`` on the configured pool; the pool is shut down on exit."""
    compute = settings.compute
    if compute.runner == "dask":
        from distributed import Client, LocalCluster

        if compute.dask_address:
            with Client(compute.dask_address, set_as_default=False) as client:
                yield lambda fn, *args: client.submit(fn, *args, pure=False)
            return
        with (
            LocalCluster(**local_cluster_options(compute.max_workers)) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield lambda fn, *args: client.submit(fn, *args, pure=False)
        return
    executor: Executor
    if compute.runner == "process":
        executor = ProcessPoolExecutor(compute.max_workers, mp_context=_process_context())
    else:
        executor = ThreadPoolExecutor(compute.max_workers, thread_name_prefix="newsdesk-chunk")
    with executor:
        if isinstance(executor, ThreadPoolExecutor):
            # Each thread carries this run's context (direct mode, the run's logger).
            yield lambda fn, *args: executor.submit(contextvars.copy_context().run, fn, *args)
        else:
            yield executor.submit


def _process_context() -> Any:
    # Never fork: polars and the HTTP clients hold threads and locks a forked child would
    # inherit mid-use. forkserver starts children from a clean server process (cheaper than
    # spawn per child); both re-import the modules a task needs, never run __main__'s body.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def task_address(chunk_task: Any) -> tuple[str, str]:
    """The module and attribute a chunk task is importable from, in another process."""
    fn = getattr(chunk_task, "fn", chunk_task)
    module, name = fn.__module__, fn.__qualname__
    if module == "__main__" or "<" in name:
        raise ValueError(
            f"chunk task {name!r} of {module!r} is not importable by another process: "
            "define it at module level in an importable module"
        )
    return module, name


def _run_by_name(module: str, name: str, spec: Any) -> Any:
    """In a pool's worker: import the chunk task and run it once, directly, with its retries."""
    task_obj = getattr(importlib.import_module(module), name)
    with engine.direct():
        if hasattr(task_obj, "fn"):
            return engine.call(task_obj, spec)
        return task_obj(spec)


def _outcome(spec: Any, get_result: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(spec, get_result(), None)
    except Exception as exc:
        return Outcome(spec, None, one_line(exc))


# --- inside a flow run: a subflow on the chosen task runner ------------------------------------


def _as_subflow(chunk_task: Any, specs: Sequence[Any], settings: Settings) -> list[Outcome]:
    from prefect import flow

    @flow(name="chunks", task_runner=task_runner(settings))
    def chunks() -> list[Outcome]:
        futures = [chunk_task.submit(spec) for spec in specs]
        return [_outcome(spec, future.result) for spec, future in zip(specs, futures, strict=True)]

    return chunks()


# --- with a work pool: one deployment run per chunk ------------------------------------------


def _prefect_api() -> str | None:
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def chunk_parameters(spec: Any, settings: Settings) -> dict[str, Any]:
    """The ``chunk`` deployment's parameters for one spec."""
    config = str(settings.source_file.resolve()) if settings.source_file else None
    return {"kind": spec.kind, "spec": spec.to_params(), "config": config}


def _on_work_pool(specs: Sequence[Any], settings: Settings) -> list[Outcome]:
    from newsdesk.storage import Store

    staging = Store.at(settings.warehouse.staging_dir, settings.storage)
    # Each thread only waits on the API: max_workers bounds the runs queued at once, the
    # pool's workers bound what executes.
    with ThreadPoolExecutor(settings.compute.max_workers, thread_name_prefix="newsdesk-run") as ex:
        futures: list[Future[Outcome]] = [
            ex.submit(contextvars.copy_context().run, _deployment_chunk, spec, settings, staging)
            for spec in specs
        ]
        return [future.result() for future in futures]


def _deployment_chunk(spec: Any, settings: Settings, staging: Any) -> Outcome:
    from prefect.deployments import run_deployment

    try:
        flow_run = run_deployment(
            CHUNK_DEPLOYMENT,
            parameters=chunk_parameters(spec, settings),
            timeout=None,
            poll_interval=DEPLOYMENT_POLL_SECONDS,
            tags=["newsdesk", "chunk"],
        )
    except Exception as exc:  # the API refused the run: that chunk fails, the others go on
        return Outcome(spec, None, one_line(exc))
    state = flow_run.state
    if state is None or not state.is_completed():
        ended = state.type.value.lower() if state is not None else "unknown"
        reason = (state.message or "").strip().splitlines() if state is not None else []
        error = f"chunk run {flow_run.name} {ended}" + (f": {reason[0]}" if reason else "")
        return Outcome(spec, None, error)
    return _outcome(spec, lambda: _read_result(spec, staging))


def _read_result(spec: Any, staging: Any) -> Any:
    text = staging.read(spec.result_rel).decode("utf-8")
    return spec.result_type.from_json(text)
