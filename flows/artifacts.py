"""Prefect artifacts for a flow run: the claims report, the verdicts table, the quality summary.

The Prefect UI shows artifacts in a column of fixed width: the verdicts table has four short
columns (subject, stated, observed, verdict), and the claims report puts each explanation on
a line of its own instead of in a table cell. The UI cannot open a `file://` link, so the Data
Docs site is named by its path beside a quality summary, in Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk.report.claims import joined_subjects
from newsdesk.report.figures import observed_figure, stated_figure

VERDICTS = ("contradicted", "supported", "unverifiable")


def publish_artifacts(
    claims: pl.DataFrame,
    *,
    report_date: date,
    articles: pl.DataFrame | None = None,
    docs_index: Path | None = None,
    quality: Callable[[], str] | None = None,
) -> None:
    """Attach the claims report, the verdicts and the quality summary to the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from flows.engine import in_flow_run

    if not in_flow_run():
        return  # outside a flow run (CLI `report`, a direct run, tests): nothing to attach to
    day = report_date.isoformat()
    create_markdown_artifact(
        markdown=claims_markdown(claims, articles, report_date),
        key="claims-report",
        description=f"claims {day}",
    )
    create_table_artifact(
        table=table_rows(claims) or [{"subject": "", "verdict": "no claims"}],
        key="claims-verdicts",
        description=f"verdicts {day}",
    )
    if quality is not None or docs_index is not None:
        create_markdown_artifact(
            markdown=quality() if quality is not None else docs_markdown(docs_index),
            key="data-docs",
            description=f"data-quality results {day}",
        )


def table_rows(claims: pl.DataFrame) -> list[dict[str, Any]]:
    """The verdicts as four short columns of plain strings, contradicted first."""
    return [
        {
            "subject": _text(joined_subjects(c) or c.get("claim_type") or ""),
            "stated": _text(stated_figure(c)),
            "observed": _text(observed_figure(c)),
            "verdict": c.get("verdict") or "not judged",
        }
        for c in _ordered(claims)
    ]


def claims_markdown(claims: pl.DataFrame, articles: pl.DataFrame | None, day: date) -> str:
    """The day's claims for the UI: counts, then per article one line per claim and its
    explanation on the next line."""
    rows = _ordered(claims)
    counts = {v: sum(1 for c in rows if c.get("verdict") == v) for v in VERDICTS}
    lines = [f"# Claims {day.isoformat()}", ""]
    lines.append(", ".join(f"{n} {v}" for v, n in counts.items()) or "no claims")
    titles = _titles(articles)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for claim in rows:
        by_article.setdefault(claim.get("article_id") or "", []).append(claim)
    for article_id, found in by_article.items():
        lines += ["", f"## {_text(titles.get(article_id) or article_id or 'no article')}", ""]
        for c in found:
            subject = _text(joined_subjects(c) or c.get("claim_type") or "")
            verdict = c.get("verdict") or "not judged"
            lines.append(
                f"- **{subject}** · stated {_text(stated_figure(c))} · "
                f"observed {_text(observed_figure(c))} · **{verdict}**  "
            )
            explanation = _text(c.get("explanation") or "")
            if explanation:
                lines.append(f"  {explanation}")
    if not rows:
        lines += ["", "No claims were judged for this day."]
    return "\n".join(lines) + "\n"


def quality_markdown_from(frame: pl.DataFrame, docs_index: Path | None) -> str:
    """A quality summary (expectations checked and failed, per suite) and the Data Docs path."""
    lines = ["# Data quality", ""]
    if frame.is_empty():
        lines.append("No expectations were checked in this run.")
    else:
        checked, failed = frame.height, int((~frame["success"]).sum())
        lines.append(f"{checked} expectations checked, {failed} failed.")
        summary = (
            frame.group_by("suite")
            .agg(pl.len().alias("checked"), (~pl.col("success")).sum().alias("failed"))
            .sort("suite")
        )
        lines += ["", "| suite | checked | failed |", "|---|---:|---:|"]
        lines += [f"| {s} | {c} | {f} |" for s, c, f in summary.iter_rows()]
        failing = frame.filter(~pl.col("success"))["expectation"].to_list()
        if failing:
            lines += ["", "Failed: " + ", ".join(f"`{e}`" for e in failing[:20])]
    lines += ["", docs_markdown(docs_index)]
    return "\n".join(lines) + "\n"


def quality_markdown(run: Any, docs_index: Path | None) -> str:
    """The run's quality summary from its `dq_results` rows."""
    frame = run.warehouse.query(
        "select suite, expectation, success from dq_results where run_id = ?", [run.run_id]
    )
    return quality_markdown_from(frame, docs_index)


def docs_markdown(docs_index: Path | None) -> str:
    """Where the Data Docs site is: the UI cannot open file:// links, so the path is shown."""
    if docs_index is None:
        return "No Data Docs site was built."
    path = Path(docs_index).resolve()
    return f"Data Docs (open in a browser on the machine that ran this):\n\n`{path}`"


def _ordered(claims: pl.DataFrame) -> list[dict[str, Any]]:
    """Claims with contradicted first, then supported, unverifiable, not judged."""
    rank = {v: i for i, v in enumerate(VERDICTS)}
    return sorted(claims.to_dicts(), key=lambda c: rank.get(c.get("verdict") or "", len(rank)))


def _titles(articles: pl.DataFrame | None) -> dict[str, str]:
    if articles is None or articles.is_empty() or "title" not in articles.columns:
        return {}
    return dict(articles.select("article_id", "title").iter_rows())


def _text(value: str) -> str:
    """Plain text for Markdown: entities decoded; pipes, line breaks and tags made harmless."""
    text = html.unescape(str(value)).replace("|", "/").replace("\n", " ").strip()
    return text.replace("<", "&lt;")
