"""The chunk flow: one chunk of a run as a deployment run on a work pool.

The flow that dispatches it passes the spec as JSON and reads the result back from the
staging store (``spec.result_rel``), so nothing but JSON and staged files crosses machines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prefect import flow

from flows.chunks import MarketChunk, NewsChunk, staging_store
from flows.market import run_market_chunk
from flows.news import run_news_chunk
from newsdesk.config import load_settings

# Each kind: how its spec reads back from JSON, and the function that runs it.
KINDS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "market": (MarketChunk, run_market_chunk),
    "news": (NewsChunk, run_news_chunk),
}


@flow(name="chunk", flow_run_name="chunk-{kind}", log_prints=True)
def chunk(kind: str, spec: dict, config: str | None = None) -> str:
    """Run one chunk of a run and stage its result as JSON (what a work-pool deployment runs).

    Args:
        kind: "market" or "news".
        spec: The chunk's spec (its to_params()).
        config: A newsdesk.toml on this worker whose settings replace the spec's (paths that
            differ on this machine); empty: the run's own settings, carried in the spec.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown chunk kind {kind!r}: expected one of {', '.join(KINDS)}")
    spec_type, run_one = KINDS[kind]
    run_spec = spec_type.from_params(spec)
    if config:
        run_spec = replace(run_spec, settings=load_settings(config))
    result = run_one(run_spec)
    staging_store(run_spec.settings).replace(run_spec.result_rel, result.to_json().encode())
    return run_spec.result_rel
