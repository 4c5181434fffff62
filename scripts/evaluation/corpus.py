"""The labelled corpus: `<stem>.html` (the page) + `<stem>.toml` (how to serve it, what it claims).

Read strictly: a label the scorer would silently misread (an unknown class, a misspelt key, a
`find` that is not on the page) stops the evaluation with the file named, so a typo never
turns into a miss or a pass. The format is docs/evaluation.md's.
"""

from __future__ import annotations

import codecs
import html
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CLASSES = (  # in the order docs/evaluation.md lists them, the order of the printed rows
    "date_carry", "weekday_tz", "date_source", "subordinate_date", "no_date",
    "plausible_reading", "intraday", "multi_period", "threshold", "traditional",
    "regional_currency", "market_value", "move_lexicon", "subject", "index", "numeral",
    "false_figure", "plain",
)  # fmt: skip
JUDGED_TYPES = frozenset(
    ["price_move", "market_cap_change", "valuation", "valuation_change", "currency_conversion"]
)
TYPES = JUDGED_TYPES | {"other"}
VERDICTS = frozenset(["supported", "contradicted", "unverifiable"])
LANG_SCRIPTS = {"en": {"latin"}, "zh": {"simplified", "traditional"}}
# A corpus URL must never point at a real outlet: a host with an `example` label
# (markets.example.com, as RFC 2606 reserves, and the repo's own finance.example.cn,
# news.example.com.hk) or under a reserved top-level domain (RFC 2606/6761).
RESERVED_TLDS = ("example", "test", "invalid", "localhost")

_STEM = re.compile(r"^[a-z0-9_]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SYMBOL = re.compile(r"^[A-Za-z0-9^.=\-]{1,20}$")
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)
_SPACE = re.compile(r"\s+")

_PAGE_KEYS = {"url", "content_type", "encoding", "lang", "script", "published", "style", "claims"}
_LABEL_KEYS = {
    "class", "find", "type", "subject", "value", "currency", "date", "verdict", "true", "note",
}  # fmt: skip


class CorpusError(Exception):
    """A corpus file that cannot be evaluated; the message names the file."""


@dataclass(frozen=True)
class Label:
    """One expected claim of a page."""

    cls: str
    find: str
    type: str
    subject: str
    value: float
    currency: str | None
    date: date | None
    verdict: str  # "" for type other: not judged
    true: bool
    note: str = ""

    @property
    def judged(self) -> bool:
        """Whether a verdict is expected (every type but `other`)."""
        return self.type in JUDGED_TYPES


@dataclass(frozen=True)
class Page:
    """One corpus page: its bytes as served and its labels."""

    stem: str
    url: str
    content_type: str
    encoding: str
    lang: str
    script: str
    published: datetime | None
    style: str
    html: str
    labels: tuple[Label, ...]

    @property
    def body(self) -> bytes:
        """The page as the outlet serves it: its text encoded as `encoding`."""
        return self.html.encode(self.encoding)

    @property
    def served_path(self) -> str:
        """The stand-in path: the original host and path, so URL dates stay visible."""
        parts = urlsplit(self.url)
        return f"/{parts.hostname}{parts.path or '/'}"


def load_corpus(directory: Path, only: str | None = None) -> list[Page]:
    """Every page of the corpus directory (or the one stem `only`), validated."""
    if not directory.is_dir():
        raise CorpusError(f"{directory}: no corpus directory")
    tomls = {p.stem: p for p in directory.glob("*.toml")}
    pages_html = {p.stem: p for p in directory.glob("*.html")}
    orphans = sorted(set(pages_html) - set(tomls))
    if orphans:
        raise CorpusError(f"{pages_html[orphans[0]]}: no labels file {orphans[0]}.toml beside it")
    if only is not None:
        if only not in tomls:
            raise CorpusError(f"{directory / (only + '.toml')}: no such corpus page")
        tomls = {only: tomls[only]}
    pages = [load_page(tomls[stem]) for stem in sorted(tomls)]
    seen: dict[str, str] = {}
    for page in pages:
        if page.served_path in seen:
            raise CorpusError(
                f"{directory / (page.stem + '.toml')}: url {page.url} "
                f"is {seen[page.served_path]}'s too"
            )
        seen[page.served_path] = page.stem
    return pages


def load_page(path: Path) -> Page:
    """One page from its labels file and the .html beside it."""
    stem = path.stem
    if not _STEM.match(stem):
        raise CorpusError(f"{path}: stem {stem!r} must be lowercase [a-z0-9_]")
    html_path = path.with_suffix(".html")
    if not html_path.is_file():
        raise CorpusError(f"{path}: missing page {html_path.name}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc})") from None
    try:
        text = html_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(f"{html_path}: not UTF-8 (store pages as UTF-8; `encoding` says how "
                          "they are served)") from None  # fmt: skip
    try:
        return _page(stem, data, text)
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None


def _page(stem: str, data: dict[str, Any], text: str) -> Page:
    _no_unknown_keys(data, _PAGE_KEYS, "")
    url = _string(data, "url")
    host = urlsplit(url).hostname or ""
    if urlsplit(url).scheme not in ("http", "https") or not _reserved(host):
        raise CorpusError(f"url {url!r} must be http(s) on a reserved example host")
    encoding = _string(data, "encoding")
    try:
        codecs.lookup(encoding)
        text.encode(encoding)
    except LookupError:
        raise CorpusError(f"encoding {encoding!r} is unknown") from None
    except UnicodeEncodeError as exc:
        raise CorpusError(f"the page has {exc.object[exc.start]!r}, not in {encoding}") from None
    lang, script = _string(data, "lang"), _string(data, "script")
    if script not in LANG_SCRIPTS.get(lang, ()):
        raise CorpusError(f"lang {lang!r} with script {script!r}: expected en/latin or "
                          "zh/simplified|traditional")  # fmt: skip
    visible = page_text(text)
    raw_labels = data.get("claims", [])
    if not isinstance(raw_labels, list) or not all(isinstance(x, dict) for x in raw_labels):
        raise CorpusError("claims must be [[claims]] tables")
    labels = tuple(_label(i, raw, visible) for i, raw in enumerate(raw_labels, start=1))
    return Page(
        stem=stem,
        url=url,
        content_type=_string(data, "content_type"),
        encoding=encoding,
        lang=lang,
        script=script,
        published=_published(data),
        style=_string(data, "style", required=False),
        html=text,
        labels=labels,
    )


def _label(number: int, raw: dict[str, Any], visible: str) -> Label:
    where = f"claim {number}"
    _no_unknown_keys(raw, _LABEL_KEYS, f"{where}: ")
    cls, kind = _string(raw, "class", where), _string(raw, "type", where)
    if cls not in CLASSES:
        raise CorpusError(f"{where}: unknown class {cls!r}")
    if kind not in TYPES:
        raise CorpusError(f"{where}: unknown type {kind!r}")
    find = _string(raw, "find", where)
    if normalise_space(find) not in visible:
        raise CorpusError(f"{where}: find {find!r} is not in the page's text")
    subject = _string(raw, "subject", where, required=False)
    if subject and not _SYMBOL.match(subject):
        raise CorpusError(f"{where}: subject {subject!r} is not a ticker symbol")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CorpusError(f"{where}: value must be a number")
    currency = raw.get("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.match(currency)):
        raise CorpusError(f"{where}: currency {currency!r} is not an ISO 4217 code")
    day = raw.get("date")
    if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
        raise CorpusError(f"{where}: date must be a bare TOML date like 2025-01-27")
    verdict = _string(raw, "verdict", where, required=False)
    truth = raw.get("true")
    if not isinstance(truth, bool):
        raise CorpusError(f"{where}: true must be true or false")
    _check_verdict(where, cls, kind, verdict, truth)
    return Label(
        cls=cls,
        find=find,
        type=kind,
        subject=subject,
        value=float(value),
        currency=currency,
        date=day,
        verdict=verdict,
        true=truth,
        note=_string(raw, "note", where, required=False),
    )


def _check_verdict(where: str, cls: str, kind: str, verdict: str, truth: bool) -> None:
    if kind == "other":
        if verdict:
            raise CorpusError(f'{where}: type other is not judged: verdict must be ""')
        return
    if verdict not in VERDICTS:
        raise CorpusError(f"{where}: verdict {verdict!r} is not supported, contradicted "
                          "or unverifiable")  # fmt: skip
    if verdict == "contradicted" and truth:
        raise CorpusError(f"{where}: contradicted with true = true: a true figure is never false")
    if verdict == "supported" and not truth:
        raise CorpusError(f"{where}: supported with true = false")
    if cls == "false_figure" and (truth or verdict != "contradicted"):
        raise CorpusError(f"{where}: class false_figure needs true = false, verdict contradicted")


def page_text(markup: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities read, spaces collapsed)."""
    return normalise_space(html.unescape(_TAG.sub(" ", markup)))


def normalise_space(text: str) -> str:
    """Runs of whitespace as one space, ends trimmed."""
    return _SPACE.sub(" ", text).strip()


def _reserved(host: str) -> bool:
    labels = host.lower().rstrip(".").split(".")
    return labels[-1] in RESERVED_TLDS or "example" in labels[:-1]


def _published(data: dict[str, Any]) -> datetime | None:
    value = data.get("published")
    if value == "":
        return None
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            raise CorpusError(f"published {value!r} is not an ISO date-time") from None
    else:
        raise CorpusError('published must be an ISO date-time with its offset, or ""')
    if stamp.tzinfo is None:
        raise CorpusError(f"published {value!s} needs its UTC offset (e.g. +08:00)")
    return stamp


def _string(data: dict[str, Any], key: str, where: str = "", *, required: bool = True) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value):
        prefix = f"{where}: " if where else ""
        raise CorpusError(f"{prefix}{key} must be a{' non-empty' if required else ''} string")
    return value


def _no_unknown_keys(data: dict[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise CorpusError(f"{prefix}unknown key {unknown[0]!r}")
