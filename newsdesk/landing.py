"""The raw landing zone: every response body, kept immutable beside its metadata.

Layout (see docs/DESIGN.md), under a local folder or an ``s3://`` prefix (a `Store`)::

    <raw>/<source>/<key>/<stamp>_<sha16>.body
    <raw>/<source>/<key>/<stamp>_<sha16>.meta.json
    <raw>/<source>/<lookup unit>/@index.json     derived: the metas below it, by name

Bodies and metas are created once, never replaced. The index spares a lookup one read per
meta: it is read once per lookup unit (a symbol's charts, one page, all rates). It is only
derived: a listing of the names is the truth, and a meta the index lacks (missing, stale
after two concurrent landings, written by an older newsdesk) is read itself. Landing
rewrites the index of its unit whole; lookups never write, so a read-only zone (the bundled
snapshot, a bucket with read-only credentials) replays as well.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from newsdesk.storage import Store

_UNSAFE = re.compile(r"[^A-Za-z0-9._^=+\-]")
META, BODY = ".meta.json", ".body"
INDEX = "@index.json"  # safe_key never yields "@": the name cannot be a key's folder
# Where a source's index sits, in key folders below the source: at what its lookups ask for.
# A chart lookup wants every range of a symbol, a page lookup one page, sec one issuer, and
# the rates lookup scans the whole (small: one request a night) source.
INDEX_DEPTH = {"yahoo": 1, "sec": 1, "news": 2, "frankfurter": 0}
DEFAULT_INDEX_DEPTH = 1
_index_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


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
    body_path: str  # the full location, a local path or a URL: what raw_path columns record
    store: Store  # the landing zone it was found in; the body is read through it

    def read_body(self) -> bytes:
        """The response body exactly as it was received."""
        return self.store.read(self.store.relative(self.body_path))

    def json(self) -> Any:
        """The body parsed as JSON (orjson: twice as fast on large chart bodies)."""
        return orjson.loads(self.read_body())


def safe_key(*parts: str) -> str:
    """A relative key path whose parts are safe file names (``/`` and spaces replaced)."""
    return "/".join(_UNSAFE.sub("_", part) or "_" for part in parts)


def land(
    raw: Store | Path | str,
    source: str,
    key: str,
    response: Response,
    params: Mapping[str, Any] | None = None,
) -> Landed:
    """Write a response into the landing zone once; identical bytes for a key land once."""
    store = Store.at(raw)
    zone = store.child(source)
    digest = hashlib.sha256(response.body).hexdigest()
    unit = _unit(source, f"{key}/{BODY}")
    with _lock(zone.location(unit)):
        listing = zone.files(unit)
        index = _Unit(zone, unit, indexed=_index_path(unit) in listing)
        metas = {rel: index.meta(rel) for rel in listing if _is_meta(rel)}
        for rel, meta in metas.items():
            same = rel.rpartition("/")[0] == key and rel.endswith(f"_{digest[:16]}{META}")
            if same and int(meta["status"]) == response.status:
                return _landed(store, source, rel, meta)
        stamp = response.fetched_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        stem = f"{key}/{stamp}_{digest[:16]}"
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
        # Built from the bytes written, not read back: equal to what find_landed returns later.
        meta = json.loads(encoded)
        _create_pair(zone, stem, response.body, digest, encoded)
        metas[stem + META] = meta
        if len(metas) > 1:  # an index of one entry would cost a write and save no read
            index.write(metas)
    return _landed(store, source, stem + META, meta)


def find_landed(
    raw: Store | Path | str,
    source: str,
    *,
    key_prefix: str = "",
    where: Callable[[Landed], bool] | None = None,
    ok_only: bool = True,
) -> list[Landed]:
    """The newest landed response per key of a source, optionally filtered; sorted by key."""
    newest: dict[str, Landed] = {}
    for landed in _scan(Store.at(raw), source, key_prefix):
        if ok_only and not 200 <= landed.status < 300:
            continue
        if where is not None and not where(landed):
            continue
        current = newest.get(landed.key)
        if current is None or landed.fetched_at > current.fetched_at:
            newest[landed.key] = landed
    return [newest[k] for k in sorted(newest)]


def iter_landed(root: Store | Path | str, key_prefix: str = "") -> Iterator[Landed]:
    """Every landed response under one source's folder (``<raw>/<source>``)."""
    store, source = Store.at(root).parent()
    return _scan(store, source, key_prefix)


def _scan(store: Store, source: str, key_prefix: str) -> Iterator[Landed]:
    """Every landed response of a source under a key prefix, in the order of their names."""
    zone = store.child(source)
    prefix = key_prefix.strip("/")
    listing = zone.files(prefix)
    listed = set(listing)
    units: dict[str, _Unit] = {}
    for rel in listing:
        if _is_meta(rel):
            name = _unit(source, rel)
            if name not in units:  # the listing shows the unit's index if it reaches up to it
                shown = _index_path(name) in listed if _covers(prefix, name) else None
                units[name] = _Unit(zone, name, indexed=shown)
            yield _landed(store, source, rel, units[name].meta(rel))


class _Unit:
    """The index of one lookup unit, read at most once; the metas it lacks are read instead."""

    def __init__(self, zone: Store, name: str, *, indexed: bool | None) -> None:
        self.zone, self.name = zone, name
        self.indexed = indexed  # None: not known from a listing, so try to read it
        self._entries: dict[str, Any] | None = None

    def meta(self, rel: str) -> Mapping[str, Any]:
        """A meta by its path under the source: from the index, else from its own file."""
        if self._entries is None:
            self._entries = {} if self.indexed is False else _read_index(self.zone, self.name)
        entry = self._entries.get(_within(self.name, rel))
        return entry if isinstance(entry, dict) else _read_meta(self.zone, rel)

    def write(self, metas: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the index whole with these metas (paths under the source)."""
        names = {_within(self.name, rel): meta for rel, meta in metas.items()}
        data = orjson.dumps({"metas": names}, option=orjson.OPT_SORT_KEYS)
        self.zone.replace(_index_path(self.name), data)


def _read_index(zone: Store, unit: str) -> dict[str, Any]:
    try:
        found = orjson.loads(zone.read(_index_path(unit))).get("metas")
    except (FileNotFoundError, orjson.JSONDecodeError, AttributeError):
        return {}  # derived: without it, each meta is read itself
    return found if isinstance(found, dict) else {}


def _index_path(unit: str) -> str:
    return f"{unit}/{INDEX}" if unit else INDEX


def _within(unit: str, rel: str) -> str:
    """A path under the source as the unit's index names it (relative to the unit)."""
    return rel.removeprefix(f"{unit}/") if unit else rel


def _unit(source: str, rel: str) -> str:
    """The lookup unit of a file under a source: the first INDEX_DEPTH folders of its key."""
    folders = rel.split("/")[:-1]
    return "/".join(folders[: INDEX_DEPTH.get(source, DEFAULT_INDEX_DEPTH)])


def _covers(prefix: str, unit: str) -> bool:
    """Whether a listing under ``prefix`` holds the unit's index file."""
    return not prefix or unit == prefix or unit.startswith(prefix + "/")


def _is_meta(rel: str) -> bool:
    name = rel.rpartition("/")[2]
    return name.endswith(META) and not name.startswith(".")  # not a temporary


def _read_meta(zone: Store, rel: str) -> dict[str, Any]:
    return json.loads(zone.read(rel).decode("utf-8"))


def _landed(store: Store, source: str, meta_rel: str, meta: Mapping[str, Any]) -> Landed:
    body = f"{source}/{meta_rel.removesuffix(META)}{BODY}"
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
        body_path=store.location(body),
        store=store,
    )


def _create_pair(zone: Store, stem: str, body: bytes, digest: str, meta: bytes) -> None:
    """Body first, then metadata, each created once: a killed run leaves at worst an orphan
    body (never read: no meta names it), never a meta pointing at a half-written body."""
    created = True
    try:
        zone.create(stem + BODY, body)
    except FileExistsError:
        # Same instant, same bytes: an earlier landing of this response died before its meta.
        if hashlib.sha256(zone.read(stem + BODY)).hexdigest() != digest:
            raise
        created = False
    try:
        zone.create(stem + META, meta)
    except BaseException:
        if created:
            zone.delete(stem + BODY)  # a body without its meta is never read: drop it
        raise


def _lock(location: str) -> threading.Lock:
    """One lock per lookup unit in this process: threads landing beside each other do not
    lose each other's index entries (other processes may: a stale index is still right)."""
    with _locks_lock:
        return _index_locks.setdefault(location, threading.Lock())


def sweep_temporaries(raw: Store | Path | str) -> list[Path]:
    """Remove temporaries a killed run left in a local landing zone (their writer is gone).

    An object store has none: a put is whole or absent."""
    store = Store.at(raw)
    if not store.is_local or not Path(store.root).is_dir():
        return []
    removed = []
    for tmp in Path(store.root).rglob(".*.tmp*"):
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
