"""Article HTML -> fields: main text without page chrome, title, date, language, identity.

``published_at`` is naive and means the publisher's own wall-clock time as the
page states it: an offset in a meta tag is not applied to it, because a Chinese
page printing "2024-02-20 10:05:40" means Beijing time and relative dates in its
text ("次日") count from that local day. The offset is kept beside it, in
``published_offset``, when the page gives or implies one, and
``published_precision`` says whether a time is known at all: "date" means
``published_at`` is that day at 00:00 and the time is unknown, so weekday
rules must not use it. ``published_instant`` joins them into the aware moment
of publication when both are known. Sources, zones and precedence: see
``newsdesk/extract/published.py``. The feed's date is UTC (told in +08:00 for
a Chinese page from an Asian host).

``lang`` is "zh" when Han characters are at least twice the Latin words (a
Chinese word is about two characters), else "en" -- a ratio, not a detector.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
import trafilatura
from lxml.etree import ParserError

from newsdesk.extract.published import PageZone, find_published, parse_stamp

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# Lines that are page chrome, not article: a bare image file name, a table rule
# left by the text rendering of a table.
_CHROME_LINES = (
    re.compile(r"^[\w\-.]+\.(?:jpe?g|png|gif|webp|bmp|svg)$", re.I),
    re.compile(r"^[|\-:\s]+$"),
)
_MORE = re.compile(r"^(?:查看)?更多\s*[+>»›]*$|^more\s*[+>»›]+$", re.I)
_BOX_HEADING = re.compile(r"^[^，。！？；：,.!?;:]{1,10}$")  # "热门新闻" above a "更多+" link
_COPYRIGHT = re.compile(r"版权所有|all rights reserved|copyright\s*(?:©|\(c\)|\d{4})|^©", re.I)


@dataclass(frozen=True)
class Article:
    """One article as extracted from one fetched page."""

    article_id: str
    url: str
    canonical_url: str
    title: str | None
    published_at: datetime | None
    lang: str | None
    text: str
    content_sha256: str
    published_precision: str | None = None  # "time", "date" (time unknown) or None (no date)
    published_offset: timedelta | None = None  # UTC offset of published_at, when known

    @property
    def published_instant(self) -> datetime | None:
        """The aware moment of publication, when the page gives both its time and zone."""
        if self.published_at is None or self.published_precision != "time":
            return None
        if self.published_offset is None:
            return None
        return self.published_at.replace(tzinfo=timezone(self.published_offset))


class NoArticleText(Exception):
    """The page holds no article text (an index page, an error page, an empty body)."""


def normalise_url(url: str) -> str:
    """The URL with scheme/host lower-cased, default port, fragment and utm_* dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    # Filter the raw pairs rather than re-encode them: the id must not depend on
    # whether a link wrote %20 or +.
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not pair.lower().startswith("utm_")
    )
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), query, ""))


def article_id_for(url: str) -> str:
    """First 16 hex of the sha256 of the normalised (canonical) URL."""
    return hashlib.sha256(normalise_url(url).encode()).hexdigest()[:16]


def content_sha256(text: str) -> str:
    """sha256 of the text, NFC-normalised with whitespace collapsed."""
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(flat.encode()).hexdigest()


def extract_article(html: str, url: str, *, feed_published: datetime | None = None) -> Article:
    """Extract the article from a decoded page; raise NoArticleText when there is none."""
    tree = _parse(html)
    if tree is None:
        raise NoArticleText(f"{url}: empty page")
    text = _main_text(html, url)
    if not text:
        raise NoArticleText(f"{url}: no article text found")
    canonical = _canonical(tree, url)
    published = find_published(
        tree, url, feed_published=feed_published, page=PageZone.of(url, text)
    )
    return Article(
        article_id=article_id_for(canonical),
        url=url,
        canonical_url=canonical,
        title=_title(tree),
        published_at=published.local if published else None,
        lang=detect_lang(text),
        text=text,
        content_sha256=content_sha256(text),
        published_precision=("time" if published.has_time else "date") if published else None,
        published_offset=published.offset if published else None,
    )


def detect_lang(text: str) -> str | None:
    """The language by script: "zh" when Han characters are twice the Latin words, else "en"."""
    han, words = len(_HAN.findall(text)), len(_LATIN_WORD.findall(text))
    if han + words == 0:
        return None
    return "zh" if han >= 2 * words else "en"


def parse_date(value: str) -> datetime | None:
    """The first date (and wall-clock time) written in ``value`` (Y-M-D, Y年M月D日, Mar 9, 2024)."""
    stamp = parse_stamp(value)
    return stamp.local if stamp else None


# The page is decoded already: parse its UTF-8 re-encoding, whatever its meta tag says.
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def _parse(html: str) -> Any:
    if not html.strip():
        return None
    try:
        # lxml refuses str input that declares an encoding, hence bytes.
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (ParserError, ValueError):
        return None


_TABLE = re.compile(r"<table\b.*?</table\s*>", re.I | re.S)


def _rows_as_lines(html: str) -> str:
    """Each table row as one paragraph "| cell | cell |": a movers table ("Broadcom | AVGO |
    -17.4%") keeps a name and its figure in one sentence, however the table is nested. Only
    the tables' markup changes; the rest of the page is left as it was."""

    def rows(m: re.Match[str]) -> str:
        try:
            table = lxml.html.fragment_fromstring(m.group(), create_parent="div")
        except (ParserError, ValueError):
            return m.group()
        lines = []
        for row in table.xpath(".//tr"):
            cells = [" ".join(cell.text_content().split()) for cell in row.xpath("./td|./th")]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")
        return "<div>" + "".join(f"<p>{escape(line)}</p>" for line in lines) + "</div>"

    return _TABLE.sub(rows, html)


def _main_text(html: str, url: str) -> str:
    extracted = trafilatura.extract(
        _rows_as_lines(html),
        url=url,
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        output_format="txt",
    )
    lines = [unicodedata.normalize("NFC", line).strip() for line in (extracted or "").splitlines()]
    kept: list[str] = []
    for line in lines:
        if _MORE.match(line):
            # a "more" link ends a box of links; its short heading line goes with it
            if kept and _BOX_HEADING.match(kept[-1]):
                kept.pop()
        elif line and not _is_chrome(line):
            kept.append(line)
    return "\n".join(kept)


def _is_chrome(line: str) -> bool:
    if any(pattern.search(line) for pattern in _CHROME_LINES):
        return True
    # a copyright notice is a short line; a sentence about copyright is not chrome
    return len(line) <= 80 and _COPYRIGHT.search(line) is not None


def _canonical(tree: Any, url: str) -> str:
    for href in tree.xpath(
        "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    ):
        if href.strip():
            return urljoin(url, href.strip())
    return url


def _title(tree: Any) -> str | None:
    # og:title first: <title> usually carries a " - Site name" suffix.
    candidates = [
        *_meta_values(tree, ("og:title",)),
        *tree.xpath("//title/text()"),
        *(h.text_content() for h in tree.xpath("//h1")),
    ]
    for candidate in candidates:
        title = " ".join(candidate.split())
        if title:
            return title
    return None


def _meta_values(tree: Any, names: tuple[str, ...]) -> list[str]:
    by_name: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        by_name.setdefault(key.strip(), []).append(meta.get("content"))
    return [value for name in names for value in by_name.get(name, [])]
