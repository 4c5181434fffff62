"""One typed Settings object: the only reader of the TOML file and of os.environ.

Every key is checked when it is read, with bounds that make sense for it; a bad value stops
the command with a UsageError of one line that names the key and the value (exit 2, nothing
written). The checks live in ``_RULES``, one per key, so a new key cannot be added without one.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from newsdesk.errors import UsageError

DEFAULT_CONFIG = Path("newsdesk.toml")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# The exchange-symbol grammar, checked after upper-casing: no path character can get through
# to the landing zone, where the symbol becomes a folder name.
SYMBOL = re.compile(r"^[A-Z0-9.^=-]{1,15}$")
_EXPECTATION_ID = re.compile(r"^[a-z0-9_]{1,100}$")
SEVERITIES = ("blocking", "warning")  # what a data-quality expectation can be
# the claim types a rule judges; [verify] floors names only these
CLAIM_TYPES = (
    "price_move",
    "market_cap_change",
    "currency_conversion",
    "valuation",
    "valuation_change",
)
EARLIEST_DATE = date(1970, 1, 1)
MAX_CONFIG_BYTES = 1_000_000  # a config file is a few lines; refuse to read a disk image


@dataclass(frozen=True)
class WarehouseSettings:
    path: Path = Path("warehouse/newsdesk.duckdb")
    # A local path, or an object-store URL (s3://bucket/prefix) reached through fsspec.
    raw_dir: Path | str = Path("warehouse/raw")
    # Transformed Parquet a chunk hands the loader; local or s3:// like raw_dir.
    staging_dir: Path | str = Path("warehouse/staging")
    reports_dir: Path = Path("warehouse/reports")
    dq_dir: Path = Path("warehouse/dq")
    # After each run, publish <name>.read.duckdb beside the warehouse for readers (newsdesk sql,
    # notebooks) that must not wait for, or block, the one writing process.
    read_copy: bool = True


@dataclass(frozen=True)
class NewsSettings:
    feeds: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    min_interval: float = 1.0  # seconds between two requests to the same news host


@dataclass(frozen=True)
class MarketSettings:
    base_url: str = "https://query1.finance.yahoo.com"
    watchlist: tuple[str, ...] = ()
    # Vendors revise the last few sessions; older closed days are not fetched again.
    revise_days: int = 5
    # A run for day D also needs the sessions before D (previous close, charts).
    lookback_days: int = 10


@dataclass(frozen=True)
class FxSettings:
    base_url: str = "https://api.frankfurter.dev"
    # The currencies the news converts into: 人民币, €, £, 港元/HK$, 日元, 令吉/RM. The ECB
    # publishes no TWD rate, so a NT$ conversion stays unverifiable whatever is listed here.
    quotes: tuple[str, ...] = ("CNY", "EUR", "GBP", "HKD", "JPY", "MYR")


@dataclass(frozen=True)
class SecSettings:
    base_url: str = "https://data.sec.gov"
    user_agent: str = ""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = "0 6 * * *"
    timezone: str = "UTC"


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0  # between two bytes; `deadline` bounds the whole request
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = 25_000_000
    # Prefect-level retries of a whole fetch task, on top of the client's own retries.
    task_retries: int = 1
    # Seconds one request may take in all (connect, redirects, a trickling body), however
    # often bytes arrive.
    deadline: float = 120.0
    # Seconds one source (market, fx, sec, news) may spend in one run, retries and
    # Retry-After waits included; what is not fetched by then fails that source.
    source_budget: float = 900.0


@dataclass(frozen=True)
class StorageSettings:
    """How object-store URLs in raw_dir and staging_dir are reached. Credentials are never
    configured here: s3fs reads them from the environment (AWS_ACCESS_KEY_ID, …, or a role)."""

    endpoint_url: str = ""  # an S3-compatible service (MinIO, moto); empty: AWS itself
    region: str = ""


@dataclass(frozen=True)
class ComputeSettings:
    """Where fetch and extract tasks run, and how the work is split."""

    runner: str = "thread"  # "thread" | "process" | "dask"
    max_workers: int = 8  # bound on concurrent tasks
    dask_address: str = ""  # a Dask scheduler for runner = "dask"; empty: a local cluster
    # A run's symbols and pages are split into chunks of at most this many; each chunk
    # fetches, lands and stages its part wherever it runs, one loader writes the warehouse.
    chunk_symbols: int = 250
    chunk_pages: int = 200
    # A Prefect work pool: chunks run as deployment runs on it (`newsdesk deploy`); empty:
    # chunks run as tasks on the runner above.
    work_pool: str = ""


@dataclass(frozen=True)
class LimitSettings:
    """Requests per second across every worker (Prefect global concurrency limits with slot
    decay, created by `newsdesk serve` and `newsdesk deploy`)."""

    yahoo: float = 2.0
    sec: float = 8.0  # SEC asks for under 10 per second
    news_host: float = 1.0  # per news host


@dataclass(frozen=True)
class VerifyPolicy:
    """The knobs of the verdict rules, read from [verify]; the defaults are the documented ones."""

    about_margin: float = 0.05  # relative widening for "about"
    nearly_margin: float = 0.10  # how far below the stated figure "nearly" may be
    # per claim type, relative to the stated figure. A plain dict, not a read-only view: Prefect
    # writes the default into the flows' parameter schema, and a mappingproxy is not JSON.
    floors: Mapping[str, float] = field(
        default_factory=lambda: {
            "price_move": 0.0,
            # which share count (all classes or the listed ones, count date, vendor) moves a
            # market value by up to about 15%: Meta's record gain was printed from $178 billion
            # (class A) to $206 billion (A and B)
            "market_cap_change": 0.15,
            "currency_conversion": 0.0,
            "valuation": 0.15,
            "valuation_change": 0.0,
        }
    )
    # How far back a rate or market cap may be carried forward. A class constant, not a
    # field: [verify] has never accepted it as a key.
    fx_carry_days: ClassVar[int] = 7


@dataclass(frozen=True)
class QualitySettings:
    # expectation id -> "blocking" | "warning"; overrides the suites' own defaults
    severity: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    warehouse: WarehouseSettings = WarehouseSettings()
    news: NewsSettings = NewsSettings()
    market: MarketSettings = MarketSettings()
    fx: FxSettings = FxSettings()
    sec: SecSettings = SecSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    http: HttpSettings = HttpSettings()
    verify: VerifyPolicy = VerifyPolicy()
    quality: QualitySettings = QualitySettings()
    storage: StorageSettings = StorageSettings()
    compute: ComputeSettings = ComputeSettings()
    limits: LimitSettings = LimitSettings()
    source_file: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's timezone."""
        return ZoneInfo(self.schedule.timezone)


# Environment variables that override single keys (besides NEWSDESK_CONFIG).
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "NEWSDESK_WAREHOUSE": ("warehouse", "path"),
    "NEWSDESK_RAW_DIR": ("warehouse", "raw_dir"),
    "NEWSDESK_STAGING_DIR": ("warehouse", "staging_dir"),
    "NEWSDESK_S3_ENDPOINT_URL": ("storage", "endpoint_url"),
    "NEWSDESK_SEC_USER_AGENT": ("sec", "user_agent"),
    "NEWSDESK_MARKET_BASE_URL": ("market", "base_url"),
    "NEWSDESK_FX_BASE_URL": ("fx", "base_url"),
    "NEWSDESK_SEC_BASE_URL": ("sec", "base_url"),
}


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings from --config, $NEWSDESK_CONFIG or ./newsdesk.toml, then the environment."""
    env = os.environ if environ is None else environ
    explicit = path or env.get("NEWSDESK_CONFIG")
    config_path = Path(explicit) if explicit else DEFAULT_CONFIG
    found = _exists(config_path)
    if not found and explicit:
        raise UsageError(f"config file not found: {_show(str(config_path))}")
    data = _read_toml(config_path) if found else {}
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            section_data = data.setdefault(section, {})
            if isinstance(section_data, dict):
                section_data[key] = env[var]
    settings = _build(data, config_path if found else None)
    _check_across(settings)
    return settings


def parse_date(text: str, what: str = "date", latest: date | None = None) -> date:
    """An ISO YYYY-MM-DD date from 1970-01-01 (to ``latest``), or a UsageError naming it."""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what}: {_show(text)} is not a date (expected YYYY-MM-DD)") from None
    # Sources take Unix timestamps, and day arithmetic near year 1 overflows.
    if day < EARLIEST_DATE:
        raise UsageError(f"{what}: {text!r} is before {EARLIEST_DATE.isoformat()}")
    if latest is not None and day > latest:
        raise UsageError(f"{what}: {text!r} is after {latest.isoformat()}")
    return day


def normalise_symbol(text: str, what: str = "symbol") -> str:
    """A ticker symbol upper-cased and matched against the exchange-symbol grammar."""
    symbol = text.strip().upper() if isinstance(text, str) else text
    if not isinstance(symbol, str) or not SYMBOL.match(symbol):
        raise UsageError(f"{what}: {_show(text)} is not a ticker symbol (1-15 of A-Z 0-9 . ^ = -)")
    return symbol


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as exc:  # a name too long for the file system, a folder it may not enter
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"config file {_show(str(path))}: {reason}") from None
    except ValueError:  # a NUL byte
        raise UsageError(f"config file {_show(str(path))}: not a usable path") from None


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML, refusing a directory, a device, an unreadable or oversized file."""
    shown = _show(str(path))
    try:
        if not path.is_file():
            raise UsageError(f"config {shown}: not a regular file")
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(f"config {shown}: larger than {MAX_CONFIG_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"config {shown}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"config {shown}: not valid TOML (not UTF-8 text)") from None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"config {shown}: not valid TOML ({_clip(reason)})") from None


def _build(data: dict[str, Any], source: Path | None) -> Settings:
    sections = {f.name for f in fields(Settings) if f.name != "source_file"}
    unknown = sorted(set(data) - sections)
    if unknown:
        raise UsageError(f"config: unknown section [{_clip(unknown[0])}]")
    settings = Settings(source_file=source)
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise UsageError(f"config: [{name}] must be a table, not {_show(raw)}")
        current = getattr(settings, name)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            rule = _RULES.get(f"{name}.{key}")
            if rule is None:
                raise UsageError(f"config: unknown key {name}.{_clip(key)}")
            values[key] = rule(f"{name}.{key}", value)
        settings = replace(settings, **{name: replace(current, **values)})
    return settings


def _check_across(settings: Settings) -> None:
    """Bounds that involve two keys."""
    http = settings.http
    if http.deadline > http.source_budget:
        raise UsageError(
            f"config: http.deadline = {http.deadline:g} is longer than "
            f"http.source_budget = {http.source_budget:g}: one request would outlast its source"
        )
    paths = {
        "warehouse.path": settings.warehouse.path,
        "warehouse.raw_dir": settings.warehouse.raw_dir,
        "warehouse.staging_dir": settings.warehouse.staging_dir,
        "warehouse.reports_dir": settings.warehouse.reports_dir,
        "warehouse.dq_dir": settings.warehouse.dq_dir,
    }
    seen: dict[Path | str, str] = {}
    for name, path in paths.items():
        if path in seen:
            raise UsageError(f"config: {name} = {_show(str(path))} is also {seen[path]}")
        seen[path] = name
    if _is_dir(settings.warehouse.path):
        raise UsageError(
            f"config: warehouse.path = {_show(str(settings.warehouse.path))} is a directory; "
            "name the DuckDB file"
        )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


# ---- one rule per key: (key name, TOML value) -> the typed value, or a UsageError ----------

_Rule = Callable[[str, Any], Any]


def _show(value: Any) -> str:
    """A value as it can appear in a one-line message: repr, control characters escaped."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return _clip(repr(value))


def _clip(text: str, limit: int = 80) -> str:
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _refuse(name: str, value: Any, why: str) -> UsageError:
    return UsageError(f"config: {name} = {_show(value)}: {why}")


def _number(low: float, high: float, *, above_low: bool = False) -> _Rule:
    """A finite number (integer or float) within [low, high], or (low, high] with above_low."""
    bounds = f"{'above' if above_low else 'from'} {low:g} {'up ' if above_low else ''}to {high:g}"

    def rule(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(name, value, f"must be a number {bounds}")
        number = float(value) if abs(value) < 1e300 else math.inf
        if not math.isfinite(number):
            raise _refuse(name, value, f"must be a finite number {bounds}")
        if number < low or number > high or (above_low and number == low):
            raise _refuse(name, value, f"must be {bounds}")
        return number

    return rule


def _whole(low: int, high: int, unit: str = "") -> _Rule:
    """A TOML integer within [low, high]: 3.0 and 3.7 are refused alike, so nothing rounds."""
    what = f"a whole number{f' of {unit}' if unit else ''} from {low} to {high}"

    def rule(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refuse(name, value, f"must be {what}")
        if not low <= value <= high:
            raise _refuse(name, value, f"must be {what}")
        return value

    return rule


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _refuse(name, value, "must be true or false")
    return value


def _path(name: str, value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(name, value, "must be a non-empty path")
    if "\0" in value or any(ord(c) < 32 for c in value):
        raise _refuse(name, value, "must not hold control characters")
    try:
        encoded = os.fsencode(value)
    except UnicodeError:
        raise _refuse(name, value, "is not a file name this system can encode") from None
    if len(encoded) > 4000 or any(len(part) > 255 for part in encoded.split(b"/")):
        raise _refuse(name, value, "is longer than the file system allows")
    return Path(value)


# Object stores fsspec reaches with the packages newsdesk installs (s3fs), and memory:// for tests.
URL_SCHEMES = ("s3", "memory")


def _location(name: str, value: Any) -> Path | str:
    """A local path, or an object-store URL such as s3://bucket/prefix (kept as a string)."""
    if isinstance(value, str) and "://" in value:
        scheme, _, rest = value.partition("://")
        if scheme not in URL_SCHEMES:
            schemes = ", ".join(f"{s}://" for s in URL_SCHEMES)
            raise _refuse(name, value, f"is a {scheme}:// URL; use a path or {schemes}")
        if not rest.strip("/") or any(c.isspace() or not c.isprintable() for c in value):
            raise _refuse(name, value, f"must name a bucket, e.g. {scheme}://bucket/prefix")
        if "@" in rest.split("/", 1)[0]:
            raise _refuse(name, value, "must not carry credentials (use the environment)")
        return value.rstrip("/")
    return _path(name, value)


def is_url(location: Path | str) -> bool:
    """Whether a configured location is an object-store URL rather than a local path."""
    return isinstance(location, str) and "://" in location


def _optional_url(name: str, value: Any) -> str:
    return "" if value == "" else _url(name, value)


def _region(name: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9-]{0,40}", value):
        raise _refuse(name, value, "must be a region name such as 'eu-west-1'")
    return value


def _choice(*allowed: str) -> _Rule:
    def rule(name: str, value: Any) -> str:
        if value not in allowed:
            raise _refuse(name, value, f"must be one of {', '.join(map(repr, allowed))}")
        return value

    return rule


def _dask_address(name: str, value: Any) -> str:
    if value == "":
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"(tcp|tls)://[A-Za-z0-9.\-\[\]:]+", value):
        raise _refuse(name, value, "must be a scheduler address such as 'tcp://10.0.0.5:8786'")
    return value


def _pool_name(name: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}|", value):
        raise _refuse(name, value, "must be a work pool name such as 'newsdesk'")
    return value


def _strings(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse(name, value, "must be a list of strings")
    return value


def _url(name: str, value: Any, *, base: bool = True) -> str:
    """An http(s) URL with a host; a base URL carries no query or fragment (paths are added)."""
    if not isinstance(value, str):
        raise _refuse(name, value, "must be an http(s) URL as a string")
    if not value or len(value) > 2000 or any(c.isspace() or not c.isprintable() for c in value):
        raise _refuse(name, value, "is not an http(s) URL (empty, too long or with blanks)")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise _refuse(name, value, "is not an http(s) URL (malformed host or port)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(name, value, "is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise _refuse(name, value, "must not carry credentials (they would reach logs and raw/)")
    if base and (parts.query or parts.fragment):
        raise _refuse(name, value, "is a base URL: no query or fragment")
    return value


def _urls(name: str, value: Any) -> tuple[str, ...]:
    items = _strings(name, value)
    if len(items) > 10_000:
        raise _refuse(name, value, "lists more than 10000 URLs")
    return tuple(_url(name, item, base=False) for item in items)


def _watchlist(name: str, value: Any) -> tuple[str, ...]:
    items = _strings(name, value)
    if len(items) > 5_000:
        raise _refuse(name, value, "lists more than 5000 symbols")
    symbols = tuple(normalise_symbol(item, f"config: {name}") for item in items)
    return tuple(dict.fromkeys(symbols))  # once each, in the order given


def _quotes(name: str, value: Any) -> tuple[str, ...]:
    items = _strings(name, value)
    if not items:
        raise _refuse(name, value, "must list at least one currency, e.g. ['CNY']")
    for quote in items:
        if not _CURRENCY.match(quote):
            raise _refuse(name, quote, "is not an ISO 4217 code like 'CNY'")
        if quote == "USD":
            raise _refuse(name, quote, "rates are fetched as USD -> quote; list other currencies")
    if len(set(items)) != len(items):
        raise _refuse(name, value, "lists a currency twice")
    return tuple(items)


def _user_agent(name: str, value: Any) -> str:
    # It is sent as an HTTP header: printable ASCII only, or the request fails mid-run.
    if not isinstance(value, str):
        raise _refuse(name, value, "must be a string, e.g. 'Your Name you@example.com'")
    if len(value) > 200 or not all(" " <= c <= "~" for c in value):
        raise _refuse(name, value, "must be at most 200 printable ASCII characters")
    return value.strip()


def _cron(name: str, value: Any) -> str:
    """What Prefect's Cron schedule accepts (croniter, hashed/random fields refused), and fires."""
    if not isinstance(value, str) or len(value) > 200:
        raise _refuse(name, value, "must be a cron expression as a string, e.g. '0 6 * * *'")
    # prefect._internal.schemas.validators.validate_cron_string, with the croniter it vendors.
    # A third-party parser fed any text: whatever it raises means "not an expression".
    try:
        valid = croniter.is_valid(value)
    except Exception:
        valid = False
    if not valid or any(part.casefold() in ("r", "h") for part in value.split()):
        raise _refuse(
            name,
            value,
            "is not a cron expression (minute hour day month weekday, e.g. '0 6 * * *')",
        )
    try:
        croniter(value, datetime.now()).get_next(datetime)
    except Exception:
        raise _refuse(name, value, "never fires (no such date from now on)") from None
    return value


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(name: str, value: Any) -> str:
    # Prefect's Cron takes the names zoneinfo.available_timezones() lists, and no others.
    if not isinstance(value, str) or value not in _timezones():
        raise _refuse(name, value, "unknown timezone (an IANA name such as 'America/New_York')")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _refuse(name, value, "unknown timezone") from None
    return value


def _floors(name: str, value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise _refuse(name, value, "must be a table of claim type -> floor")
    floors = dict(VerifyPolicy().floors)
    for key, floor in value.items():
        if key not in CLAIM_TYPES:
            raise _refuse(f"{name}.{_clip(key)}", floor, f"not one of {', '.join(CLAIM_TYPES)}")
        floors[key] = _number(0.0, 1.0)(f"{name}.{key}", floor)
    return floors


def _severity(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _refuse(name, value, 'must be a table of expectation id -> "blocking" | "warning"')
    for key, severity in value.items():
        if not _EXPECTATION_ID.match(key):
            raise _refuse(f"{name}.{_clip(key)}", severity, "not an expectation id")
        if severity not in SEVERITIES:
            raise _refuse(f"{name}.{key}", severity, "must be 'blocking' or 'warning'")
    return dict(value)


_RULES: dict[str, _Rule] = {
    "warehouse.path": _path,
    "warehouse.raw_dir": _location,
    "warehouse.staging_dir": _location,
    "warehouse.reports_dir": _path,
    "warehouse.dq_dir": _path,
    "warehouse.read_copy": _flag,
    "news.feeds": _urls,
    "news.pages": _urls,
    "news.min_interval": _number(0.0, 60.0),
    "market.base_url": _url,
    "market.watchlist": _watchlist,
    # A run needs its window's sessions and a previous close: within a year either way.
    "market.revise_days": _whole(0, 366, "days"),
    "market.lookback_days": _whole(1, 366, "days"),
    "fx.base_url": _url,
    "fx.quotes": _quotes,
    "sec.base_url": _url,
    "sec.user_agent": _user_agent,
    "schedule.cron": _cron,
    "schedule.timezone": _timezone,
    "http.connect_timeout": _number(0.0, 600.0, above_low=True),
    "http.read_timeout": _number(0.0, 3600.0, above_low=True),
    "http.retries": _whole(0, 10),
    "http.backoff": _number(0.0, 60.0),
    "http.max_bytes": _whole(1024, 2**31, "bytes"),
    "http.task_retries": _whole(0, 10),
    "http.deadline": _number(0.0, 3600.0, above_low=True),
    "http.source_budget": _number(0.0, 86400.0, above_low=True),
    "verify.about_margin": _number(0.0, 0.5),
    "verify.nearly_margin": _number(0.0, 0.5),
    "verify.floors": _floors,
    "quality.severity": _severity,
    "storage.endpoint_url": _optional_url,
    "storage.region": _region,
    "compute.runner": _choice("thread", "process", "dask"),
    "compute.max_workers": _whole(1, 256),
    "compute.dask_address": _dask_address,
    "compute.chunk_symbols": _whole(1, 100_000),
    "compute.chunk_pages": _whole(1, 100_000),
    "compute.work_pool": _pool_name,
    "limits.yahoo": _number(0.0, 100.0, above_low=True),
    # SEC's fair-access policy: under 10 requests per second.
    "limits.sec": _number(0.0, 9.9, above_low=True),
    "limits.news_host": _number(0.0, 100.0, above_low=True),
}
