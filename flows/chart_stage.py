"""Landed chart bodies → staged Parquet, a batch of symbols at a time.

What a market chunk hands the loader: each batch of symbols is read by
`flows.charts.read_charts` and its prices, splits and dividends staged as Parquet at once, so
no more than one batch of parsed payloads is ever held, however many symbols a chunk has.
Symbols never span batches, so the batches together give what one `read_charts` over every
symbol gives: the same rows, spans, bodies used, failures and records set aside.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from flows.charts import read_charts
from newsdesk.landing import Landed
from newsdesk.staging import stage_frame
from newsdesk.storage import Store
from newsdesk.transform.records import Malformed

CHART_TABLES = ("prices", "splits", "dividends")
# Symbols read together: their parsed payloads are all a chunk holds at once. 50 bodies of 20
# years peaked at 800 MiB in bench.market (500 × 20 y), 20 at 440 MiB (docs/benchmarks.md).
BATCH_SYMBOLS = 20


@dataclass(frozen=True)
class StagedCharts:
    """What the chart bodies of a chunk gave, its frames staged rather than held."""

    files: dict[str, list[str]]  # table → staged Parquet files, relative to the store
    spans: dict[str, tuple[date, date]]  # symbol → the span its newest good body replaces
    used: list[Landed]
    failed: dict[str, str]  # symbol → why none of its bodies could be used
    set_aside: list[Malformed]  # bodies refused whole, then bars and events set aside
    skipped: int = 0  # older bodies already loaded, not read again


def stage_charts(
    charts: Mapping[str, list[Landed]],
    store: Store,
    prefix: str,
    *,
    already: Collection[str] = frozenset(),
    batch_symbols: int = BATCH_SYMBOLS,
) -> StagedCharts:
    """Read the chart bodies ``batch_symbols`` symbols at a time, staging each batch's frames
    under ``prefix`` in ``store`` (see `flows.charts.read_charts` for what is read)."""
    if batch_symbols < 1:
        raise ValueError(f"batch_symbols must be at least 1, got {batch_symbols}")
    files: dict[str, list[str]] = {table: [] for table in CHART_TABLES}
    spans: dict[str, tuple[date, date]] = {}
    used: list[Landed] = []
    failed: dict[str, str] = {}
    rejected: list[Malformed] = []
    malformed: list[Malformed] = []
    skipped = 0
    symbols = list(charts)
    for number, first in enumerate(range(0, len(symbols), batch_symbols)):
        batch = {symbol: charts[symbol] for symbol in symbols[first : first + batch_symbols]}
        read = read_charts(batch, failed, already=already, rejected=rejected)
        for table in CHART_TABLES:
            frame = getattr(read.frames, table)
            if frame.is_empty():
                continue
            rel = "/".join(part for part in (prefix, table, f"{number:05d}.parquet") if part)
            stage_frame(store, rel, frame)
            files[table].append(rel)
        spans.update(read.spans)
        used.extend(read.used)
        malformed.extend(read.frames.malformed)
        skipped += read.skipped
    # As one read_charts gives them: whole bodies refused as they are met, then the records
    # its frames set aside.
    return StagedCharts(files, spans, used, failed, rejected + malformed, skipped)
