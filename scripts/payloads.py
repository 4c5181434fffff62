"""Provider-format payloads (Yahoo chart, Frankfurter, SEC companyfacts) built from real CSVs.

Dev tooling shared by the tests (through ``tests/builders.py``), the demo-snapshot script and
the market bench, so that recorded-looking responses can be made for any symbol and window
the CSVs in ``../shared/data`` cover, without committing the data itself.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

_VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]


def _epoch(day: date, tz: ZoneInfo, at: time) -> int:
    return int(datetime.combine(day, at, tzinfo=tz).timestamp())


def _trading_period(day: date, tz: ZoneInfo, gmtoffset: int) -> dict:
    """Yahoo's currentTradingPeriod: pre 04:00, regular 09:30–16:00, post until 20:00 local."""
    name = datetime.combine(day, time(9, 30), tzinfo=tz).tzname()

    def period(start: time, end: time) -> dict:
        return {
            "timezone": name,
            "start": _epoch(day, tz, start),
            "end": _epoch(day, tz, end),
            "gmtoffset": gmtoffset,
        }

    return {
        "pre": period(time(4, 0), time(9, 30)),
        "regular": period(time(9, 30), time(16, 0)),
        "post": period(time(16, 0), time(20, 0)),
    }


def chart_payload(
    symbol: str,
    bars: list[dict],
    *,
    currency: str = "USD",
    exchange_tz: str = "America/New_York",
    gmtoffset: int = -18000,
    instrument: str = "EQUITY",
    splits: Iterable[dict] = (),
    dividends: Iterable[dict] = (),
) -> dict:
    """Yahoo v8 chart body for daily ``bars`` ({date, open, high, low, close, adj_close, volume}).

    Timestamps are the 09:30 local open, as Yahoo stamps daily bars. ``splits`` are
    {date, numerator, denominator}; ``dividends`` are {date, amount}. No bars gives the
    shape Yahoo sends for an empty window: no ``timestamp`` and an empty quote.
    """
    tz = ZoneInfo(exchange_tz)
    opening = time(9, 30)
    stamps = [_epoch(b["date"], tz, opening) for b in bars]
    last_day = bars[-1]["date"] if bars else date(2024, 1, 2)
    meta = {
        "currency": currency,
        "symbol": symbol,
        "exchangeName": "NMS" if instrument == "EQUITY" else "SNP",
        "fullExchangeName": "NasdaqGS" if instrument == "EQUITY" else "SNP",
        "instrumentType": instrument,
        "firstTradeDate": stamps[0] if stamps else None,
        "regularMarketTime": _epoch(last_day, tz, time(16, 0)),
        "gmtoffset": gmtoffset,
        "timezone": datetime.combine(last_day, opening, tzinfo=tz).tzname(),
        "exchangeTimezoneName": exchange_tz,
        "regularMarketPrice": bars[-1]["close"] if bars else None,
        "chartPreviousClose": bars[0]["close"] if bars else None,
        "priceHint": 2,
        "currentTradingPeriod": _trading_period(last_day, tz, gmtoffset),
        "dataGranularity": "1d",
        "range": "",
        "validRanges": list(_VALID_RANGES),
    }
    result: dict = {"meta": meta}
    if bars:
        result["timestamp"] = stamps
    events: dict = {}
    for split in splits:
        ts = _epoch(split["date"], tz, opening)
        num, den = split["numerator"], split["denominator"]
        events.setdefault("splits", {})[str(ts)] = {
            "date": ts,
            "numerator": num,
            "denominator": den,
            "splitRatio": f"{num:g}:{den:g}",
        }
    for dividend in dividends:
        ts = _epoch(dividend["date"], tz, opening)
        events.setdefault("dividends", {})[str(ts)] = {"amount": dividend["amount"], "date": ts}
    if events:
        result["events"] = events
    if bars:
        quote = {k: [b[k] for b in bars] for k in ("open", "high", "low", "close", "volume")}
        result["indicators"] = {
            "quote": [quote],
            "adjclose": [{"adjclose": [b["adj_close"] for b in bars]}],
        }
    else:
        result["indicators"] = {"quote": [{}]}
    return {"chart": {"result": [result], "error": None}}


def _number(text: str) -> float | None:
    return None if text in ("", "null", "N/A") else float(text)


def bars_from_yahoo_csv(path: Path, start: date, end: date) -> list[dict]:
    """Bars from a Yahoo download CSV (Date,Open,High,Low,Close,Adj Close,Volume), start..end."""
    bars = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["Date"])
            if not start <= day <= end:
                continue
            volume = _number(row["Volume"])
            bars.append(
                {
                    "date": day,
                    "open": _number(row["Open"]),
                    "high": _number(row["High"]),
                    "low": _number(row["Low"]),
                    "close": _number(row["Close"]),
                    "adj_close": _number(row["Adj Close"]),
                    "volume": None if volume is None else int(volume),
                }
            )
    return sorted(bars, key=lambda b: b["date"])


def frankfurter_payload_from_ecb_csv(
    path: Path, start: date, end: date, quotes: Sequence[str]
) -> dict:
    """USD-based Frankfurter range JSON from the ECB's EUR-based eurofxref-hist.csv.

    USD→X is X_per_EUR / USD_per_EUR (USD→EUR is 1 / USD_per_EUR), rounded to 5 decimals:
    Frankfurter publishes its crosses with 4–5 decimals. 'N/A' cells are left out, and days
    the ECB did not publish (weekends, TARGET holidays) have no entry, as in Frankfurter.
    """
    rates: dict[str, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["Date"])
            usd = _number(row.get("USD") or "")
            if not start <= day <= end or usd is None:
                continue
            quoted = {}
            for quote in quotes:
                per_eur = 1.0 if quote == "EUR" else _number(row.get(quote) or "")
                if per_eur is not None and quote != "USD":
                    quoted[quote] = round(per_eur / usd, 5)
            rates[day.isoformat()] = quoted
    ordered = dict(sorted(rates.items()))
    days = list(ordered)
    return {
        "amount": 1.0,
        "base": "USD",
        "start_date": days[0] if days else start.isoformat(),
        "end_date": days[-1] if days else end.isoformat(),
        "rates": ordered,
    }


def _fiscal(form: str, period_end: str, as_of: str) -> dict:
    """fy/fp for a fact: the CSV has neither, so use the period end's calendar year/quarter.

    Approximate for non-calendar fiscal years (Apple, NVIDIA); the transform ignores fy/fp.
    Nothing when neither date is given.
    """
    when = period_end or as_of
    try:
        end = date.fromisoformat(when)
    except ValueError:
        return {}
    if form.startswith("10-K"):
        return {"fy": end.year, "fp": "FY"}
    return {"fy": end.year, "fp": f"Q{(end.month - 1) // 3 + 1}"}


def _val(text: str) -> int | float | str:
    """The share count as SEC sends it: a JSON number; a cell that is none stays as written."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def companyfacts_payload_from_sec_csv(path: Path, cik: str) -> dict:
    """SEC companyfacts JSON for one cik from shares_outstanding.csv rows.

    Each row becomes one ``EntityCommonStockSharesOutstanding`` fact (end=as_of, val, accn,
    fy, fp, form, filed), exactly as the row has it: an empty as_of, filed or accession is an
    empty string in the fact, as a malformed record in a real response would be (MSFT's row
    has no dates at all). Setting such a fact aside, or making do without its filing date
    or accession, is the transform's job (newsdesk/transform/shares.py), not the builder's.
    """
    wanted = cik.zfill(10)
    facts, name = [], ""
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["cik"].zfill(10) != wanted:
                continue
            name = row["company"]
            facts.append(
                {
                    "end": row["as_of"],
                    "val": _val(row["shares"]),
                    "accn": row["accession"],
                    **_fiscal(row["form"], row["fiscal_period_end"], row["as_of"]),
                    "form": row["form"],
                    "filed": row["filed"],
                }
            )
    return {
        "cik": int(wanted),
        "entityName": name,
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "description": (
                        "Indicate number of shares or other units outstanding of each of "
                        "registrant's classes of capital or common stock or other ownership "
                        "interests, if and as stated on cover of related periodic report. Where "
                        "multiple classes or units exist define each class/interest by adding "
                        "class of stock items such as Common Class A [Member], Common Class B "
                        "[Member] or Partnership Interest [Member] onto the Instrument [Domain] "
                        "of the Entity Listings, Instrument."
                    ),
                    "units": {"shares": facts},
                }
            }
        },
    }
