"""SVG charts of the closes around a price move's reference day, the stated move marked.

Drawn by hand as a few SVG elements: a line of closes, the reference day, the close the
stated move implies. No plotting library, so a report costs milliseconds per chart, and the
HTML page inlines the chart as text.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

import polars as pl

from newsdesk.report.figures import stated_figure

CHART_WINDOW = 5  # trading days either side of the reference day
WIDTH, HEIGHT = 520, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 56  # margins around the plot area
LINE, MARK = "#345", "#c33"


def price_move_chart(claim: dict[str, Any], prices: pl.DataFrame) -> str | None:
    """SVG of the closes ±5 trading days around a price move's day, the stated move marked."""
    subjects = claim.get("subjects") or []
    ref = claim.get("reference_date")
    if claim.get("claim_type") != "price_move" or len(subjects) != 1 or ref is None:
        return None
    if prices.height == 0 or claim.get("value") is None:
        return None
    series = prices.filter(pl.col("symbol") == subjects[0]).sort("date").select("date", "close")
    series = series.drop_nulls("close")
    dates = series["date"].to_list()
    if ref not in dates:
        return None
    at = dates.index(ref)
    window = series.slice(max(at - CHART_WINDOW, 0), 2 * CHART_WINDOW + 1)
    previous = series["close"][at - 1] if at else None
    target = previous * (1 + claim["value"] / 100) if previous is not None else None
    return _svg(
        window["date"].to_list(), window["close"].to_list(), ref, subjects[0], claim, target
    )


def _svg(
    days: list[date],
    closes: list[float],
    ref: date,
    symbol: str,
    claim: dict[str, Any],
    target: float | None,
) -> str:
    values = closes + ([target] if target is not None else [])
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or abs(high) * 0.01 or 1.0
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(closes))
    ref_x = x(days.index(ref))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="sans-serif" font-size="11">',
        f"<title>{escape(symbol)} close around {ref.isoformat()}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#ccc"/>',
        f'<text x="{LEFT}" y="20" font-size="13">{escape(symbol)} close</text>',
    ]
    for value in (high - pad, low + pad):  # the top and bottom of the data, labelled
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:,.2f}</text>'
        )
    for i in sorted({0, len(days) - 1}):
        parts.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{days[i].isoformat()}</text>"
        )
    parts.append(
        f'<line x1="{ref_x:.1f}" y1="{TOP}" x2="{ref_x:.1f}" y2="{TOP + plot_h}" '
        f'stroke="{MARK}" stroke-dasharray="2 3"/>'
    )
    legend = [f"reference day {ref.isoformat()}"]
    if target is not None:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(target):.1f}" x2="{LEFT + plot_w}" y2="{y(target):.1f}" '
            f'stroke="{MARK}" stroke-dasharray="6 4"/>'
        )
        legend.append(f"dashed: stated {stated_figure(claim)} from the previous close")
    parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="1.5"/>')
    parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" fill="{LINE}"/>'
              for p in points.split()]  # fmt: skip
    for n, text in enumerate(legend):
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 22 + 13 * n}" fill="{MARK}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
