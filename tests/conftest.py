"""Fixtures shared by the test suite."""

from __future__ import annotations

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
