"""A tiny chunk task and spec for tests/test_compute.py, importable by a process pool's or a
Dask worker's child process (a task defined inside a test is not)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, ClassVar

from prefect import flow, task


@dataclass(frozen=True)
class SquareResult:
    """What one chunk gives back: the square of its number and the pid that computed it."""

    value: int
    pid: int

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps({"value": self.value, "pid": self.pid})

    @classmethod
    def from_json(cls, text: str) -> SquareResult:
        """The result from its JSON text."""
        data = json.loads(text)
        return cls(int(data["value"]), int(data["pid"]))


@dataclass(frozen=True)
class Square:
    """A chunk spec: one number; a negative one fails the chunk."""

    n: int
    run_id: str = "run-1"
    kind: ClassVar[str] = "square"
    result_type: ClassVar[type] = SquareResult

    @property
    def result_rel(self) -> str:
        """Where a deployment run stages this chunk's result."""
        return f"{self.run_id}/{self.n}/result.json"

    def to_params(self) -> dict[str, Any]:
        """The spec as JSON-ready parameters."""
        return {"n": self.n, "run_id": self.run_id}


@task
def square_chunk(spec: Square) -> SquareResult:
    """Square the spec's number in whatever process runs this."""
    if spec.n < 0:
        raise ValueError(f"chunk {spec.n} is negative\nand this second line is joined to the first")
    return SquareResult(spec.n * spec.n, os.getpid())


@flow(name="chunk")
def chunk(kind: str, spec: dict[str, Any], config: str | None = None) -> None:
    """What flows.chunk_flow.chunk does, for a Square: run it and stage its result JSON where the
    run that started this deployment run reads it back."""
    from newsdesk.config import load_settings
    from newsdesk.storage import Store

    settings = load_settings(config)
    square = Square(**spec)
    result = square_chunk.fn(square)
    staging = Store.at(settings.warehouse.staging_dir, settings.storage)
    staging.create(square.result_rel, result.to_json().encode("utf-8"))
