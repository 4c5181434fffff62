"""The GX context a run validates in (ephemeral), and the Data Docs site it leaves on disk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from newsdesk.quality.history import RUNS_DIR, record_of, save_record
from newsdesk.quality.offline import localise_site
from newsdesk.quality.outcomes import QualityReport
from newsdesk.quality.site_index import write_index

DOCS_SITE = "local_site"


def gx_context(docs_dir: Path | None) -> Any:
    """An in-memory GX context, its Data Docs site (if any) on disk under docs_dir."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def build_docs(context: Any, docs_dir: Path) -> dict[str, Path]:
    """Render this run's validation results as pages of the on-disk site; suite → page.

    GX's own index is not built: it deletes every page whose result is not in the (in-memory)
    store, i.e. every earlier run's, and it draws its table with JavaScript from public CDNs.
    newsdesk writes its own index from the run records (newsdesk/quality/site_index.py).
    """
    context.build_data_docs(site_names=[DOCS_SITE], build_index=False)
    root = Path(docs_dir).resolve()
    pages = {}
    for key in context.validation_results_store.list_keys():
        urls = context.get_docs_sites_urls(resource_identifier=key, site_name=DOCS_SITE)
        url = urls[0].get("site_url") if urls else None
        if url:
            page = Path(unquote(urlparse(url).path)).resolve()
            pages[key.expectation_suite_identifier.name] = page.relative_to(root)
    return pages


def publish_run(
    docs_dir: Path, report: QualityReport, run_date: date, pages: Mapping[str, Path]
) -> Path:
    """Make this run's pages self-contained, record the run, rewrite the index; → the index."""
    site = Path(docs_dir)
    site.mkdir(parents=True, exist_ok=True)
    if (site / RUNS_DIR).is_dir():
        written = [
            *pages.values(),
            *(p.relative_to(site) for p in site.glob("expectations/*.html")),
        ]
    else:
        # A site GX built before runs were recorded holds only its last run's pages: all of them.
        written = [p.relative_to(site) for p in site.rglob("*.html")]
    localise_site(site, written)
    save_record(site, record_of(report, run_date, pages))
    return write_index(site)
