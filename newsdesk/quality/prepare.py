"""Loaded polars tables → the pandas frames GX checks: key and derived columns, nullable dtypes."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from newsdesk.quality.suites import Suite


def prepare_frame(
    frame: pl.DataFrame, suite: Suite, *, run_date: date, today: date
) -> pl.DataFrame:
    """Add the suite's key and derived columns (cross-column figures GX checks as one column)."""
    df = frame.with_columns(run_date=pl.lit(run_date), today=pl.lit(today))
    if suite.primary_key and all(c in df.columns for c in suite.primary_key):
        df = df.with_columns(
            pk=pl.concat_str([pl.col(c).cast(pl.String) for c in suite.primary_key], separator="|")
        )
    for column, sql in suite.derive.items():
        try:
            df = df.with_columns(pl.sql_expr(sql).alias(column))
        except pl.exceptions.PolarsError:
            # A missing source column: the columns-present expectation names it.
            continue
    return df.drop("run_date", "today")


def to_pandas(frame: pl.DataFrame) -> Any:
    """Nullable ints and bools so a NULL does not turn an int column into float64."""
    import pandas as pd
    import pyarrow as pa

    def mapper(t: pa.DataType) -> Any:
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        if pa.types.is_boolean(t):
            return pd.BooleanDtype()
        return None

    return frame.to_pandas(types_mapper=mapper)
