"""Market load benchmark: our transform + upsert against DuckDB's native JSON load, and at scale.

Generates seeded random-walk Yahoo chart bodies in the landing-zone layout (cached under
``bench/out/market/landed/`` by size, so a re-run skips it), then loads them side by side,
each contender in its own process:

- ours: ``find_landed`` → ``flows.chart_stage.stage_charts`` (``read_charts`` over batches
  of symbols, each staged as Parquet) → ``Warehouse.write_staged`` (DuckDB reads each file);
- ours, in memory: the path before issue 11, ``chart_batch`` over every body → ``write``;
- duckdb: ``read_json`` over the same ``.body`` files, unnested and inserted in SQL.

Ours runs again over the same landing zone (nothing new) to price the no-op re-run, and
once more forcing a reload of every body. ``--scale`` instead loads 500, 1,000 and 5,000 symbols
× 20 years with ours alone: peak memory and how time grows with the symbols.
Run ``python -m bench.market --help`` for the flags.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from bench.common import (
    MIB,
    OUT_DIR,
    Measured,
    load_average,
    machine,
    report_child,
    rss_bytes,
    run_child,
    stopwatch,
    table,
)

if TYPE_CHECKING:
    from newsdesk.warehouse import Warehouse

SEED = 20240215
END = date(2024, 12, 31)
FETCHED_AT = datetime(2025, 1, 2, 6, 0, tzinfo=UTC)
YAHOO_BASE = "https://query2.finance.yahoo.com"
TARGET_RATIO = 1.5
TARGET_PEAK_MIB = 1024
TARGET_NOOP = 0.20
TARGET_PEAK_RATIO = 2.0  # ours ÷ DuckDB's native load, peak memory at the default size
SCALE_SYMBOLS = (500, 1000, 5000)  # 1,000: a ratio to show when 5,000 cannot load
SCALE_YEARS = 20
# The scale run is a backfill of years: its staged files commit this many at a time
# (`Warehouse.write_staged(commit_every=)`), each part ≈ 10 × 20 symbols × 20 y = 1M rows.
SCALE_COMMIT_EVERY = 10
# Bump when `generate` writes other bytes: cached landing zones of another version are redone.
GENERATOR = 2
GENERATE_WORKERS = 2

# The chart body as Yahoo sends it, only the fields each statement reads: a fixed schema
# spares DuckDB the sampling pass and types `events.splits` (keyed by timestamp) as a MAP.
# Bars and events are read in two passes: one pass into a temp table of whole results
# was slower (3.8 s against 2.5 s at 500 × 5 y), so the baseline gets the faster plan.
META = "meta STRUCT(symbol VARCHAR, exchangeTimezoneName VARCHAR)"
BAR_COLUMNS = {
    "chart": (
        f'STRUCT(result STRUCT({META}, "timestamp" BIGINT[], '
        "indicators STRUCT("
        "quote STRUCT(open DOUBLE[], high DOUBLE[], low DOUBLE[], close DOUBLE[], "
        "volume DOUBLE[])[], "
        "adjclose STRUCT(adjclose DOUBLE[])[]))[])"
    )
}
EVENT_COLUMNS = {
    "chart": (
        f"STRUCT(result STRUCT({META}, events STRUCT("
        "splits MAP(VARCHAR, STRUCT(date BIGINT, numerator DOUBLE, denominator DOUBLE)), "
        "dividends MAP(VARCHAR, STRUCT(amount DOUBLE, date BIGINT))))[])"
    )
}
READ = "read_json($files, columns = $columns, format = 'auto', maximum_object_size = 67108864)"

NATIVE_SQL = [
    (
        BAR_COLUMNS,
        f"""
insert into prices
with bars as (
    select
        r.meta.symbol as symbol,
        r.meta.exchangeTimezoneName as tz,
        unnest(r."timestamp") as ts,
        unnest(r.indicators.quote[1].open) as open,
        unnest(r.indicators.quote[1].high) as high,
        unnest(r.indicators.quote[1].low) as low,
        unnest(r.indicators.quote[1].close) as close,
        unnest(r.indicators.adjclose[1].adjclose) as adj_close,
        unnest(r.indicators.quote[1].volume) as volume
    from (select unnest(chart.result) as r from {READ})
)
select
    symbol,
    timezone(tz, to_timestamp(ts))::date as date,
    open, high, low, close,
    coalesce(adj_close, close) as adj_close,
    coalesce(round(volume), 0)::bigint as volume,
    'yahoo' as source
from bars
where open is not null and high is not null and low is not null and close is not null
""",
    ),
    (
        EVENT_COLUMNS,
        f"""
create temp table events as
select r.meta.symbol as symbol, r.meta.exchangeTimezoneName as tz, r.events as e
from (select unnest(chart.result) as r from {READ})
""",
    ),
    (
        None,
        """
insert into splits
select symbol, timezone(tz, to_timestamp(s.date))::date, s.numerator, s.denominator,
       s.numerator / s.denominator, 'yahoo'
from (select symbol, tz, unnest(map_values(e.splits)) as s from events)
""",
    ),
    (
        None,
        """
insert into dividends
select symbol, timezone(tz, to_timestamp(d.date))::date, d.amount, 'yahoo'
from (select symbol, tz, unnest(map_values(e.dividends)) as d from events)
""",
    ),
]


@dataclass(frozen=True)
class Landed:
    """What `generate` wrote (or an earlier run left in the cache)."""

    files: int
    bars: int
    seconds: float = 0.0  # generation time; 0 when taken from the cache
    cached: bool = False

    def how(self) -> str:
        """Where the bodies came from, for the report's first line."""
        return "cached from an earlier run" if self.cached else f"generated in {self.seconds:.1f} s"


def window(years: int, days: int | None) -> tuple[date, date]:
    """The [start, end] window ending on END: ``days`` calendar days if given, else years."""
    if days:
        return END - timedelta(days=days - 1), END
    return date(END.year - years, END.month, END.day) + timedelta(days=1), END


def sessions(start: date, end: date) -> list[date]:
    """XNYS trading sessions in [start, end], so bar counts look like a real exchange's."""
    import exchange_calendars as xcals

    # The calendar's bounds must lie outside the window, which may start on a holiday.
    lead = (start - timedelta(days=10)).isoformat()
    calendar = xcals.get_calendar("XNYS", start=lead, end=(end + timedelta(days=10)).isoformat())
    return [d for d in (ts.date() for ts in calendar.sessions) if start <= d <= end]


def random_bars(index: int, days: list[date]) -> list[dict]:
    """A seeded geometric random walk of daily bars; every 97th symbol has one halted bar."""
    import numpy as np

    rng = np.random.default_rng(SEED + index)
    n = len(days)
    close = 20.0 * np.exp(rng.uniform(0, 3)) * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.01, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.01, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.01, n)))
    volume = rng.integers(100_000, 50_000_000, n)
    # Rounded by numpy and turned into Python numbers in one go: 20 years × 5,000 symbols
    # are 25 million bars, and a round() per value made generating them take an hour.
    columns = zip(
        days,
        *(np.round(v, 4).tolist() for v in (open_, high, low, close, close * 0.98)),
        volume.tolist(),
        strict=True,
    )
    keys = ("date", "open", "high", "low", "close", "adj_close", "volume")
    bars = [dict(zip(keys, values, strict=True)) for values in columns]
    if index % 97 == 0 and n > 2:
        # Yahoo sends a bar of nulls for a halted session; both loads must drop it.
        bars[n // 2].update(open=None, high=None, low=None, close=None, adj_close=None)
        bars[n // 2]["volume"] = None
    return bars


def generate(raw_dir: Path, symbols: int, start: date, end: date, *, workers: int = 1) -> Landed:
    """Land one chart body per symbol for [start, end] under ``raw_dir``; deterministic.

    ``workers`` processes land every ``workers``-th symbol each (the bodies do not depend on
    who lands them).
    """
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            shares = [
                pool.submit(_land_bodies, raw_dir, range(w, symbols, workers), start, end)
                for w in range(workers)
            ]
            return Landed(files=symbols, bars=sum(f.result() for f in shares))
    return Landed(files=symbols, bars=_land_bodies(raw_dir, range(symbols), start, end))


def _land_bodies(raw_dir: Path, indexes: range, start: date, end: date) -> int:
    """Land the bodies of the symbols numbered ``indexes``; the bars they hold."""
    import orjson

    from newsdesk import landing
    from newsdesk.http import Fetched
    from newsdesk.sources import yahoo
    from scripts.payloads import chart_payload

    days = sessions(start, end)
    bars_total = 0
    for index in indexes:
        symbol = f"SYM{index:04d}"
        bars = random_bars(index, days)
        bars_total += len(bars)
        splits = []
        if index % 50 == 7 and len(days) > 10:
            splits.append({"date": days[len(days) // 3], "numerator": 4.0, "denominator": 1.0})
        dividends = []
        if index % 5 == 0:
            dividends = [
                {"date": day, "amount": round(0.1 + index / 10_000, 4)} for day in days[30::63]
            ]
        payload = chart_payload(symbol, bars, splits=splits, dividends=dividends)
        response = Fetched(
            url=yahoo.chart_url(YAHOO_BASE, symbol, start, end),
            status=200,
            headers={"content-type": "application/json;charset=utf-8"},
            body=orjson.dumps(payload),
            fetched_at=FETCHED_AT,
        )
        landing.land(
            raw_dir,
            yahoo.SOURCE,
            yahoo.chart_key(symbol, start, end),
            response,
            yahoo.chart_params(symbol, start, end),
        )
    return bars_total


def _unloaded(warehouse: Warehouse, raw_dir: Path, force: bool) -> dict[str, list]:
    """The landed chart bodies not loaded yet (every one with ``force``), by symbol."""
    from flows.charts import CHART_TRANSFORM
    from newsdesk import landing

    already = set() if force else warehouse.loaded_bodies("yahoo", CHART_TRANSFORM)
    by_symbol: dict[str, list] = {}
    for found in landing.find_landed(raw_dir, "yahoo"):
        if found.sha256 not in already:
            by_symbol.setdefault(found.params.get("symbol", found.key), []).append(found)
    return by_symbol


def load_ours(
    warehouse: Warehouse,
    raw_dir: Path,
    staging: Path,
    *,
    force: bool = False,
    commit_every: int | None = None,
) -> dict[str, int]:
    """The streaming path a market chunk and the loader take: bodies not yet loaded →
    stage_charts (a batch of symbols at a time, staged as Parquet) → write_staged.

    ``force`` ignores the record of bodies already loaded, as a changed transform would,
    so every body is parsed and upserted again. ``commit_every`` commits the staged files
    in parts (`Warehouse.write_staged`), as a bulk load of years may.
    """
    from flows.chart_stage import stage_charts
    from flows.charts import CHART_TRANSFORM
    from newsdesk.storage import Store
    from newsdesk.transform.bookkeeping import loaded_rows

    store = Store(str(staging))
    store.remove("bench")  # what a failed run left (a real run stages under its own run id)
    staged = stage_charts(_unloaded(warehouse, raw_dir, force), store, "bench")
    if staged.failed:
        raise RuntimeError(f"bench bodies failed to load: {next(iter(staged.failed.items()))}")
    counts = warehouse.write_staged(
        staged.files,
        frames={"loaded_bodies": loaded_rows("yahoo", CHART_TRANSFORM, staged.used)},
        store=store,
        commit_every=commit_every,
    )
    store.remove("bench")  # as the loader does once the batch committed
    return {"prices": 0, **counts}


def load_in_memory(warehouse: Warehouse, raw_dir: Path) -> dict[str, int]:
    """The path before issue 11: chart_batch over every body at once, then one write."""
    from flows.charts import CHART_TRANSFORM, chart_batch
    from newsdesk.transform.bookkeeping import loaded_rows

    failures: dict[str, str] = {}
    frames, used = chart_batch(_unloaded(warehouse, raw_dir, False), failures)
    if failures:
        raise RuntimeError(f"bench bodies failed to load: {next(iter(failures.items()))}")
    counts = warehouse.write(
        {
            "prices": frames.prices,
            "splits": frames.splits,
            "dividends": frames.dividends,
            "loaded_bodies": loaded_rows("yahoo", CHART_TRANSFORM, used),
        }
    )
    return {"prices": 0, **counts}


def load_native(raw_dir: Path, db: Path) -> dict[str, int]:
    """DuckDB alone: read_json over the same bodies, unnested and inserted in SQL."""
    files = sorted(str(p) for p in (raw_dir / "yahoo").rglob("*.body"))
    con = duckdb.connect(str(db))
    try:
        con.execute("begin transaction")
        for columns, statement in NATIVE_SQL:
            params = {"files": files, "columns": columns} if columns else None
            con.execute(statement, params)
        con.execute("commit")
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("prices", "splits", "dividends")
        }
    finally:
        con.close()
    return counts


def fresh_warehouse(db: Path) -> None:
    """An empty DuckDB file with the project's migrations applied."""
    from newsdesk.warehouse import Warehouse

    for path in (db, db.with_name(db.name + ".wal"), db.with_name(db.name + ".loaded.json")):
        path.unlink(missing_ok=True)
    Warehouse(db).migrate()


def summary(db: Path) -> dict[str, float]:
    """Counts and sums of each loaded table, for the cross-check between contenders."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select count(*), sum(close), sum(adj_close), sum(volume), count(distinct symbol),"
            " (select count(*) from splits), (select sum(ratio) from splits),"
            " (select count(*) from dividends), (select sum(amount) from dividends),"
            " min(date), max(date) from prices"
        ).fetchone()
    finally:
        con.close()
    keys = ("rows", "sum_close", "sum_adj_close", "sum_volume", "symbols", "splits",
            "sum_ratio", "dividends", "sum_dividends", "first", "last")  # fmt: skip
    return dict(zip(keys, row, strict=True))


def _child(args: argparse.Namespace) -> None:
    raw, db = Path(args.raw), Path(args.db)
    # Imports and the migration check stay outside the clock: a nightly run pays them once.
    # The native child imports duckdb alone, so its peak memory carries no polars.
    warehouse = None
    if args.child != "native":
        import flows.chart_stage  # noqa: F401 - imported before the clock, as a nightly run has it
        import newsdesk.landing  # noqa: F401
        import newsdesk.transform.prices  # noqa: F401
        from newsdesk.warehouse import Warehouse

        warehouse = Warehouse(db)
    staging = db.with_name(db.stem + ".staging")
    before = rss_bytes()  # what the imports and the open warehouse hold already
    with stopwatch() as clock:
        if warehouse is None:
            counts = load_native(raw, db)
        elif args.child == "memory":
            counts = load_in_memory(warehouse, raw)
        else:
            counts = load_ours(
                warehouse,
                raw,
                staging,
                force=args.child == "reload",
                commit_every=args.commit_every,
            )
    report_child(
        clock["seconds"], counts.get("prices", 0), counts=counts, cpu=clock["cpu"], before=before
    )


def landed_zone(out: Path, symbols: int, start: date, end: date, label: str) -> tuple[Path, Landed]:
    """Generated bodies for a size, from the cache under ``out`` when an earlier run left
    them complete (``landed.json`` is written last); else generated afresh."""
    folder = out / "market" / "landed" / f"{symbols}x{label}"
    marker = folder / "landed.json"
    wanted = {"generator": GENERATOR, "symbols": symbols, "start": str(start), "end": str(end)}
    if marker.exists():
        found = json.loads(marker.read_text())
        if {k: found.get(k) for k in wanted} == wanted:
            return folder / "raw", Landed(found["files"], found["bars"], cached=True)
    shutil.rmtree(folder, ignore_errors=True)
    with stopwatch() as clock:
        landed = generate(folder / "raw", symbols, start, end, workers=GENERATE_WORKERS)
    landed = Landed(landed.files, landed.bars, seconds=clock["seconds"])
    marker.write_text(json.dumps({**wanted, "files": landed.files, "bars": landed.bars}))
    return folder / "raw", landed


def _agree(a: dict[str, float], b: dict[str, float]) -> bool:
    for key, value in a.items():
        other = b[key]
        if isinstance(value, float) and isinstance(other, float):
            if abs(value - other) > 1e-9 * max(1.0, abs(value)):
                return False
        elif value != other:
            return False
    return True


def _label(years: int, days: int | None) -> str:
    return f"{days}d" if days else f"{years}y"


def run(symbols: int, years: int, days: int | None, out: Path, repeat: int = 5) -> str:
    """Load the landed bodies every way, and again with nothing new; the printed report.

    Each contender runs ``repeat`` times, interleaved so that a neighbour's load spreads
    over all of them; the fastest run counts and the highest peak memory.
    """
    start, end = window(years, days)
    label = _label(years, days)
    raw, landed = landed_zone(out, symbols, start, end, label)
    workdir = out / "market" / f"{symbols}x{label}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    dbs = {name: workdir / f"{name}.duckdb" for name in ("ours", "native", "memory")}
    order = (("ours", "ours"), ("native", "native"), ("memory", "memory"), ("noop", "ours"),
             ("reload", "ours"))  # fmt: skip
    runs: dict[str, list[Measured]] = {name: [] for name, _ in order}
    for _ in range(repeat):
        for db in dbs.values():
            fresh_warehouse(db)
        for name, db_name in order:
            mode = name if name in ("ours", "native", "memory", "reload") else "ours"
            args = ["--child", mode, "--db", str(dbs[db_name]), "--raw", str(raw)]
            runs[name].append(run_child(name, "bench.market", args))
    best = {name: _best(measured) for name, measured in runs.items()}
    sums = {name: summary(db) for name, db in dbs.items()}
    return render(landed, start, end, symbols, best, sums, repeat)


def scale(sizes: Sequence[int], years: int, days: int | None, out: Path) -> str:
    """Ours alone over each size (one run each, in a fresh warehouse); the printed report.

    A size whose load fails is reported as failed, with DuckDB's reason, and the run goes on.
    """
    start, end = window(years, days)
    label = _label(years, days)
    measured: list[tuple[int, Landed, Measured, dict[str, float]]] = []
    failed: list[str] = []
    for symbols in sizes:
        raw, landed = landed_zone(out, symbols, start, end, label)
        db = out / "market" / f"scale-{symbols}x{label}" / "ours.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        fresh_warehouse(db)
        args = ["--child", "ours", "--db", str(db), "--raw", str(raw)]
        args += ["--commit-every", str(SCALE_COMMIT_EVERY)]
        try:
            got = run_child("ours", "bench.market", args)
        except RuntimeError as exc:
            errors = [ln for ln in str(exc).splitlines() if "Error" in ln]
            failed.append(f"{symbols:,} symbols: FAILED: {(errors or ['?'])[-1].strip()[:200]}")
        else:
            measured.append((symbols, landed, got, summary(db)))
        _remove_database(db)  # 25M rows take a gigabyte; the figures are taken
    if len(measured) < 2:
        return "\n".join(["market scale: too few sizes loaded to compare", *failed])
    return "\n".join([render_scale(measured, start, end), *failed])


def _remove_database(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def _best(runs: list[Measured]) -> Measured:
    fastest = min(runs, key=lambda m: m.seconds)
    peak = max(m.peak_bytes for m in runs)
    extra = {
        **fastest.extra,
        "median": statistics.median(m.seconds for m in runs),
        "cpu": min(m.extra["cpu"] for m in runs),
        "before": min(m.extra["before"] for m in runs),
        "added": max(m.peak_bytes - m.extra["before"] for m in runs),
    }
    return Measured(fastest.name, fastest.seconds, fastest.rows, peak, extra)


def _added(m: Measured) -> float:
    return m.extra.get("added", m.peak_bytes - m.extra["before"]) / MIB


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _row(name: str, m: Measured) -> list[str]:
    return [name, f"{m.seconds:.2f}", f"{m.extra['cpu']:.2f}", f"{m.rows:,}", f"{m.rate:,.0f}",
            f"{m.peak_mib:,.0f}"]  # fmt: skip


def render(
    landed: Landed,
    start: date,
    end: date,
    symbols: int,
    best: dict[str, Measured],
    sums: dict[str, dict[str, float]],
    repeat: int,
) -> str:
    """The side-by-side table with ratios and targets."""
    ours, native, noop, reload = best["ours"], best["native"], best["noop"], best["reload"]
    memory = best["memory"]
    ratio = ours.seconds / native.seconds if native.seconds else float("inf")
    medians = ours.extra["median"], native.extra["median"]
    median_ratio = medians[0] / medians[1] if medians[1] else ratio
    noop_share = noop.seconds / ours.seconds if ours.seconds else float("inf")
    reload_share = reload.seconds / ours.seconds if ours.seconds else float("inf")
    peak_ratio = ours.peak_bytes / native.peak_bytes if native.peak_bytes else float("inf")
    rows = [
        _row("ours (staged, streaming)", ours),
        _row("duckdb read_json+insert", native),
        _row("ours in memory (before)", memory),
        _row("ours, no-op re-run", noop),
        _row("ours, forced reload (*)", reload),
    ]
    same = _agree(sums["ours"], sums["native"]) and _agree(sums["memory"], sums["native"])
    lines = [
        f"market load: {symbols} symbols × {start}..{end} = {landed.bars:,} bars "
        f"in {landed.files} landed bodies ({landed.how()})",
        f"machine: {machine()}; load {load_average()}; best of {repeat} runs each, "
        "one process per run",
        table(["", "seconds", "cpu s", "rows", "rows/s", "peak MiB"], rows),
        f"ratio ours/duckdb         {ratio:.2f}×  "
        f"(target ≤ {TARGET_RATIO}×: {_mark(ratio <= TARGET_RATIO)}); "
        f"medians {medians[0]:.2f} / {medians[1]:.2f} s = {median_ratio:.2f}×; "
        f"cpu {ours.extra['cpu'] / native.extra['cpu']:.2f}×",
        f"peak memory ours          {ours.peak_mib:,.0f} MiB  (target < {TARGET_PEAK_MIB} MiB: "
        f"{_mark(ours.peak_mib < TARGET_PEAK_MIB)}); duckdb {native.peak_mib:,.0f} MiB; "
        f"in memory (before) {memory.peak_mib:,.0f} MiB",
        f"peak ours/duckdb          {peak_ratio:.2f}×  "
        f"(target ≤ {TARGET_PEAK_RATIO}×: {_mark(peak_ratio <= TARGET_PEAK_RATIO)}); "
        f"before the load began ours held {ours.extra['before'] / MIB:,.0f} MiB "
        f"(imports, open warehouse), duckdb {native.extra['before'] / MIB:,.0f} MiB",
        f"memory the load added     ours {_added(ours):,.0f} MiB, duckdb {_added(native):,.0f} "
        f"MiB, in memory (before) {_added(memory):,.0f} MiB (peak − what was held before)",
        f"no-op re-run              {noop_share:.2f} of the first "
        f"(target < {TARGET_NOOP}: {_mark(noop_share < TARGET_NOOP)})",
        f"forced reload             {reload_share:.2f} of the first (no target)",
        f"cross-check               ours {sums['ours']['rows']:,} rows, Σclose "
        f"{sums['ours']['sum_close']:,.4f}; duckdb {sums['native']['rows']:,} rows, Σclose "
        f"{sums['native']['sum_close']:,.4f}; in memory the same: "
        f"{'same' if same else 'DIFFERENT'}",
        "(*) every body parsed and upserted again, as after a transform change: "
        "identical rows are compared and not rewritten",
    ]
    return "\n".join(lines)


def expected_rows(symbols: int, bars: int) -> int:
    """Rows a load of ``generate``'s bodies keeps: every bar but the halted ones (every 97th
    symbol has one)."""
    return bars - len(range(0, symbols, 97))


def render_scale(
    measured: Sequence[tuple[int, Landed, Measured, dict[str, float]]], start: date, end: date
) -> str:
    """The scale table: each size's time and peak, the time ratio, the largest's peak."""
    rows = [_row(f"{symbols:,} symbols", m) for symbols, _, m, _ in measured]
    right = all(
        sums["rows"] == m.rows == expected_rows(symbols, landed.bars) and sums["symbols"] == symbols
        for symbols, landed, m, sums in measured
    )
    (small, _, first, _), (large, _, last, _) = measured[0], measured[-1]
    wall = last.seconds / first.seconds if first.seconds else float("inf")
    cpu = last.extra["cpu"] / first.extra["cpu"] if first.extra["cpu"] else float("inf")
    grown = large / small
    lines = [
        f"market scale: streaming load (stage_charts + write_staged committing every "
        f"{SCALE_COMMIT_EVERY} files) of "
        f"{' and '.join(f'{n:,}' for n, *_ in measured)} symbols × {start}..{end}, "
        "one run each, fresh warehouse",
        *(
            f"  {n:,} symbols: {landed.bars:,} bars in {landed.files:,} bodies ({landed.how()})"
            for n, landed, _, _ in measured
        ),  # fmt: skip
        f"machine: {machine()}; load {load_average()}",
        table(["", "seconds", "cpu s", "rows", "rows/s", "peak MiB"], rows),
        f"time {small:,} → {large:,} symbols  {wall:.2f}× wall, {cpu:.2f}× cpu "
        f"(symbols ×{grown:g}: linear is ≈ {grown:g}×)",
        f"peak memory {large:,} symbols  {last.peak_mib:,.0f} MiB  "
        f"(target < {TARGET_PEAK_MIB} MiB: {_mark(last.peak_mib < TARGET_PEAK_MIB)})",
        f"cross-check               every bar but the halted ones loaded, one row each: "
        f"{'yes' if right else 'NO'}",
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.market", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--symbols", type=int, default=500, help="symbols to generate (500)")
    parser.add_argument(
        "--years", type=int, help=f"years of daily bars (5; with --scale {SCALE_YEARS})"
    )
    parser.add_argument("--days", type=int, help="calendar days instead of --years")
    parser.add_argument("--quick", action="store_true", help="50 symbols × 1 year smoke test")
    parser.add_argument("--repeat", type=int, default=5, help="runs per contender (5)")
    parser.add_argument(
        "--scale",
        nargs="*",
        type=int,
        metavar="N",
        help="the scale run instead: ours alone over these symbol counts "
        f"({' '.join(map(str, SCALE_SYMBOLS))} when none are given)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="work folder (bench/out)")
    parser.add_argument(
        "--child", choices=["ours", "native", "memory", "reload"], help=argparse.SUPPRESS
    )
    parser.add_argument("--raw", help=argparse.SUPPRESS)
    parser.add_argument("--commit-every", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.years is None:
        args.years = SCALE_YEARS if args.scale is not None else 5
    if args.scale == []:
        args.scale = list(SCALE_SYMBOLS)
    elif args.scale is not None and len(args.scale) < 2:
        parser.error("--scale takes two or more symbol counts (or none)")
    if args.quick:
        args.symbols, args.years, args.days = 50, 1, None
        if args.scale is not None:
            args.scale = [50, 500]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: a child load when --child is given, else the whole benchmark."""
    args = parse(argv)
    if args.child:
        _child(args)
        return 0
    if args.scale is not None:
        print(scale(args.scale, args.years, args.days, args.out), flush=True)
        return 0
    print(run(args.symbols, args.years, args.days, args.out, args.repeat), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
