"""Every schema in newsdesk.tables is the warehouse table it shapes, column for column."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.tables import TABLES
from newsdesk.warehouse import Warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return Warehouse(Path(tmp_path_factory.mktemp("schemas")) / "w.duckdb")


def test_every_table_python_writes_has_a_schema(warehouse: Warehouse) -> None:
    migrated = set(warehouse.query("select table_name from duckdb_tables()")["table_name"])
    assert migrated - {"schema_version"} == set(TABLES)


# The transforms, the steps and the tests build their frames from these schemas, so this is
# what keeps them honest: the migrations in sql/schema are written apart from them.
@pytest.mark.parametrize("table", sorted(TABLES))
def test_schema_is_the_warehouse_table(warehouse: Warehouse, table: str) -> None:
    assert list(warehouse.table(table).schema.items()) == list(TABLES[table].items())
