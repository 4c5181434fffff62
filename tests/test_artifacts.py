"""Prefect artifacts of a run: the claims report, the verdicts table and the quality summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import polars as pl
import pytest

from flows.artifacts import claims_markdown, publish_artifacts, quality_markdown_from, table_rows
from tests.builders import REPORT_ARTICLES, REPORT_DATE, verdict_claims


def test_publish_artifacts_outside_a_flow_run_does_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import prefect.artifacts

    created: list[str] = []
    for name in ("create_markdown_artifact", "create_table_artifact", "create_link_artifact"):
        monkeypatch.setattr(prefect.artifacts, name, lambda *a, _n=name, **k: created.append(_n))
    docs = tmp_path / "index.html"
    publish_artifacts(verdict_claims(), report_date=REPORT_DATE, docs_index=docs)
    assert created == []


def test_the_claims_markdown_fits_the_ui_and_puts_explanations_on_their_own_line() -> None:
    markdown = claims_markdown(verdict_claims(), REPORT_ARTICLES, REPORT_DATE)
    lines = markdown.splitlines()
    assert "1 contradicted, 1 supported, 1 unverifiable" in markdown
    claim_lines = [line for line in lines if line.startswith("- **")]
    assert claim_lines[0].startswith("- **GOOGL**") and "**contradicted**" in claim_lines[0]
    after = lines[lines.index(claim_lines[0]) + 1]
    assert after.strip() == "GOOGL closed -1.0%, not -1.58%"
    assert "|" not in markdown and "<script>" not in markdown
    assert max(len(line) for line in claim_lines) <= 100


def test_the_verdicts_table_has_four_short_columns_contradicted_first() -> None:
    rows = table_rows(verdict_claims())
    assert [list(r) for r in rows] == [["subject", "stated", "observed", "verdict"]] * 4
    assert [r["verdict"] for r in rows] == [
        "contradicted", "supported", "unverifiable", "not judged"
    ]  # fmt: skip
    assert rows[2]["subject"] == "ADBE, GOOGL"


def test_the_quality_summary_counts_failures_and_names_the_docs_path(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"suite": ["prices", "prices", "claims"], "expectation": ["a", "b", "c"],
         "success": [True, False, True]}
    )  # fmt: skip
    text = quality_markdown_from(frame, tmp_path / "index.html")
    assert "3 expectations checked, 1 failed." in text
    assert "| prices | 2 | 1 |" in text and "`b`" in text
    assert str((tmp_path / "index.html").resolve()) in text and "file://" not in text


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[dict[str, object]]:
    """Publish inside a real flow run against the session's Prefect test server (once)."""
    import prefect.runtime.flow_run
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    docs = tmp_path_factory.mktemp("dq") / "index.html"
    docs.write_text("<html></html>", encoding="utf-8")
    claims = verdict_claims()
    markdown = claims_markdown(claims, REPORT_ARTICLES, REPORT_DATE)

    @flow
    def publish() -> str:
        publish_artifacts(
            claims, report_date=REPORT_DATE, articles=REPORT_ARTICLES, docs_index=docs
        )
        return str(prefect.runtime.flow_run.id)

    run_id = publish()
    keys = ["claims-report", "claims-verdicts", "data-docs"]
    # Other tests publish under the same keys on the shared server: read this run's only.
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=keys),
                flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]),
            )
        )
    yield {"artifacts": {a.key: a for a in found}, "markdown": markdown, "docs": docs}


@pytest.mark.slow
def test_artifacts_are_published_inside_a_flow_run(published) -> None:
    artifacts = published["artifacts"]
    assert set(artifacts) == {"claims-report", "claims-verdicts", "data-docs"}
    assert artifacts["claims-report"].data == published["markdown"]
    assert artifacts["data-docs"].type == "markdown"
    assert str(published["docs"].resolve()) in str(artifacts["data-docs"].data)
    assert "contradicted" in str(artifacts["claims-verdicts"].data)
