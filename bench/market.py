"""Market load benchmark: our transform + upsert against DuckDB's native JSON load.

Generates seeded random-walk Yahoo chart bodies in the landing-zone layout, then
loads them twice side by side, each contender in its own process:

- ours: ``find_landed`` → ``Landed.json`` → ``chart_batch`` → ``Warehouse.write``;
- duckdb: ``read_json`` over the same ``.body`` files, unnested and inserted in SQL.

A third run loads ours again over the same landing zone (nothing new) to price the
no-op re-run, and a fourth forces a reload of every body. Run
``python -m bench.market --help`` for the flags.
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

from bench.common import OUT_DIR, Measured, machine, report_child, run_child, stopwatch, table

if TYPE_CHECKING:
    from newsdesk.warehouse import Warehouse

SEED = 20240215
END = date(2024, 12, 31)
FETCHED_AT = datetime(2025, 1, 2, 6, 0, tzinfo=UTC)
YAHOO_BASE = "https://query2.finance.yahoo.com"
TARGET_RATIO = 1.5
TARGET_PEAK_MIB = 1024
TARGET_NOOP = 0.20

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
    """What `generate` wrote."""

    files: int
    bars: int


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
    bars = [
        {
            "date": day,
            "open": round(float(o), 4),
            "high": round(float(h), 4),
            "low": round(float(lo), 4),
            "close": round(float(c), 4),
            "adj_close": round(float(c) * 0.98, 4),
            "volume": int(v),
        }
        for day, o, h, lo, c, v in zip(days, open_, high, low, close, volume, strict=True)
    ]
    if index % 97 == 0 and n > 2:
        # Yahoo sends a bar of nulls for a halted session; both loads must drop it.
        bars[n // 2].update(open=None, high=None, low=None, close=None, adj_close=None)
        bars[n // 2]["volume"] = None
    return bars


def generate(raw_dir: Path, symbols: int, start: date, end: date) -> Landed:
    """Land one chart body per symbol for [start, end] under ``raw_dir``; deterministic."""
    from newsdesk import landing
    from newsdesk.http import Fetched
    from newsdesk.sources import yahoo
    from scripts.payloads import chart_payload

    days = sessions(start, end)
    bars_total = 0
    for index in range(symbols):
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
            body=json.dumps(payload, separators=(",", ":")).encode(),
            fetched_at=FETCHED_AT,
        )
        landing.land(
            raw_dir,
            yahoo.SOURCE,
            yahoo.chart_key(symbol, start, end),
            response,
            yahoo.chart_params(symbol, start, end),
        )
    return Landed(files=symbols, bars=bars_total)


def load_ours(warehouse: Warehouse, raw_dir: Path, *, force: bool = False) -> dict[str, int]:
    """The flow's own path: landed bodies not yet loaded → chart_batch → one transaction.

    ``force`` ignores the record of bodies already loaded, as a changed transform would,
    so every body is parsed and upserted again.
    """
    from flows.market import CHART_TRANSFORM, chart_batch
    from newsdesk import landing
    from newsdesk.transform.bookkeeping import loaded_rows

    already = set() if force else warehouse.loaded_bodies("yahoo", CHART_TRANSFORM)
    by_symbol: dict[str, list] = {}
    for found in landing.find_landed(raw_dir, "yahoo"):
        if found.sha256 not in already:
            by_symbol.setdefault(found.params.get("symbol", found.key), []).append(found)
    failures: dict[str, str] = {}
    frames, used = chart_batch(by_symbol, failures)
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
        import flows.market  # noqa: F401 - imported before the clock, as a nightly run has it
        import newsdesk.landing  # noqa: F401
        import newsdesk.transform.prices  # noqa: F401
        from newsdesk.warehouse import Warehouse

        warehouse = Warehouse(db)
    with stopwatch() as clock:
        if warehouse is None:
            counts = load_native(raw, db)
        else:
            counts = load_ours(warehouse, raw, force=args.child == "reload")
    report_child(clock["seconds"], counts.get("prices", 0), counts=counts, cpu=clock["cpu"])


def _agree(a: dict[str, float], b: dict[str, float]) -> bool:
    for key, value in a.items():
        other = b[key]
        if isinstance(value, float) and isinstance(other, float):
            if abs(value - other) > 1e-9 * max(1.0, abs(value)):
                return False
        elif value != other:
            return False
    return True


def run(symbols: int, years: int, days: int | None, out: Path, repeat: int = 5) -> str:
    """Generate, load both ways and again with nothing new; return the printed report.

    Each contender runs ``repeat`` times, interleaved so that a neighbour's load spreads
    over all of them; the fastest run counts and the highest peak memory.
    """
    start, end = window(years, days)
    workdir = out / "market" / f"{symbols}x{days or years}{'d' if days else 'y'}"
    raw = workdir / "raw"
    shutil.rmtree(workdir, ignore_errors=True)
    with stopwatch() as gen_clock:
        landed = generate(raw, symbols, start, end)
    ours_db, native_db = workdir / "ours.duckdb", workdir / "native.duckdb"
    runs: dict[str, list[Measured]] = {"ours": [], "native": [], "noop": [], "reload": []}
    for _ in range(repeat):
        fresh_warehouse(ours_db)
        fresh_warehouse(native_db)
        for name, db in (("ours", ours_db), ("native", native_db), ("noop", ours_db)):
            mode = "ours" if name == "noop" else name
            args = ["--child", mode, "--db", str(db), "--raw", str(raw)]
            runs[name].append(run_child(name, "bench.market", args))
        args = ["--child", "reload", "--db", str(ours_db), "--raw", str(raw)]
        runs["reload"].append(run_child("reload", "bench.market", args))
    best = {name: _best(measured) for name, measured in runs.items()}
    return render(landed, start, end, symbols, best, summary(ours_db), summary(native_db),
                  gen_clock["seconds"], repeat)  # fmt: skip


def _best(runs: list[Measured]) -> Measured:
    fastest = min(runs, key=lambda m: m.seconds)
    peak = max(m.peak_bytes for m in runs)
    extra = {
        **fastest.extra,
        "median": statistics.median(m.seconds for m in runs),
        "cpu": min(m.extra["cpu"] for m in runs),
    }
    return Measured(fastest.name, fastest.seconds, fastest.rows, peak, extra)


def render(
    landed: Landed,
    start: date,
    end: date,
    symbols: int,
    best: dict[str, Measured],
    ours_sum: dict[str, float],
    native_sum: dict[str, float],
    gen_seconds: float,
    repeat: int,
) -> str:
    """The side-by-side table with ratios and targets."""
    ours, native, noop, reload = best["ours"], best["native"], best["noop"], best["reload"]
    ratio = ours.seconds / native.seconds if native.seconds else float("inf")
    medians = ours.extra["median"], native.extra["median"]
    median_ratio = medians[0] / medians[1] if medians[1] else ratio
    noop_share = noop.seconds / ours.seconds if ours.seconds else float("inf")
    reload_share = reload.seconds / ours.seconds if ours.seconds else float("inf")

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    rows = [
        [
            name,
            f"{m.seconds:.2f}",
            f"{m.extra['cpu']:.2f}",
            f"{m.rows:,}",
            f"{m.rate:,.0f}",
            f"{m.peak_mib:,.0f}",
        ]
        for name, m in (
            ("ours (polars+upsert)", ours),
            ("duckdb read_json+insert", native),
            ("ours, no-op re-run", noop),
            ("ours, forced reload (*)", reload),
        )
    ]
    same = _agree(ours_sum, native_sum)
    lines = [
        f"market load: {symbols} symbols × {start}..{end} = {landed.bars:,} bars "
        f"in {landed.files} landed bodies (generated in {gen_seconds:.1f} s)",
        f"machine: {machine()}; best of {repeat} runs each, one process per run",
        table(["", "seconds", "cpu s", "rows", "rows/s", "peak MiB"], rows),
        f"ratio ours/duckdb         {ratio:.2f}×  "
        f"(target ≤ {TARGET_RATIO}×: {mark(ratio <= TARGET_RATIO)}); "
        f"medians {medians[0]:.2f} / {medians[1]:.2f} s = {median_ratio:.2f}×; "
        f"cpu {ours.extra['cpu'] / native.extra['cpu']:.2f}×",
        f"peak memory ours          {ours.peak_mib:,.0f} MiB  (target < {TARGET_PEAK_MIB} MiB: "
        f"{mark(ours.peak_mib < TARGET_PEAK_MIB)}); duckdb {native.peak_mib:,.0f} MiB",
        f"no-op re-run              {noop_share:.2f} of the first "
        f"(target < {TARGET_NOOP}: {mark(noop_share < TARGET_NOOP)})",
        f"forced reload             {reload_share:.2f} of the first (no target)",
        f"cross-check               ours {ours_sum['rows']:,} rows, Σclose "
        f"{ours_sum['sum_close']:,.4f}; duckdb {native_sum['rows']:,} rows, Σclose "
        f"{native_sum['sum_close']:,.4f}: {'same' if same else 'DIFFERENT'}",
        "(*) every body parsed and upserted again, as after a transform change: "
        "identical rows are compared and not rewritten",
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.market", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--symbols", type=int, default=500, help="symbols to generate (500)")
    parser.add_argument("--years", type=int, default=5, help="years of daily bars (5)")
    parser.add_argument("--days", type=int, help="calendar days instead of --years")
    parser.add_argument("--quick", action="store_true", help="50 symbols × 1 year smoke test")
    parser.add_argument("--repeat", type=int, default=5, help="runs per contender (5)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="work folder (bench/out)")
    parser.add_argument("--child", choices=["ours", "native", "reload"], help=argparse.SUPPRESS)
    parser.add_argument("--raw", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.symbols, args.years, args.days = 50, 1, None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: a child load when --child is given, else the whole benchmark."""
    args = parse(argv)
    if args.child:
        _child(args)
        return 0
    print(run(args.symbols, args.years, args.days, args.out, args.repeat), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
