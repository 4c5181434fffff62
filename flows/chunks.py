"""Chunks: a run's symbols and pages split into parts that fetch, land and stage anywhere.

A chunk takes a spec (a frozen value: the run's settings and id, what to fetch) and returns a
result (where it staged its frames, what failed, what it counted). Both pickle, for a process
or Dask task runner, and round-trip through JSON, for a deployment run on a work pool. Nothing
in them is live (no client, lock or warehouse): each chunk builds its own sources where it
runs, and the flow process, the one loader, merges the results and writes the warehouse.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from flows import compute, engine
from newsdesk.config import Settings
from newsdesk.staging import run_prefix
from newsdesk.storage import Store
from newsdesk.transform.records import Malformed

# Seconds before a failed fetch is tried again (what the fetch tasks used to wait).
RETRY_DELAY = 5
# What run_chunks hands back per spec: the spec, its result or None, the error or None.
Outcome = compute.Outcome


def staging_store(settings: Settings) -> Store:
    """The store a run's chunks stage their frames in."""
    return Store.at(settings.warehouse.staging_dir, settings.storage)


# --- settings as JSON ---------------------------------------------------------------------


def settings_params(settings: Settings) -> dict[str, Any]:
    """Settings as plain JSON values, section by section (what a deployment run takes)."""
    out: dict[str, Any] = {}
    for section in fields(Settings):
        value = getattr(settings, section.name)
        if section.name == "source_file":
            out["source_file"] = str(value) if value else None
            continue
        out[section.name] = {key.name: _plain(getattr(value, key.name)) for key in fields(value)}
    return out


def settings_from_params(params: Mapping[str, Any]) -> Settings:
    """The Settings settings_params gave, each value back in its field's type."""
    defaults = Settings()
    sections: dict[str, Any] = {}
    for section in fields(Settings):
        if section.name == "source_file":
            continue
        default = getattr(defaults, section.name)
        given = params.get(section.name, {})
        values = {
            key.name: _typed(getattr(default, key.name), given[key.name])
            for key in fields(default)
            if key.name in given
        }
        sections[section.name] = replace(default, **values)
    source = params.get("source_file")
    return Settings(**sections, source_file=Path(source) if source else None)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(default: Any, value: Any) -> Any:
    if isinstance(default, Path):  # a location may also be an s3:// URL, kept as text
        return value if "://" in str(value) else Path(value)
    if isinstance(default, tuple):
        return tuple(value)
    if isinstance(default, Mapping):
        return dict(value)
    return value


# --- specs --------------------------------------------------------------------------------


class _Spec:
    """What every chunk spec shares: its run and number, its staging folder, and how those
    travel as JSON."""

    kind: ClassVar[str]
    settings: Settings
    offline: bool
    run_id: str
    index: int

    @property
    def name(self) -> str:
        """The chunk's folder in the run's staging area."""
        return f"{self.kind}-{self.index:04d}"

    @property
    def result_rel(self) -> str:
        """Where a deployment run stages its result for the flow that dispatched it."""
        return f"{run_prefix(self.run_id, self.name)}/result.json"

    def _shared_params(self) -> dict[str, Any]:
        return {
            "settings": settings_params(self.settings),
            "offline": self.offline,
            "run_id": self.run_id,
            "index": self.index,
        }

    @staticmethod
    def _shared_fields(params: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "settings": settings_from_params(params["settings"]),
            "offline": bool(params["offline"]),
            "run_id": params["run_id"],
            "index": int(params["index"]),
        }


@dataclass(frozen=True)
class MarketChunk(_Spec):
    """Charts of some symbols (each from its own start to fetch_end) and companyfacts of
    their issuers, to fetch, land, transform and stage."""

    kind: ClassVar[str] = "market"
    result_type: ClassVar[Any]  # MarketChunkResult, set below it

    settings: Settings
    offline: bool
    run_id: str
    index: int
    starts: dict[str, date]  # symbol → where its chart request starts
    fetch_end: date
    ciks: tuple[str, ...] = ()
    # Staged sha256 of the chart bodies a load already used ("" when none): not read again.
    already_rel: str = ""

    @property
    def symbols(self) -> list[str]:
        """The chunk's symbols, in order."""
        return list(self.starts)

    def to_params(self) -> dict[str, Any]:
        """The spec as JSON values."""
        return {
            **self._shared_params(),
            "starts": {s: d.isoformat() for s, d in self.starts.items()},
            "fetch_end": self.fetch_end.isoformat(),
            "ciks": list(self.ciks),
            "already_rel": self.already_rel,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MarketChunk:
        """The spec to_params gave."""
        return cls(
            **cls._shared_fields(params),
            starts={s: date.fromisoformat(d) for s, d in params["starts"].items()},
            fetch_end=date.fromisoformat(params["fetch_end"]),
            ciks=tuple(params.get("ciks", ())),
            already_rel=params.get("already_rel", ""),
        )


@dataclass(frozen=True)
class NewsChunk(_Spec):
    """Some news pages (each with the time its feed gave, if any) to fetch, land and read
    into articles and claims."""

    kind: ClassVar[str] = "news"
    result_type: ClassVar[Any]  # NewsChunkResult, set below it

    settings: Settings
    offline: bool
    run_id: str
    index: int
    pages: tuple[tuple[str, datetime | None], ...]
    first: int = 0  # the position of the chunk's first page among the run's (for the log)
    total: int = 0  # the run's page count (for the log)
    known_rel: str = ""  # staged content_sha256 → article_id of the articles already held
    tickers_rel: str = ""  # the staged tickers table (aliases, exchanges, kinds)

    def to_params(self) -> dict[str, Any]:
        """The spec as JSON values."""
        return {
            **self._shared_params(),
            "pages": [[url, when.isoformat() if when else None] for url, when in self.pages],
            "first": self.first,
            "total": self.total,
            "known_rel": self.known_rel,
            "tickers_rel": self.tickers_rel,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NewsChunk:
        """The spec to_params gave."""
        return cls(
            **cls._shared_fields(params),
            pages=tuple(
                (url, datetime.fromisoformat(when) if when else None)
                for url, when in params["pages"]
            ),
            first=int(params.get("first", 0)),
            total=int(params.get("total", 0)),
            known_rel=params.get("known_rel", ""),
            tickers_rel=params.get("tickers_rel", ""),
        )


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What a chunk's own sources counted: requests made, responses replayed or reused."""

    requests: dict[str, int] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MarketChunkResult:
    """Where a market chunk staged its frames, and what it found on the way."""

    staged: dict[str, list[str]]  # table → staged files (relative to the staging store)
    spans: dict[str, tuple[date, date]]  # symbol → the span its newest body replaces
    used: tuple[str, ...]  # sha256 of the chart bodies the staged frames came from
    failed: dict[str, str]  # symbol → why (fetch failures first, then unreadable bodies)
    failed_issuers: dict[str, str]  # CIK… → why
    set_aside: tuple[Malformed, ...]  # from the chart bodies
    set_aside_issuers: tuple[Malformed, ...]  # from the companyfacts bodies
    sources_read: tuple[str, ...]
    skipped: int  # older chart bodies already loaded, not read again
    counts: Counts = Counts()
    pid: int = 0  # the process that ran it

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps(
            {
                "staged": self.staged,
                "spans": {s: [a.isoformat(), b.isoformat()] for s, (a, b) in self.spans.items()},
                "used": list(self.used),
                "failed": self.failed,
                "failed_issuers": self.failed_issuers,
                "set_aside": [asdict(m) for m in self.set_aside],
                "set_aside_issuers": [asdict(m) for m in self.set_aside_issuers],
                "sources_read": list(self.sources_read),
                "skipped": self.skipped,
                "counts": asdict(self.counts),
                "pid": self.pid,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> MarketChunkResult:
        """The result to_json gave."""
        d = json.loads(text)
        return cls(
            staged={t: list(rels) for t, rels in d["staged"].items()},
            spans={
                s: (date.fromisoformat(a), date.fromisoformat(b))
                for s, (a, b) in d["spans"].items()
            },
            used=tuple(d["used"]),
            failed=dict(d["failed"]),
            failed_issuers=dict(d["failed_issuers"]),
            set_aside=tuple(Malformed(**m) for m in d["set_aside"]),
            set_aside_issuers=tuple(Malformed(**m) for m in d["set_aside_issuers"]),
            sources_read=tuple(d["sources_read"]),
            skipped=int(d["skipped"]),
            counts=Counts(**d["counts"]),
            pid=int(d.get("pid", 0)),
        )


@dataclass(frozen=True)
class NewsChunkResult:
    """Where a news chunk staged its articles and claims, and what it skipped or failed."""

    staged: dict[str, list[str]]  # "articles" / "claims" → staged files
    skipped: tuple[str, ...]
    failed: dict[str, str]  # url → why
    set_aside: tuple[Malformed, ...]  # bodies quarantined
    counts: Counts = Counts()
    pid: int = 0

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps(
            {
                "staged": self.staged,
                "skipped": list(self.skipped),
                "failed": self.failed,
                "set_aside": [asdict(m) for m in self.set_aside],
                "counts": asdict(self.counts),
                "pid": self.pid,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> NewsChunkResult:
        """The result to_json gave."""
        d = json.loads(text)
        return cls(
            staged={t: list(rels) for t, rels in d["staged"].items()},
            skipped=tuple(d["skipped"]),
            failed=dict(d["failed"]),
            set_aside=tuple(Malformed(**m) for m in d["set_aside"]),
            counts=Counts(**d["counts"]),
            pid=int(d.get("pid", 0)),
        )


def counted(sources: Any) -> Counts:
    """A chunk's sources' counters as a result carries them."""
    return Counts(dict(sources.requests), dict(sources.reused))


def tally(requests: Counter[str], reused: Counter[str], results: Sequence[Any]) -> None:
    """Add the chunks' counters to a run's: a run's stats are the sums over its chunks."""
    for result in results:
        requests.update(result.counts.requests)
        reused.update(result.counts.reused)


def retried(fetch: Callable[..., Any], retries: int, *args: Any) -> Any:
    """A fetch tried again after RETRY_DELAY seconds up to ``retries`` times (the fetch tasks'
    policy); a response replay lacks (NotLanded, marked no_retry) is not tried again."""
    return engine.retry_call(fetch, retries, RETRY_DELAY, *args)


def split(items: Sequence[Any], size: int) -> list[list[Any]]:
    """Consecutive parts of at most size items (none for no items)."""
    return [list(items[i : i + size]) for i in range(0, len(items), max(1, size))]


def here() -> int:
    """This process's id, recorded in a result: where the chunk ran."""
    return os.getpid()


# --- dispatch -----------------------------------------------------------------------------


def run_chunks(chunk_task: Any, specs: Sequence[Any], settings: Settings) -> list[Outcome]:
    """`flows.compute.run_chunks` (the configured runner, pool or work pool), each chunk that
    failed whole logged in one line; its symbols or pages fail with it, no other chunk does."""
    from flows.run import get_logger

    outcomes = compute.run_chunks(chunk_task, specs, settings)
    for spec, _, error in outcomes:
        if error is not None:
            get_logger().error("chunk %s failed: %s", spec.name, error)
    return outcomes


# What a deployment run's result reads back as (flows.compute reads `spec.result_type`).
MarketChunk.result_type = MarketChunkResult
NewsChunk.result_type = NewsChunkResult
