"""Services the scaled-mode tests start and stop themselves (tests/test_scaled.py).

- ``prefect_server``: ``prefect server start`` on a free 127.0.0.1 port, its state (sqlite) in
  a temporary PREFECT_HOME, telemetry and UI off; a ``PrefectServer`` once /api/health
  answers. ``prefect_server_booting`` starts it without waiting, so it can boot meanwhile.
- ``work_pool``: a process work pool on that server and two ``prefect worker start`` processes
  polling it; yields a ``WorkPool`` once both have registered.
- the local S3 (``moto_server``) is tests/s3.py's ``s3_endpoint``; its fake credentials go
  into every service's environment here too.

Every process starts in a session of its own and is stopped by PID at the end of the test
session, failed tests included, with every process it started: those are collected first, as
one may sit in a session of its own (Prefect's workspace supervisor puts each flow run in one)
where signalling the worker's group would miss it. Teardown fails loudly if a process or a
port outlives it. A pytest killed outright (SIGKILL) runs no teardown: nothing can stop them
then but their PIDs, which each service's log directory and ``ps`` show.

``probe`` is the small flow the harness test deploys: it records which process ran it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from prefect import flow

from tests.s3 import FAKE_CREDENTIALS as FAKE_AWS

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A busy two-core machine (two xdist workers, other sessions) can take a minute to start one.
START_SECONDS = 120.0
STOP_SECONDS = 15.0
WORKERS = 2
# No network but localhost: no telemetry, and nothing the tests do not use.
QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
}
# Server loops the tests never need (no schedules, no automations, no pauses); fewer loops
# start faster and leave the two cores to the runs.
IDLE_SERVICES = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
}


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Service:
    """A process a fixture started, and the file its output goes to."""

    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None
    started_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, chars: int = 3000) -> str:
        """The end of the service's log, for a failure message."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start_service(
    name: str, argv: list[str], env: Mapping[str, str], log_dir: Path, port: int | None = None
) -> Service:
    """Start argv in a session of its own (so its whole group can be signalled), output to
    log_dir/<name>.log."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    return Service(name, process, log, port)


def wait_for(service: Service, ready: Callable[[], bool], what: str, began: float) -> None:
    """Poll ready() until it holds; fail with the service's log if it exits or times out."""
    deadline = began + START_SECONDS
    while not ready():
        if service.process.poll() is not None:
            pytest.fail(
                f"{service.name} exited with status {service.process.returncode} before "
                f"{what}:\n{service.tail()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"{service.name}: no {what} in {START_SECONDS:.0f} s:\n{service.tail()}")
        time.sleep(0.25)
    service.started_seconds = time.monotonic() - began
    print(f"services: {service.name} {what} after {service.started_seconds:.1f} s")


def answers(url: str) -> bool:
    """Whether an HTTP server answers url at all (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def stop_services(services: list[Service]) -> list[str]:
    """Stop every service and every process under it, by process group, TERM then KILL.

    Returns what outlived it (a process or a listening port), in words; empty when all is gone.
    """
    own_group = os.getpgid(0)
    procs: list[psutil.Process] = []
    for service in services:
        with contextlib.suppress(psutil.NoSuchProcess):
            top = psutil.Process(service.pid)
            procs += [top, *top.children(recursive=True)]  # collected before anything exits
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in procs if _alive(p)]
        if not alive:
            break
        groups = set()
        for proc in alive:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                groups.add(os.getpgid(proc.pid))
        for group in groups - {own_group}:  # never signal pytest's own group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, sig)
        for proc in alive:  # a process that left its group
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(sig)
        psutil.wait_procs(alive, timeout=STOP_SECONDS)
    for service in services:
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(timeout=STOP_SECONDS)  # reap our direct children
    left = [f"pid {p.pid} ({' '.join(p.cmdline()[:4])})" for p in procs if _alive(p)]
    deadline = time.monotonic() + 5  # a listening socket closes with its process
    ports = [s.port for s in services if s.port]
    while any(port_in_use(port) for port in ports) and time.monotonic() < deadline:
        time.sleep(0.1)
    left += [f"port {port}" for port in ports if port_in_use(port)]
    return left


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def service_env(**extra: str) -> dict[str, str]:
    """This environment, quiet, with fake AWS credentials, without settings of the caller's
    Prefect or newsdesk that would point a service elsewhere."""
    env = {**os.environ, **QUIET, **FAKE_AWS, **extra}
    for name in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_DATABASE_CONNECTION_URL",
                 "NEWSDESK_CONFIG", "NEWSDESK_PREFECT"):  # fmt: skip
        if name not in extra:
            env.pop(name, None)
    return env


# --- the Prefect server -----------------------------------------------------------------


@dataclass
class PrefectServer:
    """A Prefect server a fixture started: its API URL and the service behind it."""

    api_url: str
    home: Path
    service: Service
    began: float = 0.0


@pytest.fixture(scope="session")
def prefect_server_booting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free port with its own home and sqlite database, started
    but not waited for: it boots (half a minute on two busy cores, mostly imports and the
    database migrations) while a test does other work. Use it through ``prefect_server``."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = service_env(
        PREFECT_HOME=str(home),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        **IDLE_SERVICES,
    )
    began = time.monotonic()
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    service = start_service("prefect-server", argv, env, home, port=port)
    try:
        yield PrefectServer(f"http://127.0.0.1:{port}/api", home, service, began)
    finally:
        left = stop_services([service])
        if left:
            pytest.fail(f"the Prefect server left {', '.join(left)} behind")


@pytest.fixture(scope="session")
def prefect_server(prefect_server_booting: PrefectServer) -> PrefectServer:
    """The session's Prefect server, once its /api/health answers."""
    server = prefect_server_booting
    wait_for(server.service, lambda: _healthy(server.api_url), "healthy /api/health", server.began)
    return server


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def using(server: PrefectServer) -> Iterator[None]:
    """This process's Prefect client settings pointed at server (innermost: it outranks the
    session's test harness, when another test file of this worker started one)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


# --- a process work pool and its workers ------------------------------------------------


@dataclass
class WorkPool:
    """A process work pool on a server, and the worker processes polling it."""

    name: str
    server: PrefectServer
    workers: list[Service] = field(default_factory=list)

    @property
    def worker_pids(self) -> set[int]:
        return {w.pid for w in self.workers}


@pytest.fixture(scope="session")
def work_pool(prefect_server: PrefectServer) -> Iterator[WorkPool]:
    """A process work pool and two ``prefect worker start`` processes on it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.process import ProcessWorker

    pool = WorkPool("newsdesk-scaled", prefect_server)
    template = ProcessWorker.get_default_base_job_template()
    # Each run as `python -m prefect.engine` under the worker: without a command the worker
    # puts a workspace supervisor (for per-deployment environments, unused here) between
    # them, one more interpreter importing Prefect per run, ~5 s on two busy cores.
    template["variables"]["properties"]["command"]["default"] = shlex.join(
        [sys.executable, "-m", "prefect.engine"]
    )
    with using(prefect_server), get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(name=pool.name, type="process", base_job_template=template)
        )
    began = time.monotonic()
    try:
        for n in range(1, WORKERS + 1):
            home = prefect_server.home / f"worker-{n}"
            home.mkdir()
            env = service_env(
                PREFECT_API_URL=prefect_server.api_url,
                PREFECT_HOME=str(home),
                # Poll every second (default 10): a test waits for each run it starts.
                PREFECT_WORKER_QUERY_SECONDS="1",
                PREFECT_WORKER_PREFETCH_SECONDS="1",
            )
            argv = [str(BIN / "prefect"), "worker", "start", "--pool", pool.name,
                    "--type", "process", "--name", f"worker-{n}"]  # fmt: skip
            pool.workers.append(start_service(f"worker-{n}", argv, env, home))
        for worker in pool.workers:
            wait_for(worker, lambda w=worker: _registered(pool, w.name), "registration", began)
        yield pool
    finally:
        left = stop_services(pool.workers)
        if left:
            pytest.fail(f"the workers left {', '.join(left)} behind")


def _registered(pool: WorkPool, worker_name: str) -> bool:
    from prefect.client.orchestration import get_client

    with using(pool.server), get_client(sync_client=True) as client:
        return worker_name in {w.name for w in client.read_workers_for_work_pool(pool.name)}


# --- the flow the harness test deploys --------------------------------------------------


@flow(name="scaled-probe")
def probe(marker: str) -> int:
    """Write which process ran this (its pid and its ancestors') to marker; return the pid."""
    me = psutil.Process()
    record = {"pid": me.pid, "ancestors": [p.pid for p in me.parents()], "cwd": os.getcwd()}
    Path(marker).write_text(json.dumps(record), encoding="utf-8")
    return me.pid
