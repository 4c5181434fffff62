"""News pages and feeds: fetch as given, decode any charset honestly, read RSS/Atom.

Chinese news sites often declare GB2312 while writing characters only GBK or
GB18030 has, so every GB* label is decoded as GB18030 (its superset), as browsers
do. Without a declaration, requests would guess ISO-8859-1; we never do.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
from charset_normalizer import from_bytes

from newsdesk.http import Fetched, HttpClient
from newsdesk.landing import safe_key

SOURCE = "news"
DEFAULT_MIN_INTERVAL = 1.0  # seconds between requests to one news host

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG Encoding labels: the GB family reads as GB18030; latin-1/ascii labels mean
# windows-1252; Big5 means Big5-HKSCS.
_ALIASES = {
    **dict.fromkeys(
        [
            "gb2312",
            "gb_2312",
            "gb_2312-80",
            "gbk",
            "x-gbk",
            "cp936",
            "ms936",
            "euc-cn",
            "x-euc-cn",
            "csgb2312",
            "chinese",
            "iso-ir-58",
            "gb18030",
        ],
        "gb18030",
    ),  # fmt: skip
    **dict.fromkeys(["iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"], "cp1252"),
    **dict.fromkeys(["big5", "big5-hkscs", "cn-big5", "x-x-big5"], "big5hkscs"),
    "utf8": "utf-8",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';,\s]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.I)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: its link, title and publication time (tz-aware UTC)."""

    url: str
    title: str | None
    published: datetime | None


def news_client(
    user_agent: str, *, min_interval: float = DEFAULT_MIN_INTERVAL, **kw: Any
) -> HttpClient:
    """An HttpClient that leaves ``min_interval`` seconds between requests to one host.

    News pages may redirect to another http(s) host (canonical domains, http → https);
    see newsdesk/http.py for what is refused.
    """
    kw.setdefault("redirects", "web")
    return HttpClient(user_agent, min_interval=min_interval, **kw)


def fetch_page(client: HttpClient, url: str) -> Fetched:
    """Fetch a page or feed exactly as configured."""
    return client.get(url)


def news_key(url: str) -> str:
    """The landing key ``<host>/<sha256(url)[:16]>``."""
    host = urlsplit(url).netloc.rpartition("@")[2].lower()
    return safe_key(host, hashlib.sha256(url.encode()).hexdigest()[:16])


def news_params(url: str) -> dict[str, str]:
    """What the request asked for, stored beside the landed body for offline matching."""
    return {"url": url}


def decode_html(body: bytes, headers: Mapping[str, str]) -> tuple[str, str]:
    """The page as text and the codec used: BOM, then HTTP charset, then meta, then sniffing."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), codec
    declared = [c for c in (_header_charset(headers), _meta_charset(body)) if c]
    for codec in declared:
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue  # a wrong declaration: try the next one, then sniff
    for codec in ("utf-8", "gb18030"):
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            pass
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    codec = declared[0] if declared else "utf-8"
    return body.decode(codec, errors="replace"), codec


def is_feed(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether a response is an RSS or Atom feed rather than a page."""
    content_type = _header(headers, "content-type").lower()
    if any(t in content_type for t in _FEED_TYPES):
        return True
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:100].lower().startswith((b"<!doctype html", b"<html")):
        return False
    return _FEED_ROOT.search(head) is not None


def parse_feed(body: bytes) -> list[FeedItem]:
    """The entries of an RSS or Atom feed that carry a link, in feed order."""
    parsed = feedparser.parse(body)
    items = []
    for entry in parsed.entries:
        url = (entry.get("link") or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        # feedparser hands back struct_time already shifted to UTC
        published = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
        items.append(FeedItem(url, (entry.get("title") or "").strip() or None, published))
    return items


def items_in_window(items: Iterable[FeedItem], start: datetime, end: datetime) -> list[FeedItem]:
    """Items published in ``[start, end)``; undated items cannot be placed and are left out."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the feed window needs tz-aware datetimes")
    return [i for i in items if i.published is not None and start <= i.published < end]


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def _header_charset(headers: Mapping[str, str]) -> str | None:
    match = _HEADER_CHARSET.search(_header(headers, "content-type"))
    return _codec(match.group(1)) if match else None


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return _codec(match.group(1).decode("ascii", "replace")) if match else None


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    name = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # rot13, base64, zlib… are codecs too, but not text encodings: bytes.decode refuses them.
    return name if getattr(info, "_is_text_encoding", True) else None
