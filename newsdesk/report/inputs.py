"""What a day's report reads from the warehouse: claims, articles, prices with benchmarks,
tickers and the day's data-quality counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from newsdesk.report.benchmarks import benchmarks_for
from newsdesk.report.quality import QualityCounts, quality_counts

if TYPE_CHECKING:  # the renderers need no database: importing the report loads no DuckDB
    from newsdesk.warehouse import Warehouse


@dataclass(frozen=True)
class ReportInputs:
    """The frames render_report takes, read for one day."""

    claims: pl.DataFrame
    articles: pl.DataFrame
    prices: pl.DataFrame  # the subjects' bars and their benchmarks'
    tickers: pl.DataFrame
    quality: QualityCounts | None


def load_report_inputs(
    warehouse: Warehouse, day: date, *, run_id: str | None = None
) -> ReportInputs:
    """Read a day's report inputs; the quality counts are run_id's checks when it ran any (the
    run writing the report), else those of the latest checked run recorded for the day."""
    claims, articles, prices = warehouse.report_inputs(day)
    tickers = warehouse.table("tickers")
    symbols = claims["subjects"].explode().drop_nulls().unique().to_list()
    held = set(prices["symbol"].unique().to_list())
    extra = [s for s in benchmarks_for(symbols, tickers) if s not in held]
    if extra:
        prices = pl.concat([prices, warehouse.prices_for(extra)], how="vertical_relaxed")
    quality = quality_counts(warehouse.read("report_quality", day=day, run_id=run_id))
    return ReportInputs(claims, articles, prices, tickers, quality)
