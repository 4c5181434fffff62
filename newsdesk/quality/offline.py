"""Make GX's Data Docs pages self-contained: nothing is fetched from outside the site.

Every stylesheet and script GX's templates take from a CDN is dropped, and the site's own
(newsdesk/quality/site_assets.py) is linked instead; GX's inline scripts that need jQuery go
with them. The logo GX loads from its web-assets bucket is pointed at the copy GX ships in
static/images/. Any other attribute naming an outside address (the "Subscribe" and
greatexpectations.io links among them) is removed, so even a click leaves nothing: the site is
read on machines without a network, and a link out would only tell a server the site was read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from html import escape
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from newsdesk.quality.site_assets import SCRIPT, SCRIPT_PATH, STYLES, STYLES_PATH

MARKER = '<meta name="generator" content="newsdesk offline data docs">'

# Attributes whose value the browser fetches or navigates to.
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background"}

# http:, https:, ftp: … or protocol-relative //host.
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)]*\)", re.IGNORECASE)
_JQUERY = re.compile(r"\$\(|\$\.|jQuery")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def is_external(value: str | None) -> bool:
    """True for an address on another machine (any scheme with //, or protocol-relative)."""
    return bool(value) and bool(_EXTERNAL.match(value))


def write_assets(site: Path) -> None:
    """The site's own stylesheet and script, in its static/ folder."""
    for relative, text in ((STYLES_PATH, STYLES), (SCRIPT_PATH, SCRIPT)):
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomically(path, text)


def localise_site(site: Path, pages: Sequence[Path]) -> None:
    """Rewrite each page (relative to site) so that it loads nothing from outside the site."""
    write_assets(site)
    # GX copies its stylesheets into static/ too (its pages inline them): one names a CDN logo.
    for sheet in (site / "static").rglob("*.css"):
        css = sheet.read_text(encoding="utf-8")
        if _CSS_URL.search(css):
            write_atomically(sheet, _CSS_URL.sub("none", css))
    images = {p.name for p in (site / "static" / "images").glob("*") if p.is_file()}
    for page in pages:
        path = site / page
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            continue
        root = "../" * (len(PurePosixPath(page.as_posix()).parts) - 1)
        write_atomically(path, localise_page(text, root, images))


def localise_page(html: str, root: str, images: Collection[str] = ()) -> str:
    """The page with outside resources replaced by the site's own; root is the path to the site."""
    rewriter = _Rewriter(html, root, images)
    rewriter.feed(html)
    rewriter.close()
    out = []
    position = 0
    for start, end, replacement in sorted(rewriter.edits):
        out.append(html[position:start])
        out.append(replacement)
        position = end
    out.append(html[position:])
    page = _CSS_URL.sub("none", "".join(out))
    head = (
        f"{MARKER}\n"
        f'<link rel="stylesheet" href="{root}{STYLES_PATH}">\n'
        f'<script src="{root}{SCRIPT_PATH}" defer></script>\n'
    )
    match = _HEAD_END.search(page)
    if match is None:
        return head + page
    return page[: match.start()] + head + page[match.start() :]


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole: a reader sees the old page or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _Rewriter(HTMLParser):
    """Collects (start, end, replacement) edits of the page's source text."""

    def __init__(self, html: str, root: str, images: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.root = root
        self.images = images
        self.edits: list[tuple[int, int, str]] = []
        self._line_starts = [0]
        for match in re.finditer("\n", html):
            self._line_starts.append(match.end())
        self._html = html
        self._script: tuple[int, bool] | None = None
        self._script_body: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        end = start + len(raw)
        values = dict(attrs)
        if tag == "script":
            self._script = (start, is_external(values.get("src")))
            self._script_body = []
            return
        if tag == "link" and is_external(values.get("href")):
            self.edits.append((start, end, ""))
            return
        if tag == "link" and "icon" in (values.get("rel") or "").split():
            # GX counts one folder too few above a validation page: point at the real file.
            icon = f'<link rel="icon" href="{self.root}static/images/favicon.ico">'
            self.edits.append((start, end, icon))
            return
        outside = [name for name, value in attrs if name in URL_ATTRIBUTES and is_external(value)]
        if not outside:
            return
        kept = []
        for name, value in attrs:
            if name in outside:
                local = self._local_image(value) if tag == "img" and name == "src" else None
                if local is None:
                    continue
                value = local
            kept.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
        closing = "/>" if raw.rstrip().endswith("/>") else ">"
        self.edits.append((start, end, f"<{' '.join([tag, *kept])}{closing}"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":  # <script src=… /> has no end tag to close it
            self._close_script(self._script[0] + len(self.get_starttag_text() or ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        start = self._offset()
        end = self._html.find(">", start) + 1 or len(self._html)
        self._close_script(end)

    def _close_script(self, end: int) -> None:
        start, external = self._script or (0, False)
        if external or _JQUERY.search("".join(self._script_body)):
            self.edits.append((start, end, ""))
        self._script = None

    def _local_image(self, url: str | None) -> str | None:
        """GX's logo is fetched from its web-assets bucket; the site holds the same file."""
        name = PurePosixPath(urlparse(url or "").path).name
        return f"{self.root}static/images/{name}" if name in self.images else None
