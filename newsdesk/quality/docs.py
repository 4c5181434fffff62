"""The GX context a run validates in: ephemeral, its Data Docs site (if any) on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def build_docs(context: Any) -> None:
    """Render the validation results kept in context as the on-disk Data Docs site."""
    context.build_data_docs(site_names=[DOCS_SITE])
