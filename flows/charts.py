"""Landed chart bodies → price, split and dividend frames, each body on its own footing.

What a market chunk reads before it stages: every symbol's newest good body (the one whose
span replaces what the warehouse holds), and its older bodies not loaded yet. A body that
cannot be read, or that names another symbol, fails its symbol and is set aside whole; the
other symbols go on. Plain functions of landed bodies: no Prefect, no warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date

import polars as pl

from newsdesk.landing import Landed
from newsdesk.tables import empty
from newsdesk.transform.prices import (
    ChartFrames,
    drop_unclosed_bars,
    normalise_chart,
    normalise_charts,
)
from newsdesk.transform.quarantine import one_line, whole_body
from newsdesk.transform.records import Malformed, NotAsked

# Bump when newsdesk/transform/prices.py changes what it makes of a body: every body loads again.
CHART_TRANSFORM = "chart-1"


@dataclass
class ChartRead:
    """What the chart bodies of a run gave: frames, the bodies used, and the span each
    symbol's newest good body replaces (its first and last bar)."""

    frames: ChartFrames
    used: list[Landed]
    spans: dict[str, tuple[date, date]]
    skipped: int = 0  # bodies already loaded and not the newest: not read again


def chart_batch(
    charts: Mapping[str, list[Landed]],
    failures: dict[str, str],
    *,
    already: Collection[str] = frozenset(),
    rejected: list[Malformed] | None = None,
) -> tuple[ChartFrames, list[Landed]]:
    """Landed chart bodies → frames, and the bodies used (see read_charts)."""
    read = read_charts(charts, failures, already=already, rejected=rejected)
    return read.frames, read.used


def read_charts(
    charts: Mapping[str, list[Landed]],
    failures: dict[str, str],
    *,
    already: Collection[str] = frozenset(),
    rejected: list[Malformed] | None = None,
) -> ChartRead:
    """Each symbol's chart bodies read one by one, keyed by the symbol requested.

    A body that cannot be read, or that names another symbol, fails its symbol (``failures``)
    and is quarantined (``rejected``); the other symbols go on. The newest good body of a
    symbol is always used, even when loaded before, and replaces the span it covers (a re-run
    repairs); older bodies are read only when not loaded yet (``already``). Bars dated on or
    after the day a body was fetched are dropped: that session may not have closed yet.
    """
    rejected = rejected if rejected is not None else []
    parts: list[ChartFrames] = []
    used: list[Landed] = []
    spans: dict[str, tuple[date, date]] = {}
    skipped = 0
    ordered_by = {s: sorted(r, key=lambda x: x.fetched_at) for s, r in charts.items()}
    batch = _newest_in_one_batch(ordered_by)
    for symbol, ordered in ordered_by.items():
        newest: tuple[Landed, ChartFrames] | None = batch.get(symbol)
        for landed in reversed(ordered if newest is None else []):
            frames = _read_chart(symbol, landed, failures, rejected)
            if frames is not None:
                newest = (landed, frames)
                break
        older: list[tuple[Landed, ChartFrames]] = []
        for landed in ordered:
            if newest is None or landed.fetched_at >= newest[0].fetched_at:
                break
            if landed.sha256 in already:
                skipped += 1
                continue
            frames = _read_chart(symbol, landed, failures, rejected)
            if frames is not None:
                older.append((landed, frames))
        if newest is None:
            continue
        span = _span(newest[1])
        if span is not None:
            spans[symbol] = span
        # Oldest first, the newest last: its bars win, and no older bar survives in its span.
        for landed, frames in older:
            parts.append(_without_span(frames, span))
            used.append(landed)
        parts.append(newest[1])
        used.append(newest[0])
    return ChartRead(_concat_charts(parts), used, spans, skipped)


def _newest_in_one_batch(
    ordered_by: Mapping[str, list[Landed]],
) -> dict[str, tuple[Landed, ChartFrames]]:
    """Each symbol's newest body normalised in one batch, split back per symbol.

    The fast path: one polars pass over every payload instead of one per body (the
    per-body passes cost six times as much on 500 symbols). Any body the batch cannot take
    (another symbol's, or one that makes the transform raise) sends every symbol to the
    body-by-body path, which finds it and keeps it to its symbol; a body that is no chart
    at all (unreadable, or Yahoo's own error) sends only its symbol there.
    """
    newest = {s: bodies[-1] for s, bodies in ordered_by.items() if bodies}
    payloads: dict[str, dict] = {}
    for symbol, landed in list(newest.items()):
        payload, _ = _chart_payload(landed)
        if payload is None:  # an error or unreadable body: that symbol takes the careful path
            del newest[symbol]
            continue
        payloads[symbol] = payload
    if len(payloads) < 2:
        return {}  # nothing to gain over the body-by-body path
    try:
        frames = normalise_charts(payloads, refuse_other=True)
    except Exception:  # one body the batch cannot take: the careful path finds which
        return {}
    del payloads
    cutoffs = {s: landed.fetched_at.astimezone(UTC).date() for s, landed in newest.items()}
    prices = drop_unclosed_bars(frames.prices, cutoffs)
    split = {
        name: {key[0]: part for key, part in frame.partition_by("symbol", as_dict=True).items()}
        for name, frame in (("prices", prices), ("splits", frames.splits),
                            ("dividends", frames.dividends))
    }  # fmt: skip
    blank = {name: empty(name) for name in split}  # one empty frame each, shared
    malformed: dict[str, list[Malformed]] = defaultdict(list)
    for record in frames.malformed:
        landed = newest[record.key]
        malformed[record.key].append(
            replace(record, source="yahoo", raw_path=str(landed.body_path))
        )
    return {
        symbol: (
            landed,
            ChartFrames(
                prices=split["prices"].get(symbol, blank["prices"]),
                splits=split["splits"].get(symbol, blank["splits"]),
                dividends=split["dividends"].get(symbol, blank["dividends"]),
                currency=None,
                exchange_timezone=None,
                malformed=tuple(malformed.get(symbol, ())),
            ),
        )
        for symbol, landed in newest.items()
    }


def _read_chart(
    symbol: str, landed: Landed, failures: dict[str, str], rejected: list[Malformed]
) -> ChartFrames | None:
    """One body's frames, or None with the symbol failed (and the body quarantined)."""
    payload, reason = _chart_payload(landed)
    if payload is None:
        if reason is not None:  # an unreadable body; Yahoo's own "no such symbol" is not one
            rejected.append(whole_body("yahoo", symbol, reason, str(landed.body_path)))
            reason = f"{reason}; kept at {landed.body_path}"
        failures[symbol] = _yahoo_error(landed) if reason is None else reason
        return None
    try:
        frames = normalise_chart(payload, symbol=symbol, refuse_other=True)
    except NotAsked as exc:
        reason = f"response refused: {exc}"
    except Exception as exc:  # whatever one body does to the transform stays with that body
        reason = f"chart unreadable ({one_line(exc)})"
    else:
        cutoff = {symbol: landed.fetched_at.astimezone(UTC).date()}
        malformed = tuple(
            replace(m, source="yahoo", key=symbol, raw_path=str(landed.body_path))
            for m in frames.malformed
        )
        return replace(
            frames, prices=drop_unclosed_bars(frames.prices, cutoff), malformed=malformed
        )
    rejected.append(whole_body("yahoo", symbol, reason, str(landed.body_path)))
    failures[symbol] = f"{reason}; kept at {landed.body_path}"
    return None


def _span(frames: ChartFrames) -> tuple[date, date] | None:
    if frames.prices.is_empty():
        return None  # an empty answer replaces nothing
    return frames.prices["date"].min(), frames.prices["date"].max()


def _without_span(frames: ChartFrames, span: tuple[date, date] | None) -> ChartFrames:
    if span is None:
        return frames
    keep = ~pl.col("date").is_between(*span)
    return replace(
        frames,
        prices=frames.prices.filter(keep),
        splits=frames.splits.filter(keep),
        dividends=frames.dividends.filter(keep),
    )


def _concat_charts(parts: Sequence[ChartFrames]) -> ChartFrames:
    def stack(name: str, table: str) -> pl.DataFrame:
        frames = [getattr(p, name) for p in parts if not getattr(p, name).is_empty()]
        if not frames:
            return empty(table)
        # A later body's row wins (the parts are in fetch order).
        return pl.concat(frames, how="vertical_relaxed").unique(
            ["symbol", "date"], keep="last", maintain_order=True
        )

    return ChartFrames(
        prices=stack("prices", "prices"),
        splits=stack("splits", "splits"),
        dividends=stack("dividends", "dividends"),
        currency=None,
        exchange_timezone=None,
        malformed=tuple(m for p in parts for m in p.malformed),
    )


def _chart_payload(landed: Landed) -> tuple[dict | None, str | None]:
    """The chart payload; else None and why the body is unreadable (None: Yahoo's error)."""
    try:
        payload = landed.json()
    except (ValueError, UnicodeDecodeError):
        return None, "response is not valid JSON (truncated?)"
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        return None, "response is not a Yahoo chart"
    error = chart.get("error")
    if error:
        return None, None
    if not chart.get("result"):
        return None, "response has no chart result"
    return payload, None


def _yahoo_error(landed: Landed) -> str:
    error = landed.json()["chart"]["error"]
    if not isinstance(error, dict):
        return f"Yahoo says {one_line(error)}"
    return f"Yahoo says {error.get('code')}: {error.get('description')}"
