"""When a page says it was published: every common date source, with its time and zone if given.

Sources, in order of trust: meta tags (`article:published_time`, `<meta name="date">`,
`DC.date.issued`, `publishdate`, `pubdate`, `og:published_time`, itemprop `datePublished`),
JSON-LD `datePublished` (nested `@graph` too), `<time datetime>`, the feed item's date, a
visible dateline ("Mar 09, 2024", "February 23, 2024 5:30 AM IST", "2024年2月26日 08:15",
"2025年1月28日 星期二 08:00"), and htmldate as the last fallback (a date only). The first
source that states a time wins; a source that states only a date is kept unless a later one
states a time on that same day ("2024-02-23" in JSON-LD, "February 23, 2024 5:30 AM IST" on
the page): metadata with a time beats a date-only source.

A time's zone is the offset it carries, else a zone word beside it (IST, HKT, ET, 北京时间 …:
`_ZONE_WORDS`); CST is China Standard Time (+08:00) on a Chinese or Asian page and US Central
otherwise. A bare time on a Chinese page served from a .cn, .hk, .tw, .mo, .sg or .my host is
taken as +08:00 (the zone of all of them): Chinese news sites print Beijing / Hong Kong / Taipei
/ Kuala Lumpur wall-clock time without saying so. Any other bare time has no known zone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import htmldate

_META_NAMES = (
    "article:published_time",
    "date",
    "dc.date.issued",
    "dcterms.issued",
    "publishdate",
    "pubdate",
    "og:published_time",
    "datepublished",
)
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {name: i + 1 for i, name in enumerate(_MONTH_NAMES.split())}
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())} | {"sept": 9})
_MONTH = rf"(?P<mn>{'|'.join(sorted(_MONTHS, key=len, reverse=True))})\.?"
_CLOCK = (
    r"(?:\s*(?:T|at|,|-|–|·|\|)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{2}))?(?:\.\d+)?(?:\s*(?P<ampm>[ap]\.?m\.?))?)?"
)
_ZONE = (
    r"(?:\s*\(?\s*(?P<zone>Z(?![A-Za-z])|[+-]\d{2}:?\d{2}|(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?"
    r"|[A-Z]{2,4}(?![A-Za-z])|北京时间|北京時間|香港时间|香港時間|台北时间|台北時間))?"
)
_WEEKDAY = r"(?:\s*[,，]?\s*(?:星期|周|週|礼拜|禮拜)[一二三四五六日天])?"
_STAMPS = (
    re.compile(
        r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)"
        rf"\s*[日号號]?{_WEEKDAY}{_CLOCK}{_ZONE}"
    ),
    re.compile(
        rf"(?<![A-Za-z]){_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)"
        rf"(?!\d){_CLOCK}{_ZONE}",
        re.I,
    ),
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})\s+{_MONTH}\s+(?P<y>(?:19|20)\d\d)(?!\d){_CLOCK}{_ZONE}", re.I
    ),
)
_H = 3600
# Fixed offsets (seconds) of the zone words datelines print; ET/PT/CT follow US daylight time.
_ZONE_WORDS: dict[str, int | str] = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": _H, "CET": _H, "CEST": 2 * _H, "IST": 5 * _H + 1800,
    "SGT": 8 * _H, "HKT": 8 * _H, "MYT": 8 * _H, "PHT": 8 * _H, "AWST": 8 * _H, "JST": 9 * _H,
    "KST": 9 * _H, "AEST": 10 * _H, "AEDT": 11 * _H, "EST": -5 * _H, "EDT": -4 * _H,
    "CDT": -5 * _H, "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H,
    "北京时间": 8 * _H, "北京時間": 8 * _H, "香港时间": 8 * _H, "香港時間": 8 * _H,
    "台北时间": 8 * _H, "台北時間": 8 * _H,
    "ET": "America/New_York", "CT": "America/Chicago", "PT": "America/Los_Angeles",
}  # fmt: skip
_ZONE_BEFORE = re.compile(r"(北京时间|北京時間|香港时间|香港時間|台北时间|台北時間)\s*[:：]?\s*$")
_ASIAN_OFFSET = timedelta(hours=8)
_ASIAN_HOSTS = re.compile(r"\.(?:cn|hk|tw|mo|sg|my)$")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DATELINE_MAX = 120  # a dateline is a short line of its own, not a sentence of the article
_WIRE_PLACE = re.compile(r"[A-Z][A-Z.' ]+(?:,\s*[A-Z][A-Za-z.' ]+)?,\s*")
_DATELINE_SKIP = "//body//*[self::script or self::style or self::noscript or self::a or self::nav"
_DATELINE_SKIP += " or self::footer or self::aside]"


@dataclass(frozen=True)
class Published:
    """A publication date as the page states it.

    `local` is the publisher's wall-clock time, naive; a date with no time is `local` at 00:00
    with `has_time` False (weekday rules then only know the day). `offset` is the zone's UTC
    offset when the page gives or implies one.
    """

    local: datetime
    has_time: bool
    offset: timedelta | None
    source: str

    @property
    def instant(self) -> datetime | None:
        """The moment of publication (aware), when both time and zone are known."""
        if not self.has_time or self.offset is None:
            return None
        return self.local.replace(tzinfo=timezone(self.offset))


@dataclass(frozen=True)
class PageZone:
    """What the page tells about the zone of a time printed without one."""

    chinese: bool  # CST is China Standard Time
    asian_host: bool  # and a bare time is +08:00

    @classmethod
    def of(cls, url: str, text: str) -> PageZone:
        """Chinese when the text's first 2000 characters hold 20 Han characters or more."""
        chinese = len(_HAN.findall(text[:2000])) >= 20
        host = (urlsplit(url).hostname or "").lower()
        return cls(chinese, chinese and bool(_ASIAN_HOSTS.search(host)))


_NO_ZONE_HINTS = PageZone(False, False)


def _zone(word: str | None, local: datetime, page: PageZone) -> timedelta | None:
    bare = _ASIAN_OFFSET if page.asian_host else None
    if word is None:
        return bare
    word = word.strip()
    if word == "CST":  # China Standard Time on a Chinese page, US Central elsewhere
        return timedelta(hours=8) if page.chinese else _named_offset("America/Chicago", local)
    if m := re.fullmatch(r"([+-])(\d{2}):?(\d{2})", word):
        sign = -1 if m.group(1) == "-" else 1
        return sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    if m := re.fullmatch(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", word):
        sign = -1 if m.group(1) == "-" else 1
        return sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
    known = _ZONE_WORDS.get(word.upper() if word.isascii() else word)
    if isinstance(known, int):
        return timedelta(seconds=known)
    if isinstance(known, str):
        return _named_offset(known, local)
    return bare  # "ABC": not a zone word, so the time is a bare one


def _named_offset(zone: str, local: datetime) -> timedelta | None:
    return local.replace(tzinfo=ZoneInfo(zone)).utcoffset()


def parse_stamp(
    value: str, source: str = "text", page: PageZone = _NO_ZONE_HINTS
) -> Published | None:
    """The first date (with its time and zone, if given) written in `value`, in any of the
    forms `_STAMPS` reads; None when it holds no valid date."""
    found = []
    for pattern in _STAMPS:
        for m in pattern.finditer(value):
            zone_before = _ZONE_BEFORE.search(value[: m.start()])
            stamp = _stamp(m, source, page, zone_before.group(1) if zone_before else None)
            if stamp is not None:
                found.append((m.start(), stamp))
                break
    return min(found, key=lambda found: found[0])[1] if found else None


def _stamp(
    m: re.Match[str], source: str, page: PageZone, zone_before: str | None = None
) -> Published | None:
    g = m.groupdict()
    month = _MONTHS[g["mn"].lower()] if g.get("mn") else int(g["m"])
    try:
        day = datetime(int(g["y"]), month, int(g["d"]))
        if g["H"] is None:
            return Published(day, False, None, source)
        hour = int(g["H"])
        if g["ampm"]:
            hour = hour % 12 + (12 if g["ampm"].lower().startswith("p") else 0)
        local = day.replace(hour=hour, minute=int(g["M"]), second=int(g["S"] or 0))
    except ValueError:
        return None  # 2024-13-45: not a date
    return Published(local, True, _zone(g["zone"] or zone_before, local, page), source)


def find_published(
    tree: Any, url: str, *, feed_published: datetime | None, page: PageZone
) -> Published | None:
    """The page's publication date and time from its best source (see the module docstring)."""
    first: Published | None = None
    for candidate in _candidates(tree, feed_published, page):
        if candidate.has_time and (first is None or candidate.local.date() == first.local.date()):
            return candidate
        first = first or candidate
    if first is not None:
        return first
    found = htmldate.find_date(tree, url=url, original_date=True, extensive_search=False)
    if found is None:
        return None
    return Published(datetime.fromisoformat(found), False, None, "htmldate")


def _candidates(tree: Any, feed: datetime | None, page: PageZone) -> Iterator[Published]:
    """Every date the page states, most trusted source first (each parsed when reached)."""
    sources: list[tuple[str, str]] = [
        *((f"meta {name}", value) for name, value in _meta_values(tree)),
        *(("JSON-LD datePublished", value) for value in _json_ld(tree)),
        *(("<time datetime>", value) for value in tree.xpath("//time/@datetime")),
    ]
    for source, value in sources:
        if (stamp := parse_stamp(value, source, page)) is not None:
            yield _local(stamp, page)
    if feed is not None:
        if feed.tzinfo is None:
            yield Published(feed, True, None, "feed")
        else:  # feeds carry UTC
            utc = Published(feed.astimezone(UTC).replace(tzinfo=None), True, timedelta(0), "feed")
            yield _local(utc, page)
    if (line := _dateline(tree, page)) is not None:
        yield line


def _local(stamp: Published, page: PageZone) -> Published:
    """A UTC stamp of a Chinese page from an Asian host, told in its publisher's +08:00: 昨日 in
    a Beijing page of Tuesday 07:00 (Monday 23:00 UTC) is Monday, not Sunday."""
    if not page.asian_host or not stamp.has_time or stamp.offset != timedelta(0):
        return stamp
    return replace(stamp, local=stamp.local + _ASIAN_OFFSET, offset=_ASIAN_OFFSET)


def _meta_values(tree: Any) -> list[tuple[str, str]]:
    by_name: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        by_name.setdefault(key.strip().lower(), []).append(meta.get("content"))
    return [(name, value) for name in _META_NAMES for value in by_name.get(name, [])]


def _json_ld(tree: Any) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            yield from _json_ld_dates(json.loads(script.text_content()))
        except ValueError:
            continue  # malformed JSON-LD is common; the other sources still count


def _json_ld_dates(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("datePublished"), str):
            yield node["datePublished"]
        for value in node.values():
            yield from _json_ld_dates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_ld_dates(value)


def _dateline(tree: Any, page: PageZone) -> Published | None:
    """The first short line of the page's body that holds a date (a byline, a stamp), or a
    paragraph that opens with a wire dateline ("NEW YORK, Mar 09, 2024 - Nvidia shares …")."""
    for element in _own_text_elements(tree):
        text = " ".join(element.text_content().split())
        if _YEAR.search(text) is None:
            continue  # every dateline form states its year
        if len(text) > _DATELINE_MAX:
            if (wire := _WIRE_PLACE.match(text)) is not None:
                text = text[wire.end() : wire.end() + _DATELINE_MAX]
                if (stamp := parse_stamp(text, "wire dateline", page)) and _opens(text):
                    return stamp
        elif text and (stamp := parse_stamp(text, "visible dateline", page)) is not None:
            return stamp
    return None


def _own_text_elements(tree: Any) -> Iterator[Any]:
    """Body elements with text of their own (a wrapper holds no dateline its children do not),
    in document order, outside links, navigation, footers, asides and scripts."""
    skipped: set[Any] = set()
    for chrome in tree.xpath(_DATELINE_SKIP):
        skipped.update(chrome.iter())
    for body in tree.xpath("//body"):
        for element in body.iter("*"):
            if element in skipped:
                continue
            if (element.text or "").strip() or any((c.tail or "").strip() for c in element):
                yield element


def _opens(text: str) -> bool:
    return any(pattern.match(text) for pattern in _STAMPS)
