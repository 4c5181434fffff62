"""A price move beside its benchmark's move the same session: the abnormal return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from newsdesk.report.figures import move_figure, points_figure


def benchmark_map(tickers: pl.DataFrame) -> dict[str, str]:
    """symbol → its configured benchmark, for the tickers that have one."""
    if "benchmark" not in tickers.columns:  # a warehouse from before migration 009
        return {}
    pairs = tickers.select("symbol", "benchmark").drop_nulls().iter_rows()
    return {symbol: bench for symbol, bench in pairs if bench and bench != symbol}


def benchmarks_for(symbols: Iterable[str], tickers: pl.DataFrame) -> list[str]:
    """The benchmarks of the symbols, each once, sorted: what the market step fetches besides."""
    table = benchmark_map(tickers)
    return sorted({table[s] for s in symbols if s in table})


@dataclass(frozen=True)
class MarketMove:
    """One symbol's close-to-close move on a day, beside its benchmark's."""

    symbol: str
    day: date
    move: float | None  # percent; None when the symbol has no close on the day and before
    benchmark: str | None  # None when none is configured (an index, a benchmark itself)
    benchmark_move: float | None  # None when the benchmark's prices are not loaded

    def text(self) -> str:
        """'ADBE −7.41%, QQQ −0.91%: −6.50 points against the market', or why not."""
        if self.move is None:
            return (
                f"no {self.symbol} move for {self.day}: "
                "its close that day or the one before is not loaded"
            )
        own = f"{self.symbol} {move_figure(self.move)}"
        if self.benchmark is None:
            return f"{own}; no benchmark configured for {self.symbol}"
        if self.benchmark_move is None:
            return f"{own}; benchmark {self.benchmark} not loaded for {self.day}"
        return (
            f"{own}, {self.benchmark} {move_figure(self.benchmark_move)}: "
            f"{points_figure(self.abnormal)} against the market"
        )

    @property
    def abnormal(self) -> float | None:
        """The move minus the benchmark's, in percentage points, of the figures as printed.

        Both moves are printed to the hundredth, so the difference is taken of those: the
        reader's subtraction then checks out (−7.41 − −0.91 = −6.50, not −6.51).
        """
        if self.move is None or self.benchmark_move is None:
            return None
        return round(self.move, 2) - round(self.benchmark_move, 2)


def market_move(
    claim: dict[str, Any], prices: pl.DataFrame, tickers: pl.DataFrame
) -> MarketMove | None:
    """The claim's subject's move on its reference day beside its benchmark's; None unless the
    claim is a price move with a subject and a day (the first subject, as the verdict reads)
    and the tickers say which benchmarks there are."""
    subjects = claim.get("subjects") or []
    day = claim.get("reference_date")
    if claim.get("claim_type") != "price_move" or not subjects or day is None:
        return None
    if "benchmark" not in tickers.columns:  # no tickers given: no market context asked for
        return None
    symbol = subjects[0]
    benchmark = benchmark_map(tickers).get(symbol)
    return MarketMove(
        symbol=symbol,
        day=day,
        move=close_to_close(prices, symbol, day),
        benchmark=benchmark,
        benchmark_move=close_to_close(prices, benchmark, day) if benchmark else None,
    )


def close_to_close(prices: pl.DataFrame, symbol: str, day: date) -> float | None:
    """The percent change from the previous session's close to the day's close, if both held."""
    if prices.height == 0:
        return None
    series = (
        prices.filter((pl.col("symbol") == symbol) & (pl.col("date") <= day))
        .sort("date")
        .select("date", "close")
        .drop_nulls()
        .tail(2)
    )
    if series.height < 2 or series["date"][-1] != day or not series["close"][0]:
        return None
    return (series["close"][1] / series["close"][0] - 1) * 100
