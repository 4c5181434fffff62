"""The Data Docs index: every run's validations, newest first, as plain HTML.

It replaces GX's index page, which draws its table with bootstrap-table from a CDN (blank
offline) and lists only what the in-memory store holds (the current run). This one needs no
script: a table of runs, each with its status, counts, failing expectations and a link to each
suite's validation page, then the expectation suites.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote

from newsdesk.quality.history import RunRecord, load_records
from newsdesk.quality.offline import MARKER, write_assets, write_atomically
from newsdesk.quality.site_assets import SCRIPT_PATH, STYLES_PATH

INDEX = "index.html"
LABELS = {"passed": "passed", "warning": "warnings", "failed": "failed"}


def write_index(site: Path) -> Path:
    """Write <site>/index.html from the run records under it; return its path."""
    site = Path(site)
    write_assets(site)
    suites = sorted(p.stem for p in (site / "expectations").glob("*.html"))
    path = site / INDEX
    write_atomically(path, render_index(load_records(site), suites))
    return path


def render_index(records: Sequence[RunRecord], suites: Sequence[str]) -> str:
    """The index page's HTML."""
    rows = "\n".join(_run_row(r) for r in records) or (
        '<tr><td colspan="5" class="nd-muted">No run has been checked yet.</td></tr>'
    )
    suite_links = "\n".join(
        f'<li><a href="expectations/{quote(s)}.html">{escape(s)}</a></li>' for s in suites
    )
    latest = _latest_line(records[0]) if records else "No run has been checked yet."
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{MARKER}
<title>newsdesk data quality</title>
<link rel="icon" href="static/images/favicon.ico">
<link rel="stylesheet" href="{STYLES_PATH}">
<script src="{SCRIPT_PATH}" defer></script>
</head>
<body>
<nav class="navbar"><strong>newsdesk data quality</strong></nav>
<div class="container-fluid">
<p class="lead">{latest}</p>
<div class="card">
<div class="card-header"><strong>Runs</strong> <span class="nd-muted">({len(records)}, newest
first; one row per check of a run's loaded tables)</span></div>
<div class="card-body table-responsive">
<table class="table nd-runs">
<thead><tr><th>Status</th><th>Checked at (UTC)</th><th>Run date</th><th>Expectations</th>
<th>Suites</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</div>
<div class="card">
<div class="card-header"><strong>Expectation suites</strong></div>
<div class="card-body"><ul>
{suite_links}
</ul></div>
</div>
</div>
</body>
</html>
"""


def status_icon(status: str) -> str:
    """The status as an icon (drawn by the site's stylesheet) and a word."""
    return f'<span class="nd-icon nd-{status}" aria-hidden="true"></span> {LABELS[status]}'


def _latest_line(record: RunRecord) -> str:
    return (
        f"Latest check: run {escape(record.run_id)} for {record.run_date.isoformat()}, "
        f"{record.passed} of {record.evaluated} expectations passed."
    )


def _run_row(record: RunRecord) -> str:
    suites = []
    for s in record.suites:
        label = f'<span class="nd-icon nd-{s.status}" title="{LABELS[s.status]}"></span> '
        name = escape(s.suite)
        link = f'<a href="{quote(s.page)}">{name}</a>' if s.page else name
        suites.append(f'<span class="nd-suite">{label}{link} {s.passed}/{s.evaluated}</span>')
    failed = [*record.failed_blocking, *(f"{e} (warning)" for e in record.failed_warning)]
    failed_list = (
        '<ul class="nd-failed-list">' + "".join(f"<li>{escape(e)}</li>" for e in failed) + "</ul>"
        if failed
        else ""
    )
    return (
        "<tr>"
        f'<td class="nd-status">{status_icon(record.status)}</td>'
        f"<td>{record.checked_at:%Y-%m-%d %H:%M:%S}<br>"
        f'<span class="nd-muted">run {escape(record.run_id)}</span></td>'
        f"<td>{record.run_date.isoformat()}</td>"
        f'<td class="nd-count">{record.passed} of {record.evaluated} passed{failed_list}</td>'
        f"<td>{''.join(suites)}</td>"
        "</tr>"
    )
