"""Prefect artifacts for a flow run: the Markdown report, the verdicts table, the Data Docs link."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk.report.claims import joined_subjects
from newsdesk.report.figures import observed_figure, stated_figure


def publish_artifacts(
    claims: pl.DataFrame, *, report_date: date, markdown: str, docs_index: Path | None
) -> None:
    """Attach the report, the verdicts and the Data Docs link to the current Prefect flow run."""
    from prefect.artifacts import (
        create_link_artifact,
        create_markdown_artifact,
        create_table_artifact,
    )

    from flows.engine import in_flow_run

    if not in_flow_run():
        return  # outside a flow run (CLI `report`, a direct run, tests): nothing to attach to
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


def _table_rows(claims: pl.DataFrame) -> list[dict[str, Any]]:
    """The verdicts as rows of plain strings for the Prefect table artifact."""
    rows = claims.to_dicts()
    return [
        {
            "claim_id": c.get("claim_id"),
            "claim_type": c.get("claim_type"),
            "subjects": joined_subjects(c),
            "stated": stated_figure(c),
            "observed": observed_figure(c),
            "verdict": c.get("verdict") or "",
            "explanation": c.get("explanation") or "",
        }
        for c in rows
    ]
