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


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A session-wide Prefect API for tests that run flows and tasks."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
