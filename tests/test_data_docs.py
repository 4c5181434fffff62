"""Data Docs open offline: no page fetches anything from outside the site, every run is listed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from newsdesk.quality import CheckOutcome, QualityReport, run_checks  # noqa: E402
from newsdesk.quality.docs import publish_run  # noqa: E402
from newsdesk.quality.history import load_records  # noqa: E402
from newsdesk.quality.offline import localise_page  # noqa: E402
from newsdesk.quality.site_assets import SCRIPT  # noqa: E402
from newsdesk.quality.site_index import render_index, write_index  # noqa: E402
from tests.quality_frames import (  # noqa: E402
    ADBE_16,
    RUN_DATE,
    SUITES_DIR,
    TODAY,
    clean_frames,
    set_row,
)

# Attributes a browser fetches from or navigates to.
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background"}
OUTSIDE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_OUTSIDE = re.compile(r"url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import", re.IGNORECASE)


class PageScan(HTMLParser):
    """Every address a page names, the inline scripts it runs and the classes it uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.classes: set[str] = set()
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                urls = [v.split()[0] for v in value.split(",") if v.strip()]
                urls = urls if name == "srcset" else [value]
                self.urls.extend((tag, name, url) for url in urls)
            if name == "style" and value:
                self.styles.append(value)
            if name == "class" and value:
                self.classes.update(value.split())
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def scan(path: Path) -> PageScan:
    page = PageScan()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def outside_references(site: Path) -> list[str]:
    """Each src/href (and kin) of any page naming another machine, and CSS fetching one."""
    found = []
    for path in sorted(site.rglob("*.html")):
        page = scan(path)
        name = path.relative_to(site)
        found += [f"{name}: <{t} {a}={u}>" for t, a, u in page.urls if OUTSIDE.match(u)]
        found += [f"{name}: style {s[:60]!r}" for s in page.styles if CSS_OUTSIDE.search(s)]
    for path in sorted(site.rglob("*.css")):
        if CSS_OUTSIDE.search(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(site)}: url() outside the site")
    return found


# --- the rewrite, on a page shaped like GX's (no GX run needed) ---------------------------

GX_LIKE = """<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<link rel="stylesheet" type="text/css" href="//unpkg.com/bootstrap-table.css">
<link rel="shortcut icon" href="../../../static/images/favicon.ico" type="image/x-icon"/>
<style>.logo { background: url('https://assets.example.com/dark.png') 0 0 no-repeat; }</style>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://cdn.example.com/popper.js" integrity="sha384-x" crossorigin></script>
<script>function hideSucceededValidations() { $(".x").fadeOut(); }</script>
<script>var kept = 1 < 2;</script>
</head><body>
<a href="../../../../index.html"><img class="NO-CACHE"
 src="https://assets.example.com/logo-long.png?d=123" alt="Great Expectations"/></a>
<img src="https://tracker.example.com/pixel.gif">
<p>Made with <a href="https://greatexpectations.io" class="x">Great Expectations</a>.</p>
<a data-toggle="collapse" href="#section-1-collapse">Show more info...</a>
<i class="fas fa-check-circle text-success"></i>
</body></html>
"""


@pytest.fixture(scope="module")
def localised() -> str:
    return localise_page(GX_LIKE, "../../../../", {"logo-long.png", "favicon.ico"})


def test_rewrite_drops_every_outside_resource(localised: str) -> None:
    page = PageScan()
    page.feed(localised)
    outside = [u for _, _, u in page.urls if OUTSIDE.match(u)]
    assert outside == []
    assert not any(CSS_OUTSIDE.search(s) for s in page.styles)
    assert "jquery" not in localised and "bootstrapcdn" not in localised


def test_rewrite_links_the_sites_own_assets_from_the_pages_folder(localised: str) -> None:
    page = PageScan()
    page.feed(localised)
    urls = {(tag, attr, url) for tag, attr, url in page.urls}
    assert ("link", "href", "../../../../static/styles/newsdesk-docs.css") in urls
    assert ("script", "src", "../../../../static/scripts/newsdesk-docs.js") in urls
    # GX's logo comes from its web-assets bucket; the site holds the same file
    assert ("img", "src", "../../../../static/images/logo-long.png") in urls
    # GX counts one folder too few for the favicon of a validation page
    assert ("link", "href", "../../../../static/images/favicon.ico") in urls
    assert ("a", "href", "../../../../index.html") in urls
    assert ("a", "href", "#section-1-collapse") in urls


def test_rewrite_keeps_text_and_plain_scripts_drops_jquery_ones(localised: str) -> None:
    assert "Great Expectations</a>" in localised  # the link text stays, its address goes
    assert 'alt="Great Expectations"' in localised
    assert "var kept = 1 < 2;" in localised
    assert "fadeOut" not in localised
    assert "pixel.gif" not in localised
    assert localised.count('<meta name="generator" content="newsdesk offline data docs">') == 1


def test_empty_site_index_says_so_and_loads_nothing_outside(tmp_path: Path) -> None:
    index = write_index(tmp_path)
    assert "No run has been checked yet." in index.read_text(encoding="utf-8")
    assert outside_references(tmp_path) == []
    body = render_index([], []).split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 1


def test_a_record_that_does_not_parse_is_skipped(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "20240216T000000000000-x.json").write_text("{not json", encoding="utf-8")
    assert load_records(tmp_path) == []


def outcome(suite: str, name: str, success: bool, severity: str = "blocking") -> CheckOutcome:
    return CheckOutcome(suite, name, success, severity, {})


def test_a_site_built_before_runs_were_recorded_is_cleaned_on_the_next_run(
    tmp_path: Path,
) -> None:
    old = tmp_path / "validations/prices/old-run/20240215T000000.000000Z/newsdesk-prices.html"
    old.parent.mkdir(parents=True)
    old.write_text(GX_LIKE, encoding="utf-8")
    (tmp_path / "index.html").write_text(GX_LIKE, encoding="utf-8")
    report = QualityReport("r1", [outcome("prices", "prices_pk_unique", True)], None)
    index = publish_run(tmp_path, report, RUN_DATE, {})
    assert index == tmp_path / "index.html"
    assert outside_references(tmp_path) == []
    assert "Great Expectations</a>" in old.read_text(encoding="utf-8")  # rewritten, not deleted


# --- two real runs into one site --------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, QualityReport, QualityReport]:
    """A clean run of every table, then a run with a bad ADBE bar, in one Data Docs site."""
    dq = tmp_path_factory.mktemp("warehouse") / "dq"
    common = dict(run_date=RUN_DATE, suites_dir=SUITES_DIR, docs_dir=dq, today=TODAY)
    clean = run_checks(clean_frames(), run_id="run-clean", expected_symbols=["ADBE"], **common)
    frames = clean_frames()
    bad = {
        "prices": set_row(ADBE_16, close=-1.0, adj_close=-1.0)(frames["prices"]),
        "fx_rates": frames["fx_rates"],
    }
    failing = run_checks(bad, run_id="run-bad", expected_symbols=["ADBE", "MSFT"], **common)
    return dq, clean, failing


@pytest.mark.slow
def test_no_page_loads_anything_from_outside_the_site(site: tuple) -> None:
    dq, _, _ = site
    pages = sorted(dq.rglob("*.html"))
    assert len(pages) >= 1 + 9 + 9 + 2  # index, suites, both runs' validation pages
    assert outside_references(dq) == []


@pytest.mark.slow
def test_every_local_address_is_a_file_of_the_site(site: tuple) -> None:
    dq, _, _ = site
    missing = []
    for path in sorted(dq.rglob("*.html")):
        for tag, attr, url in scan(path).urls:
            target = unquote(urlparse(url).path)
            if not target:  # "#section-1": a place on the same page
                continue
            if not (path.parent / target).resolve().is_file():
                missing.append(f"{path.relative_to(dq)}: <{tag} {attr}={url}>")
    assert missing == []


@pytest.mark.slow
def test_pages_run_no_script_that_needs_jquery(site: tuple) -> None:
    dq, _, _ = site
    for path in sorted(dq.rglob("*.html")):
        for script in scan(path).scripts:
            assert not re.search(r"\$\(|\$\.|jQuery|bootstrapTable", script), path


@pytest.mark.slow
def test_every_status_icon_is_drawn_by_the_sites_stylesheet(site: tuple) -> None:
    dq, _, _ = site
    css = (dq / "static/styles/newsdesk-docs.css").read_text(encoding="utf-8")
    used = set()
    for path in dq.rglob("*.html"):
        used |= {c for c in scan(path).classes if c.startswith(("fa-", "nd-"))}
    icons = {c for c in used if c.startswith("fa-") or c in {"nd-passed", "nd-failed"}}
    assert {"fa-check-circle", "fa-times", "nd-passed", "nd-failed"} <= icons
    for name in sorted(icons):
        rule = re.search(r"\." + re.escape(name) + r" \{ background-image: ([^;]+);", css)
        assert rule, f"no icon drawn for .{name}"
        assert rule.group(1).startswith('url("data:image/svg+xml,')


@pytest.mark.slow
def test_index_lists_every_run_newest_first_with_its_status(site: tuple) -> None:
    dq, clean, failing = site
    assert clean.docs_index == failing.docs_index == dq / "index.html"
    html = (dq / "index.html").read_text(encoding="utf-8")
    assert html.index("run run-bad") < html.index("run run-clean")
    rows = re.findall(r"<tr><td class=\"nd-status\">.*?</tr>", html)
    assert len(rows) == 2
    assert "nd-failed" in rows[0] and "41 of 45 passed" in rows[0]
    assert (
        "prices_watchlist_present" in rows[0] and "prices_adj_close_positive (warning)" in rows[0]
    )
    assert f"{len(clean.outcomes)} of {len(clean.outcomes)} passed" in rows[1]
    # the first run's pages were kept: GX's own index build would have deleted them
    links = re.findall(r'href="(validations/[^"]+)"', rows[1])
    assert len(links) == 9
    assert all((dq / unquote(link)).is_file() for link in links)


@pytest.mark.slow
def test_runs_are_kept_as_json_records(site: tuple) -> None:
    dq, clean, _ = site
    records = {r.run_id: r for r in load_records(dq)}
    assert set(records) == {"run-clean", "run-bad"}
    files = sorted((dq / "runs").glob("*.json"))
    assert len(files) == 2
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["run_id"] == "run-clean" and data["run_date"] == RUN_DATE.isoformat()
    assert sum(s["evaluated"] for s in data["suites"]) == len(clean.outcomes)


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to parse the script with")
def test_the_sites_script_parses(tmp_path: Path) -> None:
    script = tmp_path / "newsdesk-docs.js"
    script.write_text(SCRIPT, encoding="utf-8")
    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    # the two functions GX's "Show All" / "Failed Only" buttons call from onclick
    assert "window.showAllValidations" in SCRIPT and "window.hideSucceededValidations" in SCRIPT
