"""The warehouse: migrations, upserts, atomic batches and the read-only door."""

import datetime as dt
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from newsdesk.staging import stage_frame
from newsdesk.storage import Store
from newsdesk.warehouse import (
    SQL_DIR,
    ReadOnlyViolation,
    Replace,
    Warehouse,
    WarehouseError,
    run_read_only,
)

D = dt.date(2024, 2, 16)


@pytest.fixture
def wh(tmp_path):
    return Warehouse(tmp_path / "w.duckdb")


def prices(*rows):
    return pl.DataFrame(
        [dict(zip(("symbol", "date", "close"), r, strict=True)) for r in rows],
        schema={"symbol": pl.Utf8, "date": pl.Date, "close": pl.Float64},
    )


def test_migrations_create_every_contract_table_once(wh):
    tables = set(wh.query("select table_name from duckdb_tables()")["table_name"].to_list())
    assert {
        "tickers",
        "prices",
        "fx_rates",
        "valuations",
        "articles",
        "events",
        "claims",
        "dq_results",
        "runs",
        "splits",
        "shares_outstanding",
        "schema_version",
    } <= tables
    versions = wh.query("select version from schema_version order by 1")["version"].to_list()
    assert versions[0] == 1
    assert wh.migrate() == []  # nothing left to apply


def test_claims_precision_reaches_a_warehouse_made_before_it(wh):
    # a warehouse from before 006: claims rows without the column, 006 not recorded
    with wh.connect() as con:
        con.execute("insert into claims (claim_id, value, span) values ('old', -1.58, '1.58%')")
        con.execute("alter table claims drop column precision")
        con.execute("delete from schema_version where version = 6")
    assert wh.migrate() == ["006_claims_precision.sql"]
    rows = wh.query("select claim_id, precision from claims").rows()
    assert rows == [("old", None)]  # old rows: the verifier reads their span again


def test_tickers_seed_loaded_with_aliases(wh):
    row = wh.query("select symbol, cik, aliases from tickers where symbol = 'GOOGL'").row(0)
    assert row[1] == "0001652044"
    assert "谷歌母公司" in row[2]


def test_upsert_replaces_on_primary_key(wh):
    wh.write({"prices": prices(("ADBE", D, 1.0), ("SSTK", D, 2.0))})
    wh.write({"prices": prices(("ADBE", D, 546.66))})
    got = wh.query("select symbol, close from prices order by symbol").rows()
    assert got == [("ADBE", 546.66), ("SSTK", 2.0)]


def test_duplicate_keys_in_one_batch_keep_the_last(wh):
    wh.write({"prices": prices(("ADBE", D, 1.0), ("ADBE", D, 3.0))})
    assert wh.query("select close from prices").rows() == [(3.0,)]


def test_rerun_leaves_checksums_identical(wh):
    batch = {"prices": prices(("ADBE", D, 546.66), ("GOOGL", D, 140.52))}
    wh.write(batch)
    before = wh.checksums(["prices"])
    wh.write(batch)
    assert wh.checksums(["prices"]) == before


def test_failure_mid_batch_leaves_nothing(wh):
    wh.write({"prices": prices(("ADBE", D, 1.0))})
    before = wh.checksums(["prices", "fx_rates"])
    good = prices(("ADBE", D, 99.0), ("SSTK", D, 45.2))
    bad = pl.DataFrame({"date": [D], "base": ["USD"], "quote": ["CNY"], "rate": ["not a number"]})
    with pytest.raises(WarehouseError) as caught:
        wh.write([("prices", good), ("fx_rates", bad)])
    assert isinstance(caught.value.__cause__, duckdb.Error)  # the real cause is kept
    assert wh.checksums(["prices", "fx_rates"]) == before


def test_duckdb_errors_leave_the_warehouse_as_its_own_with_the_cause(wh):
    with pytest.raises(WarehouseError, match="nope") as caught:
        wh.query("select * from nope")
    assert isinstance(caught.value.__cause__, duckdb.Error)


def test_named_reads_bound_prices_only_where_bounds_are_given(wh):
    day = dt.timedelta(days=1)
    wh.write({"prices": prices(("ADBE", D - day, 1.0), ("ADBE", D, 2.0), ("SSTK", D, 3.0))})
    assert wh.prices_for(["ADBE"])["close"].sort().to_list() == [1.0, 2.0]
    assert wh.prices_for(["ADBE", "SSTK"], D, D)["close"].sort().to_list() == [2.0, 3.0]
    assert wh.prices_for(["ADBE"], end=D - day)["close"].to_list() == [1.0]
    assert wh.held_sessions(["ADBE", "GOOGL"], D - day, D) == {"ADBE": {D - day, D}}


def test_replace_removes_rows_no_longer_derived(wh):
    claims = pl.DataFrame({"claim_id": ["a", "b"], "article_id": ["x", "x"]})
    wh.write({"claims": claims})
    wh.write({"claims": claims.head(1)}, replace=[Replace("claims", "article_id", ["x"])])
    assert wh.query("select claim_id from claims").rows() == [("a",)]


@pytest.mark.parametrize(
    "statement",
    ["delete from prices", "insert into prices values ('X', DATE '2024-01-01')",
     "drop table prices", "attach 'other.duckdb'", "copy prices to 'x.csv'",
     "select 1; delete from prices"],
)  # fmt: skip
def test_read_only_refuses_writes(wh, statement):
    wh.write({"prices": prices(("ADBE", D, 1.0))})
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        run_read_only(wh.path, statement)
    assert wh.query("select count(*) n from prices")["n"][0] == 1


def test_read_only_answers_reads(wh):
    wh.write({"prices": prices(("ADBE", D, 546.66))})
    frame = run_read_only(wh.path, "select symbol, close from prices where date = '2024-02-16'")
    assert frame.rows() == [("ADBE", 546.66)]


def test_every_example_query_runs_read_only(wh):
    for query in sorted((SQL_DIR / "queries").glob("*.sql")):
        frame = run_read_only(wh.path, query.read_text(encoding="utf-8"))
        assert frame.width >= 2, query.name


def test_daily_moves_view(wh):
    wh.write({"prices": prices(("ADBE", D - dt.timedelta(days=1), 590.44), ("ADBE", D, 546.66))})
    move = wh.query("select pct_change from daily_moves where date = ?", [D])["pct_change"]
    assert move.to_list() == [round(100 * (546.66 / 590.44 - 1), 4)]


def test_a_failed_commit_reports_its_own_cause_not_the_rollback(wh, monkeypatch):
    # A full disk fails the COMMIT, and DuckDB ends the transaction itself: the rollback that
    # follows fails with "no transaction is active", which used to hide the real error.
    import newsdesk.warehouse as module

    real_upsert = module._upsert

    def upsert_then_disk_full(con, table, frame):
        real_upsert(con, table, frame)
        con.execute("rollback")  # the transaction is gone, as after a failed commit
        raise duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device')

    monkeypatch.setattr(module, "_upsert", upsert_then_disk_full)
    with pytest.raises(WarehouseError, match="No space left on device") as caught:
        wh.write({"prices": prices(("ADBE", D, 1.0))})
    assert "rollback" not in str(caught.value)
    monkeypatch.undo()
    assert wh.query("select count(*) n from prices")["n"][0] == 0


def test_migrations_describe_every_table_view_and_column(wh):
    missing = wh.query(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and not internal "
        "and (comment is null or comment = '') order by all"
    ).rows()
    assert missing == []
    bare = wh.query(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and (comment is null or comment = '') union all select view_name from duckdb_views() "
        "where database_name = current_database() and not internal "
        "and (comment is null or comment = '')"
    ).rows()
    assert bare == []


TABLE_DOCS = Path(__file__).resolve().parents[1] / "docs" / "tables.md"
# Facts first, then what the news says and what was decided, then bookkeeping; others after.
TABLE_ORDER = ["tickers", "prices", "splits", "dividends", "fx_rates", "shares_outstanding",
               "valuations", "articles", "events", "claims", "dq_results", "runs"]  # fmt: skip
GENERATED = "<!-- tables: generated from the COMMENT ON text of sql/schema; do not edit by hand -->"


def render_table_docs(wh: Warehouse) -> str:
    """One section per table and view, from the descriptions the migrations give them."""
    objects = wh.query(
        "select table_name as name, comment, table_oid as oid, 'table' as kind "
        "from duckdb_tables() "
        "where database_name = current_database() union all "
        "select view_name, comment, view_oid, 'view' from duckdb_views() "
        "where database_name = current_database() and not internal"
    )
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    objects = objects.with_columns(
        rank=pl.when(pl.col("name") == "schema_version").then(2)
        .when(pl.col("kind") == "view").then(1).otherwise(0),
        place=pl.col("name").replace_strict(order, default=len(order)),
    ).sort("rank", "place", "name")  # fmt: skip
    columns = wh.query(
        "select table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() and not internal order by column_index"
    )
    keys = {
        table: set(names)
        for table, names in wh.query(
            "select table_name, constraint_column_names from duckdb_constraints() "
            "where database_name = current_database() and constraint_type = 'PRIMARY KEY'"
        ).iter_rows()
    }
    parts = [GENERATED]
    for name, comment, _, kind, *_ in objects.iter_rows():
        parts.append(f"\n### `{name}`{' (view)' if kind == 'view' else ''}\n\n{comment}\n")
        parts.append("| column | type | description |\n|---|---|---|")
        for _, column, data_type, text in columns.filter(pl.col("table_name") == name).iter_rows():
            key = ", key" if column in keys.get(name, set()) else ""
            text = (text or "").replace("|", "\\|")  # a bar would end the cell
            parts.append(f"| `{column}` | {data_type}{key} | {text} |")
    return "\n".join(parts) + "\n"


def test_docs_tables_md_carries_the_warehouse_descriptions(wh):
    # NEWSDESK_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_warehouse.py -k docs_tables
    # rewrites the generated part after a migration adds or changes a description.
    text = TABLE_DOCS.read_text(encoding="utf-8")
    prose = text.split(GENERATED)[0]
    expected = prose + render_table_docs(wh)
    if os.environ.get("NEWSDESK_UPDATE_DOCS") == "1":
        TABLE_DOCS.write_text(expected, encoding="utf-8")
        text = expected
    assert GENERATED in text, f"{TABLE_DOCS} lost its generated part"
    assert text == expected, f"{TABLE_DOCS} is out of date: run with NEWSDESK_UPDATE_DOCS=1"


def _staged_batch(store):
    """A batch as a loader receives it: two staged files (the second revises a key of the
    first, and repeats a key of its own), a replacement and an in-memory frame."""
    first = prices(("ADBE", D, 1.0), ("SSTK", D, 2.0))
    second = prices(("ADBE", D, 3.0), ("GOOGL", D, 4.0), ("GOOGL", D, 5.0))
    files = [
        stage_frame(store, f"run/prices/{i}.parquet", f) for i, f in enumerate([first, second])
    ]
    claims = pl.DataFrame({"claim_id": ["a"], "article_id": ["x"]})
    rule = Replace("prices", "symbol", ["OLD"], between=("date", D, D))
    return files, [first, second], claims, rule


def test_write_staged_upserts_as_write_does(tmp_path):
    store = Store(str(tmp_path / "staging"))
    files, frames, claims, rule = _staged_batch(store)
    by_frames, by_files = Warehouse(tmp_path / "a.duckdb"), Warehouse(tmp_path / "b.duckdb")
    for wh in (by_frames, by_files):  # a row the replacement removes, one it must leave
        wh.write({"prices": prices(("OLD", D, 9.0), ("OLD", D - dt.timedelta(days=1), 8.0))})
    want = by_frames.write([("prices", f) for f in frames] + [("claims", claims)], replace=[rule])
    got = by_files.write_staged({"prices": files}, frames={"claims": claims}, replace=[rule])
    assert got == want == {"prices": 4, "claims": 1}  # each file's rows once its keys are unique
    tables = ["prices", "claims"]
    assert by_files.checksums(tables) == by_frames.checksums(tables)
    rows = by_files.query("select symbol, close from prices order by symbol").rows()
    assert rows == [("ADBE", 3.0), ("GOOGL", 5.0), ("OLD", 8.0), ("SSTK", 2.0)]
    before = by_files.checksums(tables)
    by_files.write_staged({"prices": files}, frames={"claims": claims})  # a re-run
    assert by_files.checksums(tables) == before


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_write_staged_reads_a_store_s_paths_through_its_filesystem(tmp_path, kind):
    # memory:// stands in for s3:// here: both are fsspec filesystems DuckDB is handed
    root = str(tmp_path / "staging") if kind == "local" else f"memory://staged-{tmp_path.name}"
    store = Store(root)
    files, frames, _, _ = _staged_batch(store)
    expected = Warehouse(tmp_path / "expected.duckdb")
    expected.write([("prices", f) for f in frames])
    rels = ["run/prices/0.parquet", "run/prices/1.parquet"]
    for name, staged in (("rels", rels), ("locations", files)):
        wh = Warehouse(tmp_path / f"{name}.duckdb")
        assert wh.write_staged({"prices": staged}, store=store) == {"prices": 4}, name
        assert wh.checksums(["prices"]) == expected.checksums(["prices"]), name
    store.remove("")


def test_write_staged_failing_file_leaves_nothing(tmp_path):
    store = Store(str(tmp_path / "staging"))
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.write({"prices": prices(("ADBE", D, 1.0))})
    before = wh.checksums(["prices", "fx_rates"])
    good = stage_frame(store, "run/prices/0.parquet", prices(("ADBE", D, 99.0)))
    bad = pl.DataFrame({"date": [D], "base": ["USD"], "quote": ["CNY"], "rate": ["not a number"]})
    with pytest.raises(WarehouseError) as caught:
        wh.write_staged(
            {"prices": [good], "fx_rates": [stage_frame(store, "run/fx/0.parquet", bad)]},
            replace=[Replace("prices", "symbol", ["ADBE"])],
        )
    assert isinstance(caught.value.__cause__, duckdb.ConversionException), caught.value
    assert "not a number" in str(caught.value)  # DuckDB's own error, not a later one's
    assert wh.checksums(["prices", "fx_rates"]) == before
    with pytest.raises(WarehouseError, match="missing.parquet"):  # a file not there, too
        wh.write_staged({"prices": [good, str(tmp_path / "missing.parquet")]})
    assert wh.checksums(["prices", "fx_rates"]) == before


def test_write_staged_in_parts_gives_what_one_transaction_gives(tmp_path):
    store = Store(str(tmp_path / "staging"))
    files, _, claims, _ = _staged_batch(store)
    whole, parts = Warehouse(tmp_path / "whole.duckdb"), Warehouse(tmp_path / "parts.duckdb")
    want = whole.write_staged({"prices": files}, frames={"claims": claims})
    got = parts.write_staged({"prices": files}, frames={"claims": claims}, commit_every=1)
    assert got == want == {"prices": 4, "claims": 1}
    tables = ["prices", "claims"]
    assert parts.checksums(tables) == whole.checksums(tables)
    parts.write_staged({"prices": files}, frames={"claims": claims}, commit_every=1)  # a re-run
    assert parts.checksums(tables) == whole.checksums(tables)
    with pytest.raises(ValueError, match="replacement"):
        parts.write_staged({"prices": files}, replace=[Replace("prices", "symbol", ["X"])],
                           commit_every=1)  # fmt: skip


def test_write_staged_in_parts_failing_leaves_the_parts_before_whole(tmp_path):
    store = Store(str(tmp_path / "staging"))
    files, frames, claims, _ = _staged_batch(store)
    expected = Warehouse(tmp_path / "expected.duckdb")
    expected.write([("prices", frames[0])])  # the first part alone
    wh = Warehouse(tmp_path / "w.duckdb")
    missing = str(tmp_path / "missing.parquet")
    with pytest.raises(WarehouseError, match="missing.parquet"):
        wh.write_staged(
            {"prices": [files[0], missing, files[1]]}, frames={"claims": claims}, commit_every=1
        )
    # The first file's part committed whole; the failing part and all after it are absent,
    # and so is the record of what was loaded (``frames``), so a re-run loads every file.
    assert wh.checksums(["prices", "claims"]) == expected.checksums(["prices", "claims"])
    assert wh.table("claims").is_empty()
    wh.write_staged({"prices": files}, frames={"claims": claims}, commit_every=1)
    whole = Warehouse(tmp_path / "whole.duckdb")
    whole.write_staged({"prices": files}, frames={"claims": claims})
    assert wh.checksums(["prices", "claims"]) == whole.checksums(["prices", "claims"])
