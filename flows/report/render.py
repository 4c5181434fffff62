"""The claims report: Markdown and standalone HTML with price charts, and Prefect artifacts."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

VERDICTS = ("supported", "contradicted", "unverifiable")
CHART_WINDOW = 5  # trading days either side of the reference day
MINUS = "\u2212"  # a real minus sign: "−7 %" reads better than "-7 %"
SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


@dataclass(frozen=True)
class ReportFiles:
    """Where the report for one date was written."""

    markdown: Path
    html: Path
    charts: list[Path]


def format_number(value: float, unit: str | None, currency: str | None = None) -> str:
    """A figure as a reader says it: '−7 %', '−48.0 B USD', '3×', '1,200'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = MINUS if value < 0 else ""
    size = abs(value)
    if unit == "percent":
        return f"{sign}{round(size, 2):g} %"
    if unit == "ratio":
        return f"{sign}{size:g}×"
    if unit == "currency":
        for factor, suffix in SCALES:
            if size >= factor:
                return f"{sign}{size / factor:.1f} {suffix} {currency or ''}".rstrip()
        return f"{sign}{size:,.0f} {currency or ''}".rstrip()
    return f"{sign}{size:,.0f}" if float(size).is_integer() else f"{sign}{size:,g}"


def stated_figure(claim: dict[str, Any]) -> str:
    """The stated value with its range, qualifier and stated conversion."""
    unit, currency = claim.get("unit"), claim.get("currency")
    text = format_number(claim.get("value"), unit, currency)
    range_end = claim.get("range_end")
    if range_end is not None and not math.isnan(range_end):
        text = f"{text} to {format_number(range_end, unit, currency)}"
    qualifier = claim.get("qualifier")
    if qualifier and qualifier != "exact":
        text = f"{text} ({qualifier})"
    counter = claim.get("counter_value")
    if counter is not None and not math.isnan(counter):
        text = f"{text} ≈ {format_number(counter, unit, claim.get('counter_currency'))}"
    return text


def observed_figure(claim: dict[str, Any]) -> str:
    """The measured figure in the claim's unit (a conversion is judged on its FX rate)."""
    observed = claim.get("observed")
    if claim.get("claim_type") == "currency_conversion" and observed is not None:
        pair = f"{claim.get('currency') or '?'}/{claim.get('counter_currency') or '?'}"
        return f"{observed:.4f} {pair}"
    return format_number(observed, claim.get("unit"), claim.get("currency"))


def verdict_counts(claims: pl.DataFrame) -> dict[str, int]:
    """Claims per verdict, plus the unjudged `other` figures."""
    rows = claims.to_dicts() if claims.height else []
    counts = {v: sum(1 for r in rows if r.get("verdict") == v) for v in VERDICTS}
    counts["other"] = sum(1 for r in rows if r.get("claim_type") == "other")
    return counts


def _article_index(articles: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["article_id"]: r for r in articles.to_dicts()} if articles.height else {}


def _split(claims: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Judged claims and the `other` figures, in the frame's order."""
    rows = claims.to_dicts() if claims.height else []
    judged = [r for r in rows if r.get("claim_type") != "other"]
    return judged, [r for r in rows if r.get("claim_type") == "other"]


def _subjects(claim: dict[str, Any]) -> str:
    return ", ".join(claim.get("subjects") or [])


def _what(claim: dict[str, Any]) -> str:
    """'price_move ADBE', or just the type when the claim names no subject."""
    return " ".join(filter(None, [claim.get("claim_type") or "", _subjects(claim)]))


def _safe_url(url: Any) -> str:
    """Only web links: a feed could hand us a javascript: URL."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""


def _md(text: Any) -> str:
    """Article text in Markdown: no raw HTML, no table-breaking pipes or newlines."""
    return html.escape(str(text or "")).replace("|", "\\|").replace("\n", " ")


def _header_line(claims: pl.DataFrame) -> str:
    counts = verdict_counts(claims)
    judged = ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
    total, other = sum(counts[v] for v in VERDICTS), counts["other"]
    return (
        f"{total} claim{'s' if total != 1 else ''} judged: {judged}; "
        f"{other} other figure{'s' if other != 1 else ''} not checked."
    )


def report_markdown(claims: pl.DataFrame, articles: pl.DataFrame, *, report_date: date) -> str:
    """The report as Markdown (also the Prefect artifact)."""
    lines = [f"# Claims report — {report_date.isoformat()}", ""]
    if claims.height == 0:
        lines.append(f"There were no claims for {report_date.isoformat()}.")
        return "\n".join(lines) + "\n"
    lines += [_header_line(claims), ""]
    index = _article_index(articles)
    judged, others = _split(claims)
    if judged:
        lines += ["## Claims", ""]
        lines += ["| verdict | claim | stated | observed | explanation | article |"]
        lines += ["|---|---|---|---|---|---|"]
        for c in judged:
            article = index.get(c.get("article_id"), {})
            url = _safe_url(article.get("url")).replace(")", "%29").replace(" ", "%20")
            link = f"[{_md(article.get('title') or 'article')}]({url})"
            lines.append(
                f"| **{c.get('verdict') or 'not judged'}** "
                f"| {_md(_what(c))}: {_md(c.get('sentence'))} "
                f"| {stated_figure(c)} | {observed_figure(c)} | {_md(c.get('explanation'))} "
                f"| {link} |"
            )
        lines.append("")
    if others:
        lines += ["## Other figures (not checked)", ""]
        for c in others:
            url = _safe_url(index.get(c.get("article_id"), {}).get("url"))
            lines.append(f"- {stated_figure(c)}: {_md(c.get('sentence'))} ([article]({url}))")
        lines.append("")
    return "\n".join(lines)


def render_report(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    prices: pl.DataFrame,
    *,
    report_date: date,
    out_dir: Path,
) -> ReportFiles:
    """Write out_dir/<D>.md and <D>.html (charts embedded) plus the chart PNGs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_date.isoformat()
    judged, _ = _split(claims)
    charts: dict[str, Path] = {}
    for claim in judged:
        png = price_move_chart(claim, prices)
        if png is not None:
            path = out_dir / f"{stem}-{claim['claim_id']}.png"
            path.write_bytes(png)
            charts[claim["claim_id"]] = path
    md_path = out_dir / f"{stem}.md"
    md_path.write_text(report_markdown(claims, articles, report_date=report_date), "utf-8")
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(report_html(claims, articles, charts, report_date=report_date), "utf-8")
    return ReportFiles(markdown=md_path, html=html_path, charts=list(charts.values()))


def report_html(
    claims: pl.DataFrame,
    articles: pl.DataFrame,
    charts: dict[str, Path],
    *,
    report_date: date,
) -> str:
    """A standalone HTML page: article-derived text escaped, charts as data URIs."""
    esc = html.escape
    title = f"Claims report — {report_date.isoformat()}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    if claims.height == 0:
        parts.append(f"<p>There were no claims for {report_date.isoformat()}.</p>")
        return "\n".join(parts + ["</body></html>"]) + "\n"
    parts.append(f"<p>{esc(_header_line(claims))}</p>")
    index = _article_index(articles)
    judged, others = _split(claims)
    if judged:
        parts.append("<h2>Claims</h2>")
        for c in judged:
            parts.append(_claim_html(c, index.get(c.get("article_id"), {}), charts))
    if others:
        parts.append("<h2>Other figures (not checked)</h2><ul>")
        for c in others:
            url = _safe_url(index.get(c.get("article_id"), {}).get("url"))
            parts.append(
                f"<li>{esc(stated_figure(c))}: {esc(c.get('sentence') or '')} "
                f'(<a href="{esc(url)}">article</a>)</li>'
            )
        parts.append("</ul>")
    return "\n".join(parts + ["</body></html>"]) + "\n"


def _claim_html(claim: dict[str, Any], article: dict[str, Any], charts: dict[str, Path]) -> str:
    esc = html.escape
    verdict = claim.get("verdict") or "not judged"
    url = _safe_url(article.get("url"))
    rows = [
        ("stated", stated_figure(claim)),
        ("observed", observed_figure(claim)),
        ("explanation", claim.get("explanation") or ""),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    chart = ""
    if claim.get("claim_id") in charts:
        data = base64.b64encode(charts[claim["claim_id"]].read_bytes()).decode("ascii")
        chart = f'<img alt="closes around the reference day" src="data:image/png;base64,{data}">'
    return (
        f'<section class="claim {esc(verdict)}">'
        f'<h3><span class="verdict">{esc(verdict)}</span> {esc(_what(claim))}</h3>'
        f"<blockquote>{esc(claim.get('sentence') or '')}</blockquote>"
        f"<table>{cells}</table>{chart}"
        f'<p><a href="{esc(url)}">{esc(article.get("title") or url or "article")}</a></p>'
        "</section>"
    )


_CSS = (
    "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
    ".claim{border-left:4px solid #999;padding:0 1rem;margin:1.5rem 0}"
    ".supported{border-color:#2a7}.contradicted{border-color:#c33}.unverifiable{border-color:#aa3}"
    "th{text-align:left;padding-right:1rem}blockquote{color:#444}"
)


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


def _table_rows(claims: pl.DataFrame) -> list[dict[str, Any]]:
    """The verdicts as rows of plain strings for the Prefect table artifact."""
    rows = claims.to_dicts() if claims.height else []
    return [
        {
            "claim_id": c.get("claim_id"),
            "claim_type": c.get("claim_type"),
            "subjects": _subjects(c),
            "stated": stated_figure(c),
            "observed": observed_figure(c),
            "verdict": c.get("verdict") or "",
            "explanation": c.get("explanation") or "",
        }
        for c in rows
    ]


def publish_artifacts(
    claims: pl.DataFrame, *, report_date: date, markdown: str, docs_index: Path | None
) -> None:
    """Attach the report, the verdicts and the Data Docs link to the current Prefect flow run."""
    from prefect.artifacts import (
        create_link_artifact,
        create_markdown_artifact,
        create_table_artifact,
    )
    from prefect.context import get_run_context
    from prefect.exceptions import MissingContextError

    try:
        get_run_context()
    except MissingContextError:
        return  # outside a flow run (CLI `report`, tests): nothing to attach to
    day = report_date.isoformat()
    create_markdown_artifact(markdown=markdown, key="claims-report", description=f"claims {day}")
    create_table_artifact(
        table=_table_rows(claims) or [{"claim_id": "", "verdict": "no claims"}],
        key="claims-verdicts",
        description=f"verdicts {day}",
    )
    if docs_index is not None:
        create_link_artifact(
            link=Path(docs_index).resolve().as_uri(),
            link_text="Data Docs",
            key="data-docs",
            description=f"data-quality results {day}",
        )
