"""newsdesk, the library: sources, landing, transforms, extraction, verification, quality
and report. No Prefect and no command line here: `flows/` orchestrates it."""

__version__ = "0.1.0"
