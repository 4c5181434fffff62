"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.localserver import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A fresh canned-response HTTP server on 127.0.0.1 (see tests/localserver.py)."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.close()


# --- Prefect -----------------------------------------------------------------
# One Prefect test server for the whole session: starting one costs ~15 s.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Prefect binds its console log handler to sys.stderr when first imported. Imported here,
# that is the real stderr, not the capture of whichever test happened to import it first,
# which pytest closes after that test (later runs would log to a closed file).
import prefect.main  # noqa: E402, F401 - prefect.main configures logging

# A temporary Prefect server starts slowly on a busy two-core machine (two xdist workers start
# one each): the same 120 s the Makefile gives, for a plain `pytest` too.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

PREFECT_FIXTURES = {"prefect_harness", "prefect_api", "served_deployments"}


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts Prefect is slow, marked or not: make test-fast never starts one."""
    for item in items:
        if PREFECT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A session-wide Prefect API for tests that run flows and tasks."""
    from prefect.testing.utilities import prefect_test_harness

    # None: wait as long as PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS says.
    with prefect_test_harness(server_startup_timeout=None):
        yield


# ---------------------------------------------------------------------------------------------
# Serving (issue 5, tests/test_serve.py and tests/test_concurrency.py): the session's Prefect
# test server by URL, and `python -m flows.deployments` serving the deployments against it.
# ---------------------------------------------------------------------------------------------

import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVE_START_SECONDS = 120.0


@pytest.fixture(scope="session")
def prefect_api(prefect_harness: None) -> str:
    """The URL of the session's Prefect test API, for processes started by tests."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


@pytest.fixture(scope="session")
def served_deployments(
    prefect_api: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Serve the deployments in a process group of their own against prefect_api; yield the log."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    home = tmp_path_factory.mktemp("serve")
    log_path = home / "serve.log"
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # pick up (re-)scheduled runs quickly
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("NEWSDESK_CONFIG", None)  # each test run passes its own config parameter
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.deployments"], cwd=REPO_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVE_START_SECONDS
        with get_client(sync_client=True) as client:
            while True:
                try:
                    client.read_deployment_by_name("nightly/nightly")
                    client.read_deployment_by_name("backfill/backfill")
                    break
                except ObjectNotFound:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"flows.deployments did not come up:\n{log_path.read_text()[-3000:]}"
                    )
                time.sleep(0.5)
        yield log_path
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            if process.poll() is not None:
                break
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
