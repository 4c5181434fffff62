"""The only module that imports duckdb: connect, migrate, upsert, read.

Every write opens the database, runs one transaction and closes it again, so the
single-writer lock is held only for the length of a load and `newsdesk sql` can
read between loads.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from newsdesk import resources

SQL_DIR = resources.sql_dir()
SCHEMA_DIR = resources.schema_dir()
# Seed migrations are re-applied whenever their CSV changes: variable -> file.
SEED_FILES = resources.seed_files()
READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}

_write_lock = threading.Lock()
_migrated: set[Path] = set()


class WarehouseError(Exception):
    """DuckDB refused an operation; ``str(e)`` is DuckDB's first line, the cause is kept."""


class WarehouseBusy(WarehouseError):
    """The database is locked by a writing process."""


class ReadOnlyViolation(WarehouseError):
    """A statement other than a read was given to a read-only query."""


class QueryError(WarehouseError):
    """A user's read-only statement failed in DuckDB (a typo, an unknown table)."""


@dataclass(frozen=True)
class Replace:
    """Delete the rows of `table` whose `column` is in `values` before inserting new ones."""

    table: str
    column: str
    values: Sequence[Any]
    # Only rows whose column lies in [low, high] as well: ("date", low, high).
    between: tuple[str, Any, Any] | None = None


class Warehouse:
    """A DuckDB file, opened per operation."""

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        # migrate=False: read a warehouse another process writes, without taking its lock.
        self.path = Path(path)
        if migrate and self.path.resolve() not in _migrated:
            self.migrate()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; read-only ones wait a little for a writer to finish.

        DuckDB's errors leave here as WarehouseError (its first line), the cause kept.
        """
        if read_only:
            con = _open_read_only(self.path)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = _open_with_retry(self.path, read_only=False, wait_seconds=60.0)
        try:
            yield con
        except duckdb.Error as exc:
            raise WarehouseError(_first_line(exc)) from exc
        finally:
            con.close()

    def migrate(self) -> list[str]:
        """Apply numbered migrations not yet recorded, and re-apply changed seeds."""
        applied: list[str] = []
        with _write_lock, self.connect() as con:
            con.execute(
                "create table if not exists schema_version ("
                "version integer primary key, name varchar, checksum varchar, "
                "applied_at timestamp default current_timestamp)"
            )
            rows = con.execute("select version, checksum from schema_version").fetchall()
            done = {version: checksum for version, checksum in rows}
            for variable, csv in SEED_FILES.items():
                con.execute(f"set variable {variable} = ?", [str(csv)])
            for script in sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql")):
                version = int(script.name[:3])
                checksum = _checksum(script)
                is_seed = "seed" in script.name
                if version in done and (not is_seed or done[version] == checksum):
                    continue
                if is_seed and not _seed_present(script):
                    continue
                con.execute("begin transaction")
                try:
                    con.execute(script.read_text(encoding="utf-8"))
                    con.execute(
                        "insert or replace into schema_version (version, name, checksum) "
                        "values (?, ?, ?)",
                        [version, script.name, checksum],
                    )
                    con.execute("commit")
                except Exception:
                    con.execute("rollback")
                    raise
                applied.append(script.name)
        _migrated.add(self.path.resolve())
        return applied

    def write(
        self,
        upserts: Mapping[str, pl.DataFrame] | Sequence[tuple[str, pl.DataFrame]],
        *,
        replace: Sequence[Replace] = (),
    ) -> dict[str, int]:
        """Upsert frames (keyed on each table's primary key) in one transaction."""
        items = list(upserts.items()) if isinstance(upserts, Mapping) else list(upserts)
        counts: dict[str, int] = {}
        with _write_lock, self.connect() as con:
            con.execute("begin transaction")
            try:
                for rule in replace:
                    if rule.values:
                        _check_identifier(con, rule.table, rule.column)
                        sql = f'delete from "{rule.table}" where "{rule.column}" in '
                        sql += "(select unnest(?))"
                        params: list[Any] = [list(rule.values)]
                        if rule.between:
                            column, low, high = rule.between
                            _check_identifier(con, rule.table, column)
                            sql += f' and "{column}" between ? and ?'
                            params += [low, high]
                        con.execute(sql, params)
                for table, frame in items:
                    counts[table] = counts.get(table, 0) + _upsert(con, table, frame)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
        return counts

    def append(self, table: str, frame: pl.DataFrame) -> int:
        """Insert rows into a table without a primary key (dq_results)."""
        if frame.is_empty():
            return 0
        with _write_lock, self.connect() as con:
            con.register("incoming", frame)
            con.execute(f'insert into "{table}" by name select * from incoming')
        return frame.height

    def loaded_bodies(self, source: str, transform: str) -> set[str]:
        """The sha256 of every landed body of a source that a transform version has loaded."""
        frame = self.query(
            "select sha256 from loaded_bodies where source = ? and transform = ?",
            [source, transform],
        )
        return set(frame["sha256"].to_list())

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run a read query on a short read-only connection."""
        with self.connect(read_only=True) as con:
            return con.sql(sql, params=list(params or [])).pl()

    def table(self, name: str) -> pl.DataFrame:
        """A whole table as a polars frame."""
        with self.connect(read_only=True) as con:
            _check_identifier(con, name)
            return con.sql(f'select * from "{name}"').pl()

    def read(self, name: str, **params: Any) -> pl.DataFrame:
        """Run the named read `sql/reads/<name>.sql`, its parameters bound by name."""
        with self.connect(read_only=True) as con:
            return _read(con, name, **params)

    def prices_for(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> pl.DataFrame:
        """Bars of the symbols, within [start, end] where those are given."""
        return self.read("prices_for", symbols=list(symbols), start=start, end=end)

    def held_sessions(self, symbols: Sequence[str], start: date, end: date) -> dict[str, set]:
        """The sessions each symbol already has a bar for in [start, end]."""
        frame = self.read("held_sessions", symbols=list(symbols), start=start, end=end)
        return {symbol: set(days or []) for symbol, days in frame.iter_rows()}

    def market_cap_inputs(
        self, symbols: Sequence[str], start: date, end: date
    ) -> dict[str, pl.DataFrame]:
        """The prices, share counts, splits and USD rates market caps over [start, end] need."""
        symbols = list(symbols)
        with self.connect(read_only=True) as con:  # one connection, one consistent view
            return {
                "prices": _read(con, "prices_for", symbols=symbols, start=start, end=end),
                "shares": _read(con, "shares_for", symbols=symbols),
                "splits": con.sql("select * from splits").pl(),
                "fx": _read(con, "usd_rates"),
            }

    def facts_for_claims(self, symbols: Sequence[str]) -> dict[str, pl.DataFrame]:
        """The prices, valuations, rates and tickers that claims about the symbols need."""
        symbols = list(symbols)
        with self.connect(read_only=True) as con:
            return {
                "prices": _read(con, "prices_for", symbols=symbols, start=None, end=None),
                "valuations": _read(con, "valuations_for", entities=symbols),
                "fx_rates": con.sql("select * from fx_rates").pl(),
                "tickers": con.sql("select * from tickers").pl(),
            }

    def report_inputs(self, day: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """The claims of a day's report, their articles and their subjects' prices."""
        with self.connect(read_only=True) as con:
            claims = _read(con, "report_claims", day=day)
            ids = claims["article_id"].unique().to_list()
            symbols = claims["subjects"].explode().drop_nulls().unique().to_list()
            articles = _read(con, "articles_by_id", ids=ids)
            prices = _read(con, "prices_for", symbols=symbols, start=None, end=None)
        return claims, articles, prices

    def report_days(self, start: date, end: date) -> list[date]:
        """Days in [start, end] with claims published on them or speaking of them."""
        return self.read("report_days", start=start, end=end)["d"].to_list()

    def known_articles(self) -> dict[str, str]:
        """content_sha256 → the article_id that text was first stored under."""
        return dict(self.read("known_articles").iter_rows())

    def checksums(self, tables: Sequence[str]) -> dict[str, str]:
        """An order-independent checksum of each table's rows, for idempotence checks."""
        out: dict[str, str] = {}
        with self.connect(read_only=True) as con:
            for name in tables:
                _check_identifier(con, name)
                row = con.execute(
                    f"select count(*), coalesce(md5(string_agg(cast(t as varchar), chr(10) "
                    f"order by cast(t as varchar))), '') from \"{name}\" t"
                ).fetchall()[0]
                out[name] = f"{row[0]}:{row[1]}"
        return out


def run_read_only(path: Path, sql: str, wait_seconds: float = 5.0) -> pl.DataFrame:
    """Run one user statement read-only; anything but a read is refused before it runs."""
    con = _open_with_retry(Path(path), read_only=True, wait_seconds=wait_seconds)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise ReadOnlyViolation(_first_line(exc)) from None
        if not statements:
            raise ReadOnlyViolation("no statement given")
        for statement in statements:
            kind = statement.type.name
            if kind not in READ_STATEMENTS:
                raise ReadOnlyViolation(
                    f"refused: {kind} statements are not allowed; newsdesk sql is read-only"
                )
        try:
            for statement in statements[:-1]:
                con.execute(statement.query).fetchall()
            result = con.sql(statements[-1].query)
            return result.pl() if result is not None else pl.DataFrame()
        except duckdb.Error as exc:  # the user's SQL: one line, not DuckDB's exception
            raise QueryError(_first_line(exc)) from exc
    finally:
        con.close()


def _read(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    """Run `sql/reads/<name>.sql` on an open connection, its parameters bound by name."""
    path = SQL_DIR / "reads" / f"{name}.sql"
    if not path.is_file():
        raise ValueError(f"no named read {name} (looked for {path})")
    return con.sql(path.read_text(encoding="utf-8"), params=params).pl()


def _open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `newsdesk run` or `make demo` first")
    return _open_with_retry(path, read_only=True, wait_seconds=10.0)


def _open_with_retry(path: Path, *, read_only: bool, wait_seconds: float) -> Any:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                if "lock" in str(exc).lower():
                    raise WarehouseBusy(
                        f"the warehouse {path} is locked by a load in progress; "
                        f"try again in a moment"
                    ) from None
                raise WarehouseError(f"cannot open {path}: {_first_line(exc)}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _upsert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    if frame.is_empty():
        return 0
    keys = _primary_key(con, table)
    if keys:
        # DuckDB refuses to update one row twice in one statement: last one wins.
        frame = frame.unique(subset=keys, keep="last", maintain_order=False)
    con.register("incoming", frame)
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        if keys:
            # Update only rows that differ, then insert only new keys: cheaper than
            # ON CONFLICT DO UPDATE, and a re-run of identical rows writes nothing.
            updates = [c for c in frame.columns if c not in keys]
            match = " and ".join(f't."{k}" = i."{k}"' for k in keys)
            if updates:
                assign = ", ".join(f'"{c}" = i."{c}"' for c in updates)
                differs = " or ".join(f't."{c}" is distinct from i."{c}"' for c in updates)
                con.execute(
                    f'update "{table}" t set {assign} from incoming i where {match} and ({differs})'
                )
            con.execute(
                f'insert into "{table}" ({columns}) select {columns} from incoming i '
                f'where not exists (select 1 from "{table}" t where {match})'
            )
        else:
            con.execute(f'insert into "{table}" ({columns}) select {columns} from incoming')
    finally:
        con.unregister("incoming")
    return frame.height


def _primary_key(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    row = con.execute(
        "select constraint_column_names from duckdb_constraints() "
        "where table_name = ? and constraint_type = 'PRIMARY KEY'",
        [table],
    ).fetchall()
    if not row:
        _check_identifier(con, table)
        return []
    return list(row[0][0])


def _check_identifier(
    con: duckdb.DuckDBPyConnection, table: str, column: str | None = None
) -> None:
    found = con.execute(
        "select count(*) from duckdb_columns() "
        "where table_name = ? and (? is null or column_name = ?)",
        [table, column, column],
    ).fetchall()[0][0]
    if not found:
        raise ValueError(f"no such table or column: {table}{'.' + column if column else ''}")


def _seeds_of(script: Path) -> list[Path]:
    """The CSV files a seed migration reads (002_seed_tickers.sql reads tickers.csv)."""
    return [csv for csv in SEED_FILES.values() if csv.stem in script.name]


def _checksum(script: Path) -> str:
    """The script's hash, and its seed files' too, so a changed CSV re-applies the seed."""
    digest = hashlib.sha256(script.read_bytes())
    for csv in _seeds_of(script):
        if csv.exists():
            digest.update(csv.read_bytes())
    return digest.hexdigest()[:16]


def _seed_present(script: Path) -> bool:
    return all(csv.exists() for csv in _seeds_of(script))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
