"""The only module that imports duckdb: connect, migrate, upsert, read, publish a read copy.

Every write opens the database, runs one transaction and closes it again, so the
single-writer lock is held only for the length of a load. Readers never need that lock:
after a run the warehouse is copied to `<name>.read.duckdb` next to it (a temp file, then
an atomic rename), and `ReadSession` (what `newsdesk sql` uses) opens that copy.

Both files are written in the storage format of DuckDB 1.4 (`STORAGE_VERSION`), which the
DuckDB 1.4 and 1.5 CLIs, Harlequin and notebooks with an older duckdb open. The setting only
applies when a file is created: a warehouse created earlier in DuckDB 2.0's own format keeps
that format and keeps working here; its read copy is written in the compatible format anyway.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from newsdesk import resources
from newsdesk.landing import pid_alive
from newsdesk.storage import Store

SQL_DIR = resources.sql_dir()
SCHEMA_DIR = resources.schema_dir()
# Seed migrations are re-applied whenever their CSV changes: variable -> file.
SEED_FILES = resources.seed_files()
READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}
# The newest storage format every tool we care about opens: DuckDB 1.4 (LTS) and 1.5 read it,
# DuckDB 2.0 writes it when asked. DuckDB 2.0's own format (file version 69) the 1.5 CLI refuses.
STORAGE_VERSION = "v1.4.0"
_STORAGE_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}
# DuckDB's own memory for a load of staged files (its default is 80 % of the machine's RAM,
# which a growing table's key index would take as cache). The key index of the rows one
# transaction inserts must fit: 5M prices rows do, 25M did not at 640MB (docs/benchmarks.md).
STAGED_MEMORY_LIMIT = "640MB"
# A load committed in parts (`write_staged(commit_every=)`) needs it too: the index of the
# rows committed stays in memory as well; 25M rows in parts ran out of 256MB.

_write_lock = threading.Lock()
_migrated: set[Path] = set()


class WarehouseError(Exception):
    """DuckDB refused an operation; ``str(e)`` is DuckDB's first line, the cause is kept."""


class WarehouseBusy(WarehouseError):
    """The database is locked by a writing process."""


class ReadOnlyViolation(WarehouseError):
    """A statement other than a read was given to a read-only query."""


class QueryError(WarehouseError):
    """A user's read-only statement failed in DuckDB (a typo, an unknown table).

    `done` holds the results of the statements before the one that failed.
    """

    def __init__(self, message: str, done: Sequence[StatementResult] = ()) -> None:
        super().__init__(message)
        self.done = list(done)


class QueryInterrupted(QueryError):
    """The running statement was cancelled (Ctrl-C, or `ReadSession.interrupt`)."""


@dataclass(frozen=True)
class StatementResult:
    """One statement of a user's SQL and its result (None for a statement that returns none)."""

    sql: str
    frame: pl.DataFrame | None


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
        except BaseException as exc:
            _close_quietly(con)  # the error under way is the one to report, not the close's
            if isinstance(exc, duckdb.Error):
                raise WarehouseError(_naming_file(exc, self.path)) from exc
            raise
        try:
            con.close()  # a write connection checkpoints here: a full disk can fail it
        except duckdb.Error as exc:
            raise WarehouseError(_naming_file(exc, self.path)) from exc

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
                    _rollback_quietly(con)
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
                _delete_replaced(con, replace)
                for table, frame in items:
                    counts[table] = counts.get(table, 0) + _upsert(con, table, frame)
                con.execute("commit")
            except Exception:
                _rollback_quietly(con)
                raise
        return counts

    def write_staged(
        self,
        staged: Mapping[str, Sequence[str]],
        *,
        frames: Mapping[str, pl.DataFrame] | None = None,
        replace: Sequence[Replace] = (),
        store: Store | None = None,
        memory_limit: str = STAGED_MEMORY_LIMIT,
        commit_every: int | None = None,
    ) -> dict[str, int]:
        """Upsert staged Parquet files (table -> locations), then ``frames``, in one transaction.

        The same upsert as `write`, one file at a time, read by DuckDB itself: memory stays
        that of one file and DuckDB's ``memory_limit``, however many files there are. A
        location is a local path or a URL of ``store`` (whose filesystem DuckDB is handed);
        with a store, a relative location is taken as relative to it.

        ``commit_every`` (a bulk load only) commits after every that many files instead of
        once, and ``frames`` in a last transaction of their own: DuckDB holds the key index
        of the rows a transaction inserted in memory until it commits, which 25M rows of a
        backfill overflow (docs/benchmarks.md). Each part is whole or absent, so a failure
        leaves the parts before it committed: harmless for upserts, which a re-run repeats
        to the same rows, as long as ``frames`` records what was loaded (it commits last).
        Replacement rules delete rows a later part would restore, so they are refused here.
        """
        if commit_every is not None:
            if commit_every < 1:
                raise ValueError(f"commit_every must be at least 1, got {commit_every}")
            if replace:
                raise ValueError("a load committed in parts takes no replacement rules")
        counts: dict[str, int] = {}
        files = [(table, loc) for table, locations in staged.items() for loc in locations]
        step = commit_every or max(len(files), 1)
        with _write_lock, self.connect() as con:
            # Bounds DuckDB's buffers (the key index of a growing table above all) for this
            # load; past it DuckDB evicts to the file and its temp directory.
            con.execute("set memory_limit = ?", [memory_limit])
            if store is not None and not store.is_local:
                con.register_filesystem(store.fs)
            parts = [files[i : i + step] for i in range(0, len(files), step)] or [[]]
            if commit_every is not None and frames:
                parts.append([])  # what was loaded is recorded once every file is in
            for number, part in enumerate(parts):
                con.execute("begin transaction")
                try:
                    if number == 0:
                        _delete_replaced(con, replace)
                    for table, location in part:
                        found = _upsert_staged(con, table, _staged_location(location, store))
                        counts[table] = counts.get(table, 0) + found
                    if number == len(parts) - 1:
                        for table, frame in (frames or {}).items():
                            counts[table] = counts.get(table, 0) + _upsert(con, table, frame)
                    con.execute("commit")
                except Exception:
                    _rollback_quietly(con)
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
        # Rows as tuples, not a polars frame: `.pl()` goes through pyarrow, whose import alone
        # holds 60 MiB in a loader that otherwise never needs it (docs/benchmarks.md).
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "select sha256 from loaded_bodies where source = ? and transform = ?",
                [source, transform],
            ).fetchall()
        return {row[0] for row in rows}

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

    def convert_storage(self) -> bool:
        """Rewrite a warehouse kept in a newer storage format into STORAGE_VERSION's.

        For a warehouse created by DuckDB 2.0 in its own format, which DuckDB 1.x tools cannot
        open. The warehouse is held locked while it is copied, then the copy replaces it.
        Returns False when the file is already in a format no newer than STORAGE_VERSION.
        """
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with _write_lock:
            con = duckdb.connect(":memory:")
            try:
                _retry_while_locked(  # read-write: the lock keeps every writer out meanwhile
                    self.path,
                    lambda: con.execute(f"attach {_literal(self.path)} as source"),
                    60.0,
                )
                tag = con.execute(
                    "select tags['storage_version'] from duckdb_databases() "
                    "where database_name = 'source'"
                ).fetchall()[0][0]
                if _version(tag or "") <= _version(STORAGE_VERSION):
                    return False
                con.execute("checkpoint source")
                _remove_files(temp)
                con.execute(
                    f"attach {_literal(temp)} as target (storage_version '{STORAGE_VERSION}')"
                )
                con.execute("copy from database source to target")
                con.execute("detach target")
                _fsync(temp)
                os.replace(temp, self.path)
                _fsync(self.path.parent)
            except (duckdb.Error, OSError) as exc:
                _remove_files(temp)
                raise WarehouseError(f"cannot convert {self.path}: {_first_line(exc)}") from exc
            finally:
                _close_quietly(con)
        return True

    def publish_read_copy(self) -> Path:
        """Copy the warehouse to `read_copy_path(path)` for readers; an atomic swap.

        The copy is written to a temp file beside it, then renamed over the old copy: a
        reader that has the old copy open keeps reading it, the next one opens the new one.
        """
        target = read_copy_path(self.path)
        _remove_stale_temps(target)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        _remove_files(temp)
        with _write_lock:  # not mid-batch of this process
            con = duckdb.connect(":memory:")
            try:
                _retry_while_locked(
                    self.path,
                    lambda: con.execute(f"attach {_literal(self.path)} as source (read_only)"),
                    60.0,
                )
                con.execute(
                    f"attach {_literal(temp)} as read_copy (storage_version '{STORAGE_VERSION}')"
                )
                con.execute("copy from database source to read_copy")
                con.execute("detach read_copy")  # checkpoints and closes the temp file
                con.close()
            except (duckdb.Error, WarehouseError) as exc:
                _close_quietly(con)
                _remove_files(temp)
                if isinstance(exc, WarehouseError):
                    raise
                raise WarehouseError(
                    f"cannot publish the read copy {target}: {_first_line(exc)}"
                ) from exc
        try:
            _fsync(temp)
            os.replace(temp, target)
            _fsync(target.parent)
        except OSError as exc:
            _remove_files(temp)
            raise WarehouseError(f"cannot publish the read copy {target}: {exc}") from exc
        return target


def read_copy_path(path: Path) -> Path:
    """Where the read copy of the warehouse at `path` lives: `<stem>.read.duckdb` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.read.duckdb")


class ReadSession:
    """A read-only SQL session on the warehouse for people: `newsdesk sql`, its shell.

    Opens the read copy when it is at least as new as the warehouse, else the warehouse itself
    (and the read copy anyway if a load holds the warehouse). Statements are checked before
    they run: only reads, and EXPLAIN of a read. The connection cannot reach the file system
    (`enable_external_access = false`) and its configuration is locked, so no SQL can turn
    either back on. `allow_files=True` lets SELECTs read local files (read_csv, glob…); it is
    an opt-in for a local shell, never for SQL that others send. Each session is its own
    DuckDB instance, so a new session after a publish sees the new copy.
    """

    def __init__(self, path: Path, *, allow_files: bool = False, wait_seconds: float = 5.0):
        self.path, self._con = _open_session(Path(path), allow_files, wait_seconds)
        self._database = _database_name(self.path)
        self._running: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> ReadSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, sql: str) -> list[StatementResult]:
        """Check every statement, then run each in turn; one result per statement.

        Ctrl-C while a statement runs cancels that statement (QueryInterrupted), not the
        caller: the statement runs on a worker thread while this one waits.
        """
        statements = check_read_only(self._con, sql)
        done: list[StatementResult] = []
        for statement in statements:
            # Each statement on its own cursor: an interrupted statement may leave its cursor
            # busy, never the session.
            cursor = self._con.cursor()
            cursor.execute(f"use {_identifier(self._database)}")
            self._running = cursor
            outcome: list[Any] = []
            worker = threading.Thread(
                target=_run_into, args=(cursor, statement, outcome), daemon=True
            )
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(0.05)
            except KeyboardInterrupt:
                cursor.interrupt()
                worker.join()
                raise QueryInterrupted("interrupted", done) from None
            finally:
                self._running = None
                _close_quietly(cursor)
            result = outcome.pop()
            if isinstance(result, BaseException):
                raise _user_error(result, done) from None
            done.append(StatementResult(statement, result))
        return done

    def interrupt(self) -> None:
        """Cancel the statement running now (safe from another thread or a signal handler)."""
        running = self._running
        if running is not None:
            running.interrupt()

    def tables(self) -> list[str]:
        """The tables and views a user can query, by name."""
        rows = self._con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and not internal union select view_name from duckdb_views() "
            "where database_name = current_database() and not internal order by 1"
        ).fetchall()
        return [row[0] for row in rows]

    def schema(self, table: str) -> str:
        """A table's or view's columns and types, each with its description."""
        columns = self._con.execute(
            "select column_name, data_type, is_nullable, comment from duckdb_columns() "
            "where database_name = current_database() and table_name = ? "
            "order by column_index",
            [table],
        ).fetchall()
        if not columns:
            raise QueryError(f"no table or view named {table!r}; .tables lists them")
        described = self._con.execute(
            "select comment from duckdb_tables() where database_name = current_database() "
            "and table_name = ? union all select comment from duckdb_views() "
            "where database_name = current_database() and view_name = ?",
            [table, table],
        ).fetchall()
        keys = self._con.execute(
            "select constraint_column_names from duckdb_constraints() "
            "where database_name = current_database() and table_name = ? "
            "and constraint_type = 'PRIMARY KEY'",
            [table],
        ).fetchall()
        lines = [f"-- {described[0][0]}"] if described and described[0][0] else []
        lines.append(f"{table} (")
        typed = [(name, f"{kind}{'' if nullable else ' NOT NULL'}", comment)
                 for name, kind, nullable, comment in columns]  # fmt: skip
        width = max(len(name) for name, _, _ in typed)
        type_width = max(len(kind) for _, kind, _ in typed)
        for name, kind, comment in typed:
            line = f"    {name.ljust(width)}  {kind.ljust(type_width)}"
            lines.append(f"{line}  -- {comment}" if comment else line.rstrip())
        if keys:
            lines.append(f"    PRIMARY KEY ({', '.join(keys[0][0])})")
        lines.append(")")
        return "\n".join(lines)

    def close(self) -> None:
        """Close the connection; the session cannot be used after."""
        _close_quietly(self._con)


def run_read_only(path: Path, sql: str, wait_seconds: float = 5.0) -> pl.DataFrame:
    """Run a user's SQL read-only; the last statement's result (an empty frame if none)."""
    with ReadSession(path, wait_seconds=wait_seconds) as session:
        results = session.run(sql)
    frame = results[-1].frame
    return frame if frame is not None else pl.DataFrame()


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The statements of `sql`, each a read (or EXPLAIN of one); else ReadOnlyViolation."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyViolation(_first_line(exc)) from None
    if not statements:
        raise ReadOnlyViolation("no statement given")
    for statement in statements:
        _check_statement(con, statement.type.name, statement.query, depth=0)
    return [statement.query for statement in statements]


def _check_statement(con: duckdb.DuckDBPyConnection, kind: str, query: str, depth: int) -> None:
    if kind not in READ_STATEMENTS:
        raise ReadOnlyViolation(
            f"refused: {kind} statements are not allowed; newsdesk sql is read-only"
        )
    if kind != "EXPLAIN":
        return
    # EXPLAIN [ANALYZE] runs or plans the statement it wraps: that one must be a read too.
    inner = []
    for candidate in _explained(query):
        try:
            parsed = con.extract_statements(candidate)
        except duckdb.Error:
            continue
        if len(parsed) == 1:
            inner.append(parsed[0])
    if not inner or depth > 8:
        raise ReadOnlyViolation("refused: cannot tell what this EXPLAIN explains")
    for statement in inner:  # every reading of the text must be a read
        _check_statement(con, statement.type.name, statement.query, depth + 1)


_SKIP = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_EXPLAIN = re.compile(r"explain\b", re.I)
_ANALYZE = re.compile(r"analy[sz]e\b", re.I)


def _explained(query: str) -> list[str]:
    """The texts an EXPLAIN may wrap: after `EXPLAIN [ANALYZE]`, with and without `(options)`."""
    at = _SKIP.match(query).end()
    keyword = _EXPLAIN.match(query, at)
    if not keyword:
        return []
    at = _SKIP.match(query, keyword.end()).end()
    analyze = _ANALYZE.match(query, at)
    if analyze:
        at = _SKIP.match(query, analyze.end()).end()
    rest = query[at:]
    candidates = [rest]
    if rest.startswith("("):
        end = _group_end(rest)
        if end:
            candidates.append(rest[end:])
    return candidates


def _group_end(text: str) -> int:
    """The index after the parenthesised group `text` starts with (0 if it never closes)."""
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return 0


def _open_session(
    warehouse: Path, allow_files: bool, wait_seconds: float
) -> tuple[Path, duckdb.DuckDBPyConnection]:
    copy = read_copy_path(warehouse)
    if copy.exists() and (not warehouse.exists() or _is_fresh(copy, warehouse)):
        return copy, _session_on(copy, allow_files, 60.0)
    if not warehouse.exists():
        raise WarehouseError(
            f"no warehouse at {warehouse}: run `newsdesk run` or `make demo` first"
        )
    try:
        return warehouse, _session_on(warehouse, allow_files, wait_seconds)
    except WarehouseBusy:
        if not copy.exists():
            raise
        return copy, _session_on(copy, allow_files, 60.0)


def _is_fresh(copy: Path, warehouse: Path) -> bool:
    """The copy was published after the warehouse last changed (its file or its WAL)."""
    wal = warehouse.with_name(warehouse.name + ".wal")
    changed = max(p.stat().st_mtime_ns for p in (warehouse, wal) if p.exists())
    return copy.stat().st_mtime_ns >= changed


def _session_on(path: Path, allow_files: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    # An in-memory instance per session, the file ATTACHed to it read-only: DuckDB's Python
    # client shares one instance per path, which would keep showing a replaced copy's old data.
    name = _identifier(_database_name(path))
    con = duckdb.connect(":memory:")
    try:
        _retry_while_locked(
            path,
            lambda: con.execute(f"attach {_literal(path)} as {name} (read_only)"),
            wait_seconds,
        )
        con.execute(f"use {name}")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set autoload_known_extensions = false")
        if not allow_files:
            con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")  # nothing the user runs can undo these
    except BaseException:
        _close_quietly(con)
        raise
    return con


def _database_name(path: Path) -> str:
    """The name SQL sees the warehouse under: `newsdesk` for the file and its read copy alike."""
    return path.name.split(".")[0] or "warehouse"


def _run_into(con: duckdb.DuckDBPyConnection, statement: str, outcome: list[Any]) -> None:
    """Run one statement on a worker thread; its frame (or None, or the error) into `outcome`."""
    relation = None
    try:
        relation = con.sql(statement)
        outcome.append(None if relation is None else _to_frame(relation))
    except BaseException as exc:  # handed back to the caller's thread
        # without its traceback: that holds the relation, and a live relation keeps the
        # connection busy for the next statement
        outcome.append(exc.with_traceback(None))
    finally:
        del relation


def _to_frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    try:
        return relation.pl()
    except duckdb.Error:
        raise
    except Exception:  # a type polars cannot hold (INTERVAL, UNION): shown as text instead
        texts = ", ".join(f"cast({_identifier(c)} as varchar) as {_identifier(c)}"
                          for c in relation.columns)  # fmt: skip
        return relation.project(texts).pl()


def _user_error(exc: BaseException, done: list[StatementResult]) -> WarehouseError:
    """A user's statement failed: one line, the results before it kept."""
    if isinstance(exc, duckdb.InterruptException):
        return QueryInterrupted("interrupted", done)
    if isinstance(exc, duckdb.PermissionException):
        violation = ReadOnlyViolation(
            f"refused: newsdesk sql does not read or write files ({_first_line(exc)})"
        )
        return violation
    if isinstance(exc, duckdb.Error):
        return QueryError(_first_line(exc), done)
    return QueryError(f"cannot show the result: {_first_line(exc)}", done)


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
    return _retry_while_locked(
        path,
        lambda: duckdb.connect(str(path), read_only=read_only, config=_STORAGE_CONFIG),
        wait_seconds,
    )


def _retry_while_locked(path: Path, opener: Any, wait_seconds: float) -> Any:
    """Call `opener` until the file's lock is free or time runs out; name the file on failure."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return opener()
        except duckdb.Error as exc:
            text = str(exc).lower()  # another process's lock, or this process's own handle
            locked = "lock" in text or "already attached" in text
            if not locked:  # a truncated or corrupt file: say which one
                raise WarehouseError(f"cannot open {path}: {_first_line(exc)}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is locked by a load in progress; try again in a moment"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _upsert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    if frame.is_empty():
        return 0
    keys = _primary_key(con, table)
    if keys:
        # DuckDB refuses to update one row twice in one statement: last one wins.
        frame = frame.unique(subset=keys, keep="last", maintain_order=False)
    con.register("incoming", _ArrowStream(frame))
    try:
        _merge(con, table, "incoming", frame.columns, keys)
    finally:
        con.unregister("incoming")
    return frame.height


class _ArrowStream:
    """A polars frame as DuckDB scans it through the Arrow C stream interface.

    Registered as itself, a polars frame is converted with ``to_arrow()``, which imports
    pyarrow (60 MiB held for good); the stream needs no pyarrow. Each scan asks anew, so the
    update and the insert of `_merge` both read every row.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def _upsert_staged(con: duckdb.DuckDBPyConnection, table: str, location: str) -> int:
    """One staged Parquet file upserted as `_upsert` would its frame; its row count."""
    keys = _primary_key(con, table)
    # A temp table, not a view over the file: the update and the insert each read it.
    con.execute(
        "create or replace temp table staged_incoming as "
        "select * from read_parquet($location, file_row_number = true)",
        {"location": location},
    )
    columns = [c for c in _columns_of(con, "staged_incoming") if c != "file_row_number"]
    if keys and _has_duplicate_keys(con, "staged_incoming", keys):
        # As with a frame, the last row of a key wins: the last in the file's order.
        by = ", ".join(_identifier(k) for k in keys)
        con.execute(
            "create or replace temp table staged_incoming as select * from staged_incoming "
            f"qualify row_number() over (partition by {by} order by file_row_number desc) = 1"
        )
    rows = con.execute("select count(*) from staged_incoming").fetchall()[0][0]
    if rows and keys and not _may_hold(con, table, "staged_incoming", keys[0]):
        # No row of the table shares a key with the file: a plain insert. The merge's update
        # and anti-join each scan the whole table, which made a backfill's time grow with
        # the square of its files (docs/benchmarks.md).
        listed = ", ".join(_identifier(c) for c in columns)
        con.execute(f'insert into "{table}" ({listed}) select {listed} from staged_incoming')
    elif rows:
        _merge(con, table, "staged_incoming", columns, keys)
    # Not in a `finally`: after a failed statement the transaction refuses even this, and
    # its error would hide the real one; the rollback drops the table anyway.
    con.execute("drop table staged_incoming")
    return rows


def _merge(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    columns: Sequence[str],
    keys: Sequence[str],
) -> None:
    """Rows of the relation `source` (no key twice) into `table`, keyed on `keys`."""
    listed = ", ".join(f'"{c}"' for c in columns)
    if not keys:
        con.execute(f'insert into "{table}" ({listed}) select {listed} from {source}')
        return
    # Update only rows that differ, then insert only new keys: cheaper than
    # ON CONFLICT DO UPDATE, and a re-run of identical rows writes nothing.
    updates = [c for c in columns if c not in keys]
    match = " and ".join(f't."{k}" = i."{k}"' for k in keys)
    if updates:
        assign = ", ".join(f'"{c}" = i."{c}"' for c in updates)
        differs = " or ".join(f't."{c}" is distinct from i."{c}"' for c in updates)
        con.execute(
            f'update "{table}" t set {assign} from {source} i where {match} and ({differs})'
        )
    con.execute(
        f'insert into "{table}" ({listed}) select {listed} from {source} i '
        f'where not exists (select 1 from "{table}" t where {match})'
    )


# Values of a file's first key column looked up as constants (zone maps skip the row groups
# that cannot hold them); a file with more is merged without looking.
_MAY_HOLD_VALUES = 1000


def _may_hold(con: duckdb.DuckDBPyConnection, table: str, source: str, key: str) -> bool:
    """Whether ``table`` may hold a row whose ``key`` is one of ``source``'s values.

    Asked with the values as constants so that DuckDB prunes by each row group's min/max: a
    backfill's new symbols fall outside every row group already written, and nothing is read.
    """
    column = _identifier(key)
    values = [row[0] for row in con.execute(
        f"select distinct {column} from {source} limit {_MAY_HOLD_VALUES + 1}"
    ).fetchall()]  # fmt: skip
    if len(values) > _MAY_HOLD_VALUES or any(v is None for v in values):
        return True
    marks = ", ".join("?" for _ in values)
    found = con.execute(
        f'select 1 from "{table}" where {column} in ({marks}) limit 1', values
    ).fetchall()
    return bool(found)


def _has_duplicate_keys(con: duckdb.DuckDBPyConnection, source: str, keys: Sequence[str]) -> bool:
    by = ", ".join(_identifier(k) for k in keys)
    found = con.execute(
        f"select 1 from {source} group by {by} having count(*) > 1 limit 1"
    ).fetchall()
    return bool(found)


def _columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {relation}").fetchall()]


def _staged_location(location: str, store: Store | None) -> str:
    """A staged file's location as DuckDB reads it: a local path, or a URL of the store."""
    if store is None or "://" in location or os.path.isabs(location):
        return location
    return store.location(location)


def _delete_replaced(con: duckdb.DuckDBPyConnection, replace: Sequence[Replace]) -> None:
    """Delete the rows each replacement rule names (the first step of a batch)."""
    for rule in replace:
        if not rule.values:
            continue
        _check_identifier(con, rule.table, rule.column)
        sql = f'delete from "{rule.table}" where "{rule.column}" in (select unnest(?))'
        params: list[Any] = [list(rule.values)]
        if rule.between:
            column, low, high = rule.between
            _check_identifier(con, rule.table, column)
            sql += f' and "{column}" between ? and ?'
            params += [low, high]
        con.execute(sql, params)


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


def _naming_file(exc: BaseException, path: Path) -> str:
    """DuckDB's first line; for a storage error, with the file it is about if it does not say."""
    line = _first_line(exc)
    storage = (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException)
    if isinstance(exc, storage) and str(path) not in line and path.name not in line:
        return f"{path}: {line}"
    return line


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if DuckDB still has a transaction open.

    A failed COMMIT (a full disk) ends the transaction itself; rolling back then fails with
    "no transaction is active", which must not replace the error that is the real cause.
    """
    with suppress(duckdb.Error):
        con.execute("rollback")


def _close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        con.close()


def _version(tag: str) -> tuple[int, ...]:
    """'v1.4.0+' → (1, 4, 0); an unreadable tag counts as newest, so it is converted."""
    digits = re.findall(r"\d+", tag)
    return tuple(int(d) for d in digits[:3]) if digits else (999,)


def _literal(path: Path) -> str:
    """A path as an SQL string literal (ATTACH takes no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remove_files(database: Path) -> None:
    """Remove a database file and the WAL DuckDB may have left beside it."""
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)


def _remove_stale_temps(target: Path) -> None:
    """Temp copies left by a publish that was killed (its process no longer runs)."""
    for temp in target.parent.glob(f".{target.name}.*.tmp"):
        pid = temp.name.removeprefix(f".{target.name}.").removesuffix(".tmp")
        if pid.isdigit() and not pid_alive(int(pid)):
            _remove_files(temp)
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
