"""The market facts a verdict is judged against, indexed for as-of look-ups."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from newsdesk.tables import ARTICLES_SCHEMA, empty

# The claims' articles are read without their text.
_ARTICLE_FACTS = {k: v for k, v in ARTICLES_SCHEMA.items() if k != "text"}


@dataclass(frozen=True)
class MarketFacts:
    """Warehouse tables (as frames) that claims are checked against."""

    prices: pl.DataFrame = field(default_factory=lambda: empty("prices"))
    valuations: pl.DataFrame = field(default_factory=lambda: empty("valuations"))
    fx_rates: pl.DataFrame = field(default_factory=lambda: empty("fx_rates"))
    articles: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_ARTICLE_FACTS))
    tickers: pl.DataFrame = field(default_factory=lambda: empty("tickers"))


class _Series:
    """Rows of one key, sorted by date, for exact and as-of look-ups."""

    def __init__(self, frame: pl.DataFrame, day: str) -> None:
        rows = frame.sort(day).unique(subset=day, keep="last", maintain_order=True)
        self.rows: list[dict[str, Any]] = rows.to_dicts()
        self.dates: list[date] = [row[day] for row in self.rows]

    def on(self, day: date) -> dict[str, Any] | None:
        i = bisect.bisect_left(self.dates, day)
        return self.rows[i] if i < len(self.dates) and self.dates[i] == day else None

    def before(self, day: date) -> tuple[date, dict[str, Any]] | None:
        i = bisect.bisect_left(self.dates, day)
        return (self.dates[i - 1], self.rows[i - 1]) if i else None

    def as_of(self, day: date, carry_days: int) -> tuple[date, dict[str, Any]] | None:
        i = bisect.bisect_right(self.dates, day)
        if not i or (day - self.dates[i - 1]) > timedelta(days=carry_days):
            return None
        return self.dates[i - 1], self.rows[i - 1]


class _Table:
    """One fact table split by key on demand: the prices table may hold years of the S&P 500."""

    def __init__(self, frame: pl.DataFrame, key: str, day: str) -> None:
        self.frame = frame.filter(pl.col(key).is_not_null() & pl.col(day).is_not_null())
        self.key, self.day = key, day
        self.keys = set(self.frame[key].to_list())
        self.cache: dict[str, _Series] = {}

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def get(self, key: str) -> _Series | None:
        if key not in self.keys:
            return None
        if key not in self.cache:
            self.cache[key] = _Series(self.frame.filter(pl.col(self.key) == key), self.day)
        return self.cache[key]


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def usd_value(row: dict[str, Any]) -> float | None:
    """A valuation row's worth in USD: value_usd, or value when already in USD."""
    if row.get("value_usd") is not None:
        return row["value_usd"]
    return row["value"] if row.get("currency") == "USD" else None


class FactIndex:
    """Look-ups over MarketFacts: bars, USD rates, market caps, articles, symbols."""

    def __init__(self, facts: MarketFacts) -> None:
        self.bars = _Table(facts.prices.filter(pl.col("close").is_not_null()), "symbol", "date")
        usd = facts.fx_rates.filter((pl.col("base") == "USD") & pl.col("rate").is_not_null())
        self.rates = _Table(usd, "quote", "date")
        caps = facts.valuations.filter(pl.col("kind") == "market_cap")
        self.caps = _Table(caps, "entity", "as_of")
        self.reported: dict[str, list[dict[str, Any]]] = {}
        for row in facts.valuations.filter(pl.col("kind") == "reported").iter_rows(named=True):
            self.reported.setdefault(row["entity"], []).append(row)
        self.articles = {
            row["article_id"]: (row.get("url"), _as_date(row.get("published_at")))
            for row in facts.articles.iter_rows(named=True)
        }
        self.symbols: dict[str, str] = {}
        for row in facts.tickers.iter_rows(named=True):
            names = [row.get("name"), row.get("issuer"), *(row.get("aliases") or [])]
            for name in filter(None, names):
                self.symbols.setdefault(name.casefold(), row["symbol"])
        for row in facts.tickers.iter_rows(named=True):
            self.symbols[row["symbol"].casefold()] = row["symbol"]
        # listed share classes of one issuer (GOOGL, GOOG) share a CIK
        self.issuer: dict[str, str] = {
            row["symbol"]: row["cik"]
            for row in facts.tickers.iter_rows(named=True)
            if row.get("cik")
        }

    def resolve(self, subject: str) -> str | None:
        """The listed symbol a subject names (symbol, name, issuer or alias), if any."""
        symbol = self.symbols.get(subject.casefold())
        if symbol is None and (subject in self.bars or subject in self.caps):
            return subject
        return symbol

    def share_classes(self, symbol: str) -> list[str]:
        """The issuer's other listed share classes with facts loaded (GOOGL → GOOG)."""
        cik = self.issuer.get(symbol)
        if cik is None:
            return []
        return sorted(
            other
            for other, their in self.issuer.items()
            if their == cik and other != symbol and (other in self.bars or other in self.caps)
        )

    def share_counts(self, entity: str) -> list[tuple[date, float]]:
        """The distinct share counts behind an entity's market caps, oldest first."""
        series = self.caps.get(entity)
        if series is None:
            return []
        counts = {
            (row["shares_as_of"], row["shares"])
            for row in series.rows
            if row.get("shares") and row.get("shares_as_of")
        }
        return sorted(counts)

    def cap_row(self, entity: str, day: date) -> dict[str, Any] | None:
        """The market-cap row of an entity on exactly `day`."""
        series = self.caps.get(entity)
        return series.on(day) if series else None

    def previous_day(self, symbol: str, day: date) -> date | None:
        """The trading day before `day`: from prices when loaded, else from market caps."""
        series = self.bars.get(symbol) or self.caps.get(symbol)
        found = series.before(day) if series else None
        return found[0] if found else None

    def usd_rate(self, quote: str, day: date, carry_days: int) -> tuple[float, date] | None:
        """Units of `quote` per USD on `day`, or the latest before it within carry_days."""
        if quote == "USD":
            return 1.0, day
        series = self.rates.get(quote)
        found = series.as_of(day, carry_days) if series else None
        return (found[1]["rate"], found[0]) if found else None

    def cross_rate(
        self, base: str, quote: str, day: date, carry_days: int
    ) -> tuple[float, date] | None:
        """Units of `quote` per `base`, crossing through USD (the table holds USD -> quote)."""
        to_quote = self.usd_rate(quote, day, carry_days)
        to_base = self.usd_rate(base, day, carry_days)
        if to_quote is None or to_base is None:
            return None
        dates = [d for cur, (_, d) in ((base, to_base), (quote, to_quote)) if cur != "USD"]
        return to_quote[0] / to_base[0], min(dates, default=day)

    def cap_on(self, entity: str, day: date) -> float | None:
        """Market cap in USD on exactly `day`."""
        series = self.caps.get(entity)
        row = series.on(day) if series else None
        return usd_value(row) if row else None

    def cap_as_of(self, entity: str, day: date, carry_days: int) -> tuple[float, date] | None:
        """Market cap in USD on `day` or the latest before it within carry_days."""
        series = self.caps.get(entity)
        found = series.as_of(day, carry_days) if series else None
        value = usd_value(found[1]) if found else None
        return (value, found[0]) if found and value is not None else None

    def published(self, article_id: str | None) -> date | None:
        """The article's publication date, if known."""
        return self.articles.get(article_id, (None, None))[1]

    def url(self, article_id: str | None) -> str | None:
        """The article's URL, if known."""
        return self.articles.get(article_id, (None, None))[0]
