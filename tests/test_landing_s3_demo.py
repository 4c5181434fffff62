"""`newsdesk demo` with its landing zone on S3 (moto): copied in once, replayed offline from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import main
from newsdesk.storage import Store
from tests.s3 import s3_endpoint, s3_store  # noqa: F401 - fixtures

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]
SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshot" / "raw"


def test_the_demo_replays_offline_from_an_s3_landing_zone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    s3_store: Store,  # noqa: F811
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("NEWSDESK_RAW_DIR", s3_store.root)
    monkeypatch.setenv("NEWSDESK_S3_ENDPOINT_URL", s3_store.endpoint_url)
    assert main(["demo"]) == 0
    # The same verdicts as from the local snapshot (tests/test_demo.py).
    assert "13 judged: 0 contradicted, 2 unverifiable, 11 supported" in capsys.readouterr().out
    snapshot = {p.relative_to(SNAPSHOT).as_posix(): p for p in SNAPSHOT.rglob("*") if p.is_file()}
    assert s3_store.files() == sorted(snapshot)
    assert all(s3_store.read(rel) == path.read_bytes() for rel, path in snapshot.items())
    assert not (tmp_path / "raw").exists() and not (tmp_path / "warehouse" / "raw").exists()

    created: list[str] = []
    real_create = Store.create

    def create(self: Store, rel: str, data: bytes) -> None:
        if self.root == s3_store.root:  # the landing zone, not the run's staging area
            created.append(rel)
        real_create(self, rel, data)

    monkeypatch.setattr(Store, "create", create)
    assert main(["demo"]) == 0
    assert created == []  # the zone is immutable: nothing copied over what is there
