"""The read copy: any DuckDB tool opens it, and readers and the writer never wait for each other."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from newsdesk.warehouse import (
    STORAGE_VERSION,
    ReadSession,
    Warehouse,
    WarehouseError,
    read_copy_path,
)

D = dt.date(2024, 2, 16)
CLI = Path(sys.executable).parent / "duckdb"  # dev dependency duckdb-cli==1.5.6


def prices(*rows):
    return pl.DataFrame(
        [dict(zip(("symbol", "date", "close"), r, strict=True)) for r in rows],
        schema={"symbol": pl.Utf8, "date": pl.Date, "close": pl.Float64},
    )


def cli(*args: str) -> subprocess.CompletedProcess:
    assert CLI.exists(), f"{CLI} missing: `make install` installs the DuckDB CLI 1.5.6"
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60)


def storage_tag(path: Path) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as f (read_only)")
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'f'"
        ).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "newsdesk.duckdb")
    warehouse.write({"prices": prices(("ADBE", D, 546.66), ("SSTK", D, 45.2))})
    return warehouse


def test_read_copy_sits_beside_the_warehouse():
    assert read_copy_path(Path("/w/newsdesk.duckdb")) == Path("/w/newsdesk.read.duckdb")


def test_the_newest_registry_cli_opens_the_read_copy_and_the_warehouse(wh):
    assert cli("--version").stdout.startswith("v1.5.")
    copy = wh.publish_read_copy()
    assert copy == read_copy_path(wh.path)
    for path in (copy, wh.path):  # both written in the compatible storage format
        done = cli(
            "-readonly", "-csv", str(path), "-c", "select symbol, close from prices order by 1"
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["symbol,close", "ADBE,546.66", "SSTK,45.2"]
        assert storage_tag(path) == f"{STORAGE_VERSION}+"


def test_the_read_copy_carries_views_keys_and_descriptions(wh):
    copy = wh.publish_read_copy()
    done = cli(
        "-readonly", "-csv", str(copy), "-c",
        "select count(*) as n from daily_moves; "
        "select comment is not null as described from duckdb_tables() where table_name = 'prices'; "
        "select count(*) as keys from duckdb_constraints() "
        "where table_name = 'prices' and constraint_type = 'PRIMARY KEY'",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "2", "described", "true", "keys", "1"]


def test_a_reader_holding_the_copy_never_blocks_the_writer_and_new_readers_see_new_data(wh):
    copy = wh.publish_read_copy()
    holder = subprocess.Popen(  # a DuckDB CLI session left open on the read copy
        [str(CLI), "-readonly", str(copy)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, bufsize=1,
    )  # fmt: skip

    def ask(sql: str) -> str:
        holder.stdin.write(f"{sql};\n")
        holder.stdin.flush()
        return [holder.stdout.readline() for _ in range(2)][1].strip()

    try:
        holder.stdin.write(".mode csv\n")
        assert ask("select count(*) from prices") == "2"
        in_process = ReadSession(wh.path)  # an old reader in this process too
        assert in_process.path == copy

        started = time.monotonic()
        wh.write({"prices": prices(("GOOGL", D, 140.52))})
        wh.publish_read_copy()
        assert time.monotonic() - started < 30  # no 60 s wait on a lock, no failure

        assert ask("select count(*) from prices") == "2"  # the old reader keeps its view
        assert in_process.run("select count(*) n from prices")[0].frame["n"][0] == 2
        with ReadSession(wh.path) as fresh:
            assert fresh.path == copy
            assert fresh.run("select count(*) n from prices")[0].frame["n"][0] == 3
        in_process.close()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    done = cli("-readonly", "-csv", str(copy), "-c", "select count(*) n from prices")
    assert done.stdout.split() == ["n", "3"]


def test_a_reader_on_the_warehouse_uses_it_while_the_copy_is_older(wh):
    wh.publish_read_copy()
    time.sleep(0.01)
    wh.write({"prices": prices(("GOOGL", D, 140.52))})
    os.utime(wh.path)  # the warehouse changed after the copy was published
    with ReadSession(wh.path) as session:
        assert session.path == wh.path
        assert session.run("select count(*) n from prices")[0].frame["n"][0] == 3


def test_a_reader_falls_back_to_the_copy_while_a_load_holds_the_warehouse(wh):
    wh.publish_read_copy()
    os.utime(wh.path)  # the copy looks older, so the warehouse is tried first
    writer = subprocess.Popen(  # another process holding the write lock, as a load does
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(wh.path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "holding"
        with ReadSession(wh.path, wait_seconds=0.2) as session:
            assert session.path == read_copy_path(wh.path)
            assert session.run("select count(*) n from prices")[0].frame["n"][0] == 2
    finally:
        writer.kill()
        writer.wait(timeout=30)


HOLD_WRITE_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_publish_leaves_no_temp_file_and_clears_those_of_killed_publishers(wh):
    copy = read_copy_path(wh.path)
    dead = copy.with_name(f".{copy.name}.999999999.tmp")  # no such process
    dead.write_bytes(b"half a copy")
    wh.publish_read_copy()
    assert sorted(p.name for p in wh.path.parent.iterdir()) == [
        "newsdesk.duckdb",
        "newsdesk.read.duckdb",
    ]


def test_a_warehouse_in_duckdb_2_format_keeps_working_and_its_copy_opens_anywhere(tmp_path):
    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()  # created before this change: DuckDB 2.0's own format
    assert storage_tag(path).startswith("v2.")
    old = Warehouse(path)
    old.write({"prices": prices(("ADBE", D, 546.66))})
    assert storage_tag(path).startswith("v2.")  # a file keeps the format it was created in
    assert cli("-readonly", str(path), "-c", "select 1").returncode != 0
    copy = old.publish_read_copy()
    done = cli("-readonly", "-csv", str(copy), "-c", "select symbol from prices")
    assert done.stdout.split() == ["symbol", "ADBE"], done.stderr


def test_a_2_0_format_warehouse_converts_to_the_compatible_format(tmp_path):
    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()  # DuckDB 2.0's own format
    old = Warehouse(path)
    old.write({"prices": prices(("ADBE", D, 546.66), ("SSTK", D, 45.2))})
    before = old.checksums(["prices", "tickers", "schema_version"])
    assert old.convert_storage() is True
    assert storage_tag(path) == f"{STORAGE_VERSION}+"
    assert old.checksums(["prices", "tickers", "schema_version"]) == before
    done = cli("-readonly", "-csv", str(path), "-c", "select count(*) n from prices")
    assert done.stdout.split() == ["n", "2"], done.stderr
    assert old.convert_storage() is False  # already compatible: left alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.duckdb"]


@pytest.mark.parametrize("keep", [5000, 12288 + 100])
def test_a_truncated_warehouse_is_an_error_naming_the_file(wh, tmp_path, keep):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(wh.path.read_bytes()[:keep])  # cut inside the header and catalog
    with pytest.raises(WarehouseError, match="broken.duckdb") as caught:
        Warehouse(broken).query("select count(*) from prices")
    assert "\n" not in str(caught.value)
    with pytest.raises(WarehouseError, match="broken.duckdb"):
        ReadSession(broken)


@pytest.mark.slow
def test_a_cli_reader_holding_the_copy_through_a_whole_backfill_never_blocks_it(tmp_path):
    """Done-when of issue 10: a reader holds the read copy open during a run; the run
    completes, the reader keeps its view, and a reader opened after sees the new data."""
    from tests.builders import make_workspace

    workspace = make_workspace(tmp_path)
    newsdesk = str(Path(sys.executable).with_name("newsdesk"))
    env = {**os.environ, "NEWSDESK_PREFECT": "direct", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)

    def backfill(end: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [newsdesk, "backfill", "--start", "2024-02-12", "--end", end, "--offline",
             "--config", str(workspace.config)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    first = backfill("2024-02-14")
    assert first.returncode == 0, first.stderr[-2000:]
    copy = read_copy_path(workspace.warehouse)
    # The runs on record: the second backfill adds its own (its prices may already be held:
    # the landed charts run past the first range).
    count = "select count(*) from runs;\n"
    reader = subprocess.Popen(
        [str(CLI), "-readonly", "-csv", "-noheader", str(copy)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        reader.stdin.write(count)
        reader.stdin.flush()
        before = int(reader.stdout.readline())  # the reader has the copy open from here on
        second = backfill("2024-02-21")
        assert second.returncode == 0, second.stderr[-2000:]
        reader.stdin.write(count)
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == before  # its own view, never torn
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    after = cli("-readonly", "-csv", "-noheader", str(copy), "-c", count.strip())
    assert after.returncode == 0, after.stderr
    assert int(after.stdout) == before + 1  # the second run is in the new copy
