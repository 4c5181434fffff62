"""How `newsdesk sql` prints one statement's result: a table, CSV or JSON that never panics.

Values DuckDB returns that CSV or JSON have no word for are spelled out: BLOBs as hex, dates in
ISO form, NaN and infinities as null (JSON) — a BLOB column printed with `--format json` used
to panic inside polars' JSON writer.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

import polars as pl

FORMATS = ("table", "csv", "json")


def print_result(frame: pl.DataFrame | None, fmt: str, out: IO[str]) -> None:
    """One statement's result in the chosen format (nothing for a statement without rows)."""
    if frame is None:
        return
    if fmt == "json":
        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
        out.write(json.dumps(rows, ensure_ascii=False, allow_nan=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows([_csv_cell(v) for v in row] for row in frame.iter_rows())
    else:
        width = shutil.get_terminal_size((120, 40)).columns
        with pl.Config(
            tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=width,
            tbl_hide_dataframe_shape=True, fmt_table_cell_list_len=10, fmt_float="full",
        ):  # fmt: skip
            print(_hex_binaries(frame), file=out)
        print(f"({frame.height} row{'s' if frame.height != 1 else ''})", file=out)


def _plain(value: Any) -> Any:
    """A JSON value: bytes as hex, dates ISO, NaN and infinities null, nested values too."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):  # a JSON number, as DuckDB's own JSON output writes it
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _csv_cell(value: Any) -> Any:
    """CSV has no nesting: lists joined with '|', structs as JSON, bytes as hex."""
    if isinstance(value, list | tuple):
        return "|".join("" if v is None else str(_plain(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(_plain(value), ensure_ascii=False)
    plain = _plain(value)
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return plain


def _hex_binaries(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(name).bin.encode("hex") for name, dtype in frame.schema.items() if dtype == pl.Binary
    )
