"""Where landed responses and staged Parquet live: a local folder or an object store.

A `Store` is a root location (``warehouse/raw`` or ``s3://bucket/prefix``) and the options to
reach it. It is a small frozen value, so it pickles into another process or onto another
machine, where it opens its own fsspec filesystem on first use. Paths given to it are
relative to its root, always with ``/``.

Writes are of two kinds: ``create`` never replaces anything (the landing zone is immutable:
a local file is linked into place from a temporary, an S3 object is put with
``If-None-Match: *``), ``replace`` swaps a derived file (an index) in whole.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from newsdesk.config import StorageSettings

_filesystems: dict[tuple[str, str, str], AbstractFileSystem] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Store:
    """A root location and how to reach it; paths are relative to the root."""

    root: str
    endpoint_url: str = ""
    region: str = ""

    @classmethod
    def at(cls, location: Path | str | Store, storage: StorageSettings | None = None) -> Store:
        """The store at a configured location (a path, or an s3:// URL with ``storage``'s
        endpoint and region)."""
        if isinstance(location, Store):
            return location
        text = str(location)
        if "://" not in text:
            return cls(str(Path(text)))  # one spelling per folder: "raw/" and "raw" are equal
        return cls(
            text.rstrip("/"),
            endpoint_url=storage.endpoint_url if storage else "",
            region=storage.region if storage else "",
        )

    @property
    def protocol(self) -> str:
        """``file`` for a local folder, else the URL's scheme (``s3``, ``memory``)."""
        return self.root.partition("://")[0] if "://" in self.root else "file"

    @property
    def is_local(self) -> bool:
        """Whether the root is a folder on this machine."""
        return self.protocol == "file"

    @property
    def fs(self) -> AbstractFileSystem:
        """This process's filesystem for the root (opened once per process and options)."""
        key = (self.protocol, self.endpoint_url, self.region)
        with _lock:
            found = _filesystems.get(key)
            if found is None:
                found = _filesystems[key] = _open_filesystem(*key)
        return found

    def child(self, rel: str) -> Store:
        """The store rooted at a folder under this one (same endpoint and region)."""
        return Store(self.location(rel), self.endpoint_url, self.region)

    def parent(self) -> tuple[Store, str]:
        """The store one folder up, and this root's name in it."""
        if self.is_local:
            path = Path(self.root)
            return Store(str(path.parent), self.endpoint_url, self.region), path.name
        head, _, name = self.root.rstrip("/").rpartition("/")
        if not name or head.endswith(":/"):
            raise ValueError(f"{self.root} has no folder above it")
        return Store(head, self.endpoint_url, self.region), name

    def relative(self, location: str) -> str:
        """The path under this root of a full location (the inverse of ``location``)."""
        if self.is_local:
            try:
                return Path(location).relative_to(self.root).as_posix()
            except ValueError:
                raise ValueError(f"{location} is not under {self.root}") from None
        top = self.root.rstrip("/") + "/"
        if not location.startswith(top):
            raise ValueError(f"{location} is not under {self.root}")
        return location.removeprefix(top)

    def location(self, rel: str = "") -> str:
        """The full location of a relative path: a local path or a URL (what tables record)."""
        rel = rel.strip("/")
        if not rel:
            return self.root
        return f"{self.root.rstrip('/')}/{rel}" if not self.is_local else str(Path(self.root) / rel)

    def _path(self, rel: str) -> str:
        """The path the filesystem takes (a URL without its scheme)."""
        location = self.location(rel)
        return location.partition("://")[2] if "://" in location else location

    def create(self, rel: str, data: bytes) -> None:
        """Write a new file; FileExistsError if one is there already (nothing is replaced)."""
        path = self._path(rel)
        if self.is_local:
            _create_local(Path(path), data)
            return
        if self.protocol == "memory":  # fsspec's memory store knows no exclusive mode
            if self.fs.exists(path):
                raise FileExistsError(self.location(rel))
            self.fs.pipe_file(path, data)
            return
        # A put with If-None-Match: * (s3fs turns the 412 into FileExistsError). Not
        # open(path, "xb"): s3fs writes an empty file there with a plain put, which replaces.
        try:
            self.fs.pipe_file(path, data, mode="create")
        except FileExistsError as exc:
            raise FileExistsError(self.location(rel)) from exc

    def replace(self, rel: str, data: bytes) -> None:
        """Write a derived file whole, replacing what was there (readers see old or new)."""
        path = self._path(rel)
        if self.is_local:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp{os.getpid()}")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            return
        self.fs.pipe_file(path, data)

    def read(self, rel: str) -> bytes:
        """A file's bytes (FileNotFoundError when it is not there)."""
        path = self._path(rel)
        if self.is_local:
            return Path(path).read_bytes()
        return self.fs.cat_file(path)

    def exists(self, rel: str) -> bool:
        """Whether a file or folder is there."""
        path = self._path(rel)
        return Path(path).exists() if self.is_local else self.fs.exists(path)

    def files(self, prefix: str = "") -> list[str]:
        """Every file under a relative folder, as paths relative to the root, sorted."""
        base = self._path(prefix)
        if self.is_local:
            root = Path(base)
            if not root.is_dir():
                return []
            top = Path(self._path(""))
            return sorted(p.relative_to(top).as_posix() for p in root.rglob("*") if p.is_file())
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        top = self._path("").strip("/") + "/"  # the memory store answers with a leading /
        found = [p.lstrip("/") for p in found]
        return sorted(p.removeprefix(top) for p in found if p.startswith(top))

    def delete(self, rel: str) -> None:
        """Delete one file if it is there (a landing that failed half way drops its body)."""
        path = self._path(rel)
        if self.is_local:
            Path(path).unlink(missing_ok=True)
        elif self.fs.exists(path):
            self.fs.rm_file(path)

    def remove(self, prefix: str) -> None:
        """Delete a relative folder and everything under it (staging only, never landing)."""
        path = self._path(prefix)
        if self.is_local:
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        elif self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def open(self, rel: str, mode: str = "rb") -> Any:
        """A file object (for readers such as polars and pyarrow that take one)."""
        path = self._path(rel)
        if self.is_local and "w" in mode:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return self.fs.open(path, mode) if not self.is_local else open(path, mode)  # noqa: SIM115


def _open_filesystem(protocol: str, endpoint_url: str, region: str) -> AbstractFileSystem:
    import fsspec

    if protocol == "s3":
        client: dict[str, Any] = {}
        if endpoint_url:
            client["endpoint_url"] = endpoint_url
        if region:
            client["region_name"] = region
        # Credentials from the environment only (AWS_ACCESS_KEY_ID…, a profile or a role).
        # No listings cache: other workers write the same bucket, and a cached listing would
        # hide what they landed from exists() and from the landing index's check.
        return fsspec.filesystem(
            "s3", client_kwargs=client, skip_instance_cache=True, use_listings_cache=False
        )
    return fsspec.filesystem(protocol)


def _create_local(path: Path, data: bytes) -> None:
    """Write via a temporary, then link it into place: create-only and never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.link(tmp, path)  # FileExistsError when the name is taken: nothing is replaced
    finally:
        tmp.unlink(missing_ok=True)
