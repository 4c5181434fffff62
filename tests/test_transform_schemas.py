"""Each transform's declared schema is the warehouse table it loads, column for column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from newsdesk.transform.fx import FX_SCHEMA
from newsdesk.transform.prices import DIVIDENDS_SCHEMA, PRICES_SCHEMA, SPLITS_SCHEMA
from newsdesk.transform.shares import SHARES_SCHEMA
from newsdesk.transform.valuations import VALUATIONS_SCHEMA
from newsdesk.warehouse import Warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return Warehouse(Path(tmp_path_factory.mktemp("schemas")) / "w.duckdb")


# The tests import these schemas to build their frames, so this is what keeps them honest:
# the migrations in sql/schema are written apart from the transforms.
@pytest.mark.parametrize(
    ("table", "schema"),
    [
        ("prices", PRICES_SCHEMA),
        ("splits", SPLITS_SCHEMA),
        ("dividends", DIVIDENDS_SCHEMA),
        ("fx_rates", FX_SCHEMA),
        ("shares_outstanding", SHARES_SCHEMA),
        ("valuations", VALUATIONS_SCHEMA),
    ],
)
def test_schema_is_the_warehouse_table(
    warehouse: Warehouse, table: str, schema: dict[str, pl.DataType]
) -> None:
    assert list(warehouse.table(table).schema.items()) == list(schema.items())
