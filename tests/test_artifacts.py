"""Prefect artifacts of a run: the report, the verdicts table and the Data Docs link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from flows.artifacts import publish_artifacts
from newsdesk.report import report_markdown
from tests.builders import REPORT_ARTICLES, REPORT_DATE, verdict_claims


def test_publish_artifacts_outside_a_flow_run_does_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import prefect.artifacts

    created: list[str] = []
    for name in ("create_markdown_artifact", "create_table_artifact", "create_link_artifact"):
        monkeypatch.setattr(prefect.artifacts, name, lambda *a, _n=name, **k: created.append(_n))
    docs = tmp_path / "index.html"
    publish_artifacts(verdict_claims(), report_date=REPORT_DATE, markdown="# x", docs_index=docs)
    assert created == []


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
    markdown = report_markdown(claims, REPORT_ARTICLES, report_date=REPORT_DATE)

    @flow
    def publish() -> str:
        publish_artifacts(claims, report_date=REPORT_DATE, markdown=markdown, docs_index=docs)
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
    assert published["docs"].resolve().as_uri() in str(artifacts["data-docs"].data)
    assert "contradicted" in str(artifacts["claims-verdicts"].data)
