"""A local S3 for the tests: ``moto_server`` on a free 127.0.0.1 port, started and stopped here.

Use it by importing the fixtures into a test module (``from tests.s3 import s3_endpoint``) and
asking for ``s3_store`` (a fresh bucket per test) or ``s3_endpoint`` (the URL). The server is
one per session (and per xdist worker); it is killed by its PID when the session ends. The
credentials are fake and set for the session only, so nothing can reach a real account.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.storage import Store

REGION = "us-east-1"
STARTUP_SECONDS = 30.0
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    # Never a real profile or the instance metadata service (which would stall each client).
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def moto_server_command(port: int) -> list[str]:
    """moto_server from the virtualenv that runs the tests, not whatever is on PATH."""
    return [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll until the server answers; fail with its exit code if it died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer on {url} within {timeout:.0f} s")


def create_bucket(endpoint_url: str, name: str | None = None) -> str:
    """Create a bucket on the local S3; its name (a fresh one unless given)."""
    import boto3

    bucket = name or f"newsdesk-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a moto_server this session started, with fake credentials in the env."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        port = free_port()
        process = subprocess.Popen(
            moto_server_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, STARTUP_SECONDS)
            yield url
        finally:
            process.kill()  # this PID only: the server is ours
            process.wait(timeout=10)


@pytest.fixture
def s3_store(s3_endpoint: str) -> Store:
    """A store under a fresh, empty bucket on the local S3."""
    return Store(f"s3://{create_bucket(s3_endpoint)}/raw", endpoint_url=s3_endpoint, region=REGION)
