"""One typed Settings object: the only reader of the TOML file and of os.environ."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsdesk.errors import UsageError

DEFAULT_CONFIG = Path("newsdesk.toml")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SYMBOL = re.compile(r"^[A-Za-z0-9^.=\-]{1,20}$")
SEVERITIES = ("blocking", "warning")  # what a data-quality expectation can be


@dataclass(frozen=True)
class WarehouseSettings:
    path: Path = Path("warehouse/newsdesk.duckdb")
    raw_dir: Path = Path("warehouse/raw")
    reports_dir: Path = Path("warehouse/reports")
    dq_dir: Path = Path("warehouse/dq")


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
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = 25_000_000
    # Prefect-level retries of a whole fetch task, on top of the client's own retries.
    task_retries: int = 1


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
    source_file: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's timezone."""
        return ZoneInfo(self.schedule.timezone)


# Environment variables that override single keys (besides NEWSDESK_CONFIG).
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "NEWSDESK_WAREHOUSE": ("warehouse", "path"),
    "NEWSDESK_RAW_DIR": ("warehouse", "raw_dir"),
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
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"config {config_path}: not valid TOML ({exc})") from exc
    elif explicit:
        raise UsageError(f"config file not found: {config_path}")
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            data.setdefault(section, {})[key] = env[var]
    settings = _build(data, config_path if config_path.exists() else None)
    _validate(settings)
    return settings


def parse_date(text: str, what: str = "date") -> date:
    """An ISO YYYY-MM-DD date, or a UsageError that says which argument was wrong."""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what}: {text!r} is not a date (expected YYYY-MM-DD)") from None


def _build(data: dict[str, Any], source: Path | None) -> Settings:
    sections = {f.name: f for f in fields(Settings) if f.name != "source_file"}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise UsageError(f"config: unknown section [{unknown[0]}]")
    settings = Settings(source_file=source)
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise UsageError(f"config: [{name}] must be a table")
        current = getattr(settings, name)
        allowed = {f.name: f for f in fields(current)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in allowed:
                raise UsageError(f"config: unknown key {name}.{key}")
            values[key] = _coerce(f"{name}.{key}", getattr(current, key), value)
        settings = replace(settings, **{name: replace(current, **values)})
    return settings


def _coerce(name: str, default: Any, value: Any) -> Any:
    """Give a TOML value the type of the key's default, or refuse it."""
    if isinstance(default, Path):
        if not isinstance(value, str) or not value:
            raise UsageError(f"config: {name} must be a path")
        return Path(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"config: {name} must be a list of strings")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"config: {name} must be true or false")
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"config: {name} must be a number")
        if value < 0:
            raise UsageError(f"config: {name} must not be negative")
        return type(default)(value)
    if isinstance(default, Mapping):
        if not isinstance(value, dict):
            raise UsageError(f"config: {name} must be a table")
        return {**default, **value}
    if not isinstance(value, str):
        raise UsageError(f"config: {name} must be a string")
    return value


def _validate(settings: Settings) -> None:
    for name, url in (
        ("market.base_url", settings.market.base_url),
        ("fx.base_url", settings.fx.base_url),
        ("sec.base_url", settings.sec.base_url),
    ):
        _check_url(name, url)
    for url in settings.news.pages:
        _check_url("news.pages", url)
    for url in settings.news.feeds:
        _check_url("news.feeds", url)
    for quote in settings.fx.quotes:
        if not _CURRENCY.match(quote):
            raise UsageError(f"config: fx.quotes: {quote!r} is not an ISO 4217 code like 'CNY'")
    for symbol in settings.market.watchlist:
        if not _SYMBOL.match(symbol):
            raise UsageError(f"config: market.watchlist: {symbol!r} is not a ticker symbol")
    try:
        ZoneInfo(settings.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"config: schedule.timezone: unknown timezone {settings.schedule.timezone!r}"
        ) from None
    if len(settings.schedule.cron.split()) != 5:
        raise UsageError(
            f"config: schedule.cron: {settings.schedule.cron!r} needs 5 fields, e.g. '0 6 * * *'"
        )
    for key, severity in settings.quality.severity.items():
        if severity not in SEVERITIES:
            raise UsageError(f"config: quality.severity.{key} must be 'blocking' or 'warning'")
    for key, floor in settings.verify.floors.items():
        if not isinstance(floor, int | float) or floor < 0:
            raise UsageError(f"config: verify.floors.{key} must be a non-negative number")
    if settings.http.retries > 10:
        raise UsageError("config: http.retries must be at most 10")


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"config: {name}: {url!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise UsageError(f"config: {name}: {url!r} has a malformed port") from None
