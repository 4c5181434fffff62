"""`newsdesk sql` cannot touch the file system: each probe of issue 12 is refused in one line."""

import datetime as dt
import hashlib
import os
import signal
import threading
import time

import polars as pl
import pytest

from newsdesk.warehouse import (
    QueryError,
    QueryInterrupted,
    ReadOnlyViolation,
    ReadSession,
    Warehouse,
    WarehouseError,
    run_read_only,
)

D = dt.date(2024, 2, 16)


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "wh" / "newsdesk.duckdb")
    warehouse.write(
        {
            "prices": pl.DataFrame(
                {"symbol": ["ADBE", "SSTK"], "date": [D, D], "close": [546.66, 45.2]}
            )
        }
    )
    return warehouse


def snapshot(root):
    """Every file under root with its size, mtime and content hash."""
    files = [path for path in sorted(root.rglob("*")) if path.is_file()]
    return {
        path: (
            path.stat().st_size,
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).digest(),
        )
        for path in files
    }


def probes(tmp_path, warehouse_path):
    new = tmp_path / "written.csv"
    return [
        f"EXPLAIN ANALYZE COPY (select 'x') TO '{warehouse_path}'",
        f"EXPLAIN ANALYZE COPY (select 'x') TO '{new}'",
        f"EXPLAIN COPY (select 'x') TO '{new}'",
        f"explain (format json) copy (select 'x') to '{new}'",
        f"/* a comment */ explain -- another\n analyze copy (select 'x') to '{new}'",
        f"explain explain analyze copy prices to '{new}'",
        f"copy prices to '{new}'",
        f"select 1; copy prices to '{new}'",
        f"export database '{tmp_path / 'exported'}'",
        "select * from read_csv('/etc/passwd')",
        "select * from read_csv('/etc/passwd', sep = ':')",
        "select * from read_text('/etc/passwd')",
        "select * from read_blob('/etc/hostname')",
        "select * from glob('/**')",
        "select * from sniff_csv('/etc/passwd')",
        f"select * from '{warehouse_path}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "reset enable_external_access",
        "pragma enable_profiling = 'json'",
        "delete from prices",
        "create table memory.main.x as select 1",
        "checkpoint",
    ]


def test_every_probe_is_refused_in_one_line_and_nothing_on_disk_changes(wh, tmp_path):
    before = snapshot(tmp_path)
    for statement in probes(tmp_path, wh.path):
        with pytest.raises(WarehouseError) as caught:
            run_read_only(wh.path, statement)
        message = str(caught.value)
        assert message and "\n" not in message, statement
        assert snapshot(tmp_path) == before, statement
    # and with the read copy published, the same again
    wh.publish_read_copy()
    before = snapshot(tmp_path)
    for statement in probes(tmp_path, wh.path):
        with ReadSession(wh.path) as session, pytest.raises(WarehouseError) as caught:
            session.run(statement)
        assert "\n" not in str(caught.value), statement
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "statement",
    ["explain analyze copy (select 1) to 'x.csv'", "explain copy prices to 'x.csv'",
     "EXPLAIN (FORMAT JSON) COPY prices TO 'x.csv'", "explain analyze delete from prices",
     "explain insert into prices (symbol, date) values ('X', DATE '2024-01-01')",
     "explain attach 'x.duckdb'", "explain garbage that is not sql"],
)  # fmt: skip
def test_explain_is_checked_for_what_it_explains(wh, statement):
    with pytest.raises(ReadOnlyViolation, match="refused|cannot tell|syntax|Parser"):
        run_read_only(wh.path, statement)


@pytest.mark.parametrize(
    "statement",
    ["explain select * from prices", "explain analyze select count(*) from prices",
     "EXPLAIN (FORMAT JSON) SELECT 1", "explain (select 1)", "pragma show_tables",
     "describe prices", "show tables", "summarize prices", "from prices"],
)  # fmt: skip
def test_reads_and_explained_reads_still_run(wh, statement):
    assert run_read_only(wh.path, statement).height >= 1


def test_files_are_readable_only_by_explicit_opt_in(wh, tmp_path):
    csv = tmp_path / "extra.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    query = f"select a + b as total from read_csv('{csv}')"
    with ReadSession(wh.path) as session, pytest.raises(ReadOnlyViolation, match="files"):
        session.run(query)
    with ReadSession(wh.path, allow_files=True) as session:
        assert session.run(query)[0].frame["total"].to_list() == [3]
        with pytest.raises(ReadOnlyViolation):  # reading is opted in, writing never is
            session.run(f"copy (select 1) to '{tmp_path / 'out.csv'}'")
    assert not (tmp_path / "out.csv").exists()


def test_a_session_shows_every_statement_s_result(wh):
    with ReadSession(wh.path) as session:
        results = session.run("select count(*) n from prices; select 'x' s; pragma version")
    assert [r.sql.strip().rstrip(";").split()[0] for r in results] == ["select", "select", "pragma"]
    assert results[0].frame["n"].to_list() == [2]
    assert results[1].frame["s"].to_list() == ["x"]


def test_a_failing_statement_keeps_the_results_before_it(wh):
    with ReadSession(wh.path) as session:
        with pytest.raises(QueryError, match="nope") as caught:
            session.run("select 1 as one; select * from nope")
        assert [r.frame["one"].to_list() for r in caught.value.done] == [[1]]
        assert session.run("select 2 as two")[0].frame["two"].to_list() == [2]  # still usable


def test_types_polars_cannot_hold_are_shown_as_text(wh):
    with ReadSession(wh.path) as session:
        frame = session.run("select interval 1 day as i, 'ab'::blob as b")[0].frame
    assert frame["i"].to_list() == ["1 day"]


def test_tables_and_schema_describe_the_warehouse(wh):
    with ReadSession(wh.path) as session:
        tables = session.tables()
        schema = session.schema("prices")
        with pytest.raises(QueryError, match="no table or view named 'nope'"):
            session.schema("nope")
    assert {"prices", "claims", "runs", "daily_moves", "claim_verdicts"} <= set(tables)
    first, *columns = schema.splitlines()
    assert first.startswith("-- ") and len(first) > 10  # the table's description
    assert any(line.split()[:3] == ["symbol", "VARCHAR", "NOT"] for line in columns)
    assert columns[-2].strip() == "PRIMARY KEY (symbol, date)"
    assert all("--" in line for line in columns[1:-2])  # every column described


def test_interrupt_cancels_the_running_statement_not_the_session(wh):
    with ReadSession(wh.path) as session:
        threading.Timer(0.3, session.interrupt).start()
        started = time.monotonic()
        with pytest.raises(QueryInterrupted):
            session.run("select count(*) from range(100000000000)")
        assert time.monotonic() - started < 20
        assert session.run("select 42 as x")[0].frame["x"].to_list() == [42]


def test_ctrl_c_cancels_the_statement(wh):
    with ReadSession(wh.path) as session:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(QueryInterrupted):
            session.run("select count(*) from range(100000000000)")
        assert session.run("select 1 as x")[0].frame["x"].to_list() == [1]


def test_no_warehouse_is_one_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at"):
        ReadSession(tmp_path / "missing.duckdb")
