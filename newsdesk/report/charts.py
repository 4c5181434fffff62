"""PNG charts of the closes around a price move's reference day, the stated move marked."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import polars as pl

from newsdesk.report.figures import stated_figure

CHART_WINDOW = 5  # trading days either side of the reference day


def price_move_chart(claim: dict[str, Any], prices: pl.DataFrame) -> bytes | None:
    """PNG of the closes ±5 trading days around a price move's day, the stated move marked."""
    subjects = claim.get("subjects") or []
    ref = claim.get("reference_date")
    if claim.get("claim_type") != "price_move" or len(subjects) != 1 or ref is None:
        return None
    if prices.height == 0 or claim.get("value") is None:
        return None
    series = prices.filter(pl.col("symbol") == subjects[0]).sort("date").select("date", "close")
    dates = series["date"].to_list()
    if ref not in dates:
        return None
    at = dates.index(ref)
    window = series.slice(max(at - CHART_WINDOW, 0), 2 * CHART_WINDOW + 1)
    return _plot(window, ref, subjects[0], claim, series["close"][at - 1] if at else None)


def _plot(
    window: pl.DataFrame, ref: date, symbol: str, claim: dict[str, Any], prev: float | None
) -> bytes:
    # Figure without pyplot: no global state, and the Agg canvas needs no display.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 2.5), dpi=100)
    ax = fig.subplots()
    ax.plot(window["date"].to_list(), window["close"].to_list(), marker="o", ms=3, color="#345")
    ax.axvline(ref, color="#c33", lw=1, ls=":", label=f"reference day {ref.isoformat()}")
    if prev is not None:
        target = prev * (1 + claim["value"] / 100)
        label = f"stated {stated_figure(claim)}"
        ax.axhline(target, color="#c33", lw=1, ls="--", label=label)
    ax.set_title(f"{symbol} close", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
