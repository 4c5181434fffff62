"""Build the demo snapshot: a landing zone in ``snapshot/raw`` that `newsdesk demo` runs over.

Every response is made from the public data sets in ``../shared/data`` (see
snapshot/README.md) in the provider's own format, and landed with the same keys, URLs
and params the source clients use, so offline mode finds it exactly as if fetched.
The fetch time is fixed, so rebuilding yields the same bytes.

    .venv/bin/python scripts/build_snapshot.py [OUT_DIR] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script: make newsdesk/ and scripts/ importable
    sys.path.insert(0, str(REPO))

from newsdesk import landing  # noqa: E402
from newsdesk.http import Fetched  # noqa: E402
from newsdesk.sources import frankfurter, news, sec, yahoo  # noqa: E402
from scripts.payloads import (  # noqa: E402
    bars_from_yahoo_csv,
    chart_payload,
    companyfacts_payload_from_sec_csv,
    frankfurter_payload_from_ecb_csv,
)

DEFAULT_OUT = REPO / "snapshot" / "raw"
DEFAULT_DATA = REPO.parent / "shared" / "data"
PAGES = REPO / "snapshot" / "pages"

START, END = date(2024, 1, 2), date(2024, 3, 8)
FETCHED_AT = datetime(2024, 3, 9, tzinfo=UTC)
HTTP_DATE = "Sat, 09 Mar 2024 00:00:00 GMT"

YAHOO_BASE = "https://query1.finance.yahoo.com"
FX_BASE = "https://api.frankfurter.dev"
SEC_BASE = "https://data.sec.gov"

_SOURCES = {yahoo.SOURCE, frankfurter.SOURCE, sec.SOURCE, news.SOURCE}
EQUITIES = ("ADBE", "SSTK", "GOOGL", "GOOG")
INDEXES = {"^GSPC": "INDEX_GSPC.csv", "^IXIC": "INDEX_IXIC.csv"}
# The report's benchmarks (tickers.csv `benchmark`): Stooq's dividend-adjusted bars. No
# ex-dividend day falls in the window, so each day's move is the traded one; the levels are not.
ETFS = {
    "QQQ": "qqq.us.lecztomek_1999-03-10_to_2026-07-02.txt",
    "SPY": "spy.us.lecztomek_2005-02-25_to_2026-07-02.txt",
}
FX_QUOTES = ("CNY", "EUR", "HKD", "JPY")
CIKS = ("0000796343", "0001652044", "0001549346")  # Adobe, Alphabet, Shutterstock
NEWS_PAGES = {
    "https://finance.example.cn/tech/2024/02/20/sora-market.html": (
        "sora-market-zh.html",
        "text/html; charset=GB2312",
    ),
    "https://markets.example.com/2024/02/20/sora-software-stocks.html": (
        "sora-market-en.html",
        "text/html; charset=utf-8",
    ),
}

YAHOO_CSV = Path("prices/yahoo_csv_dieperdev_2000_2024-03-08")
INDEX_CSV = Path("prices/yfinance_adjusted_zjplab_to_2026-08-21")
STOOQ_TXT = Path("prices/stooq_txt")
ECB_CSV = Path("fx/eurofxref-hist_1999-01-04_to_2025-05-09.csv")
SEC_CSV = Path("sec/shares_outstanding.csv")


def _land(
    out: Path,
    source: str,
    key: str,
    url: str,
    body: bytes,
    content_type: str,
    params: Mapping[str, Any],
) -> landing.Landed:
    """Land one 200 response fetched at FETCHED_AT, with lower-case header names as fetched."""
    response = Fetched(
        url=url,
        status=200,
        headers={"content-type": content_type, "date": HTTP_DATE},
        body=body,
        fetched_at=FETCHED_AT,
    )
    return landing.land(out, source, key, response, params)


def _json_body(payload: Any) -> bytes:
    # Compact, as the providers send it; key order is the builders', so output is stable.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def index_bars(path: Path, start: date, end: date) -> list[dict]:
    """Daily bars from a yfinance history CSV of an index (levels: adjusted equals raw)."""
    bars = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split(",")
        day = date.fromisoformat(cells[0][:10])
        if not start <= day <= end:
            continue
        bars.append(_bar(day, cells[1:5], cells[5]))
    return sorted(bars, key=lambda b: b["date"])


def _bar(day: date, ohlc: list[str], volume: str) -> dict:
    """One chart bar from text cells; the close doubles as the adjusted close."""
    open_, high, low, close = (float(c) for c in ohlc)
    return {"date": day, "open": open_, "high": high, "low": low, "close": close,
            "adj_close": close, "volume": int(float(volume))}  # fmt: skip


def stooq_bars(path: Path, start: date, end: date) -> list[dict]:
    """Daily bars from a Stooq download (<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,…,<VOL>,<OPENINT>)."""
    bars = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split(",")
        if len(cells) < 9 or not cells[2].isdigit():  # the header, if any
            continue
        day = date(int(cells[2][:4]), int(cells[2][4:6]), int(cells[2][6:8]))
        if not start <= day <= end:
            continue
        bars.append(_bar(day, cells[4:8], cells[8]))  # Stooq's levels are adjusted already
    return sorted(bars, key=lambda b: b["date"])


def _land_chart(out: Path, symbol: str, payload: dict) -> landing.Landed:
    return _land(
        out,
        yahoo.SOURCE,
        yahoo.chart_key(symbol, START, END),
        yahoo.chart_url(YAHOO_BASE, symbol, START, END),
        _json_body(payload),
        "application/json;charset=utf-8",
        yahoo.chart_params(symbol, START, END),
    )


def _land_yahoo(out: Path, data: Path) -> list[landing.Landed]:
    landed = []
    for symbol in EQUITIES:
        bars = bars_from_yahoo_csv(data / YAHOO_CSV / f"{symbol}.csv", START, END)
        landed.append(_land_chart(out, symbol, chart_payload(symbol, bars)))
    for symbol, filename in INDEXES.items():
        bars = index_bars(data / INDEX_CSV / filename, START, END)
        landed.append(_land_chart(out, symbol, chart_payload(symbol, bars, instrument="INDEX")))
    for symbol, filename in ETFS.items():
        bars = stooq_bars(data / STOOQ_TXT / filename, START, END)
        landed.append(_land_chart(out, symbol, chart_payload(symbol, bars, instrument="ETF")))
    return landed


def _land_frankfurter(out: Path, data: Path) -> landing.Landed:
    payload = frankfurter_payload_from_ecb_csv(data / ECB_CSV, START, END, FX_QUOTES)
    return _land(
        out,
        frankfurter.SOURCE,
        frankfurter.fx_key(START, END),
        frankfurter.fx_url(FX_BASE, START, END, FX_QUOTES),
        _json_body(payload),
        "application/json",
        frankfurter.fx_params(START, END, FX_QUOTES),
    )


def _land_sec(out: Path, data: Path) -> list[landing.Landed]:
    return [
        _land(
            out,
            sec.SOURCE,
            sec.sec_key(cik),
            sec.companyfacts_url(SEC_BASE, cik),
            _json_body(companyfacts_payload_from_sec_csv(data / SEC_CSV, cik)),
            "application/json",
            sec.sec_params(cik),
        )
        for cik in CIKS
    ]


def _land_news(out: Path, pages: Path) -> list[landing.Landed]:
    return [
        _land(
            out,
            news.SOURCE,
            news.news_key(url),
            url,
            (pages / filename).read_bytes(),
            content_type,
            news.news_params(url),
        )
        for url, (filename, content_type) in NEWS_PAGES.items()
    ]


def _check_inputs(data: Path, pages: Path) -> None:
    needed = [data / YAHOO_CSV / f"{s}.csv" for s in EQUITIES]
    needed += [data / INDEX_CSV / f for f in INDEXES.values()]
    needed += [data / STOOQ_TXT / f for f in ETFS.values()]
    needed += [data / ECB_CSV, data / SEC_CSV]
    needed += [pages / filename for filename, _ in NEWS_PAGES.values()]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"snapshot inputs missing ({len(missing)}), e.g. {missing[0]}; the public data sets "
            "live in ../shared/data (see snapshot/README.md)"
        )


def build(out: Path, data: Path = DEFAULT_DATA, pages: Path = PAGES) -> list[landing.Landed]:
    """Land every snapshot response under ``out`` (which must not exist yet)."""
    _check_inputs(data, pages)
    out.mkdir(parents=True)
    return [
        *_land_yahoo(out, data),
        _land_frankfurter(out, data),
        *_land_sec(out, data),
        *_land_news(out, pages),
    ]


def _replace(target: Path, data: Path) -> list[landing.Landed]:
    # Built aside and swapped in, so an old snapshot never mixes with a new one and a
    # failed build leaves the old one untouched.
    if target.exists():
        stray = sorted(p.name for p in target.iterdir() if p.name not in _SOURCES)
        if stray:
            raise FileExistsError(
                f"{target} holds {stray[0]!r}, not only landed sources; refusing to replace it"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".snapshot-") as tmp:
        staged = Path(tmp) / "raw"
        build(staged, data)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return landing_list(target)


def landing_list(root: Path) -> list[landing.Landed]:
    """Every response landed under ``root``, all sources."""
    return [item for source in sorted(_SOURCES) for item in landing.iter_landed(root / source)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the snapshot into OUT_DIR (default snapshot/raw)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="landing zone")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data sets")
    args = parser.parse_args(argv)
    try:
        landed = _replace(args.out.resolve(), args.data)
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"build_snapshot: {exc}", file=sys.stderr)
        return 2
    size = sum(item.size for item in landed)
    print(f"landed {len(landed)} responses ({size:,} bytes) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
