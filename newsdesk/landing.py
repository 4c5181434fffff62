"""The raw landing zone: every response body, kept immutable beside its metadata.

Layout (see docs/DESIGN.md)::

    <raw_dir>/<source>/<key>/<stamp>_<sha16>.body
    <raw_dir>/<source>/<key>/<stamp>_<sha16>.meta.json

Offline runs read the zone back; nothing here is ever rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

_UNSAFE = re.compile(r"[^A-Za-z0-9._^=+\-]")


class Response(Protocol):
    """What `land` needs of a fetched response (newsdesk.http.Fetched fits)."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True)
class Landed:
    """One landed response: its metadata and where its body lies."""

    source: str
    key: str
    url: str
    status: int
    headers: dict[str, str]
    fetched_at: datetime
    sha256: str
    size: int
    params: dict[str, Any]
    body_path: Path

    def read_body(self) -> bytes:
        """The response body exactly as it was received."""
        return self.body_path.read_bytes()

    def json(self) -> Any:
        """The body parsed as JSON (orjson: twice as fast on large chart bodies)."""
        return orjson.loads(self.body_path.read_bytes())


def safe_key(*parts: str) -> str:
    """A relative key path whose parts are safe file names (``/`` and spaces replaced)."""
    return "/".join(_UNSAFE.sub("_", part) or "_" for part in parts)


def land(
    raw_dir: Path,
    source: str,
    key: str,
    response: Response,
    params: Mapping[str, Any] | None = None,
) -> Landed:
    """Write a response into the landing zone once; identical bytes for a key land once."""
    digest = hashlib.sha256(response.body).hexdigest()
    folder = Path(raw_dir) / source / key
    folder.mkdir(parents=True, exist_ok=True)
    for existing in _metas(folder):
        if existing.name.endswith(f"_{digest[:16]}.meta.json"):
            found = _read_meta(existing)
            if found.status == response.status:
                return found
    stamp = response.fetched_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    stem = f"{stamp}_{digest[:16]}"
    body_path = folder / f"{stem}.body"
    meta = {
        "source": source,
        "key": key,
        "url": response.url,
        "status": response.status,
        "headers": dict(response.headers),
        "fetched_at": response.fetched_at.astimezone(UTC).isoformat(),
        "sha256": digest,
        "size": len(response.body),
        "params": dict(params or {}),
    }
    encoded = json.dumps(meta, ensure_ascii=False).encode()
    # Body first, then metadata, each via a temporary name: a killed run leaves
    # at worst an orphan body, never a meta pointing at a half-written file.
    _write_atomic(body_path, response.body)
    try:
        _write_atomic(folder / f"{stem}.meta.json", encoded)
    except BaseException:
        body_path.unlink(missing_ok=True)  # a body without its meta is never read: drop it
        raise
    # Built from the bytes just written, not read back: equal to what find_landed returns later.
    return _landed(json.loads(encoded), body_path)


def find_landed(
    raw_dir: Path,
    source: str,
    *,
    key_prefix: str = "",
    where: Callable[[Landed], bool] | None = None,
    ok_only: bool = True,
) -> list[Landed]:
    """The newest landed response per key of a source, optionally filtered; sorted by key."""
    root = Path(raw_dir) / source
    if not root.is_dir():
        return []
    newest: dict[str, Landed] = {}
    for landed in iter_landed(root, key_prefix):
        if ok_only and not 200 <= landed.status < 300:
            continue
        if where is not None and not where(landed):
            continue
        current = newest.get(landed.key)
        if current is None or landed.fetched_at > current.fetched_at:
            newest[landed.key] = landed
    return [newest[k] for k in sorted(newest)]


def iter_landed(root: Path, key_prefix: str = "") -> Iterator[Landed]:
    """Every landed response under one source folder."""
    start = root / key_prefix if key_prefix else root
    if not start.exists():
        return
    for meta_path in sorted(start.rglob("*.meta.json")):
        yield _read_meta(meta_path)


def _metas(folder: Path) -> Iterator[Path]:
    return (p for p in folder.iterdir() if p.name.endswith(".meta.json"))


def _read_meta(meta_path: Path) -> Landed:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return _landed(meta, meta_path.with_name(meta_path.name.removesuffix(".meta.json") + ".body"))


def _landed(meta: Mapping[str, Any], body_path: Path) -> Landed:
    return Landed(
        source=meta["source"],
        key=meta["key"],
        url=meta["url"],
        status=int(meta["status"]),
        headers=dict(meta.get("headers") or {}),
        fetched_at=datetime.fromisoformat(meta["fetched_at"]),
        sha256=meta["sha256"],
        size=int(meta["size"]),
        params=dict(meta.get("params") or {}),
        body_path=body_path,
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary name; a failed write (a full disk) leaves no temporary behind."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sweep_temporaries(raw_dir: Path) -> list[Path]:
    """Remove temporaries a killed run left in the landing zone (their writer is gone)."""
    removed = []
    for tmp in Path(raw_dir).rglob(".*.tmp*"):
        pid = tmp.name.rpartition(".tmp")[2]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        pass
    return True
