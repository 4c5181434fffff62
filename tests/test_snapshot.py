"""The committed demo snapshot (snapshot/raw): intact, landed right, with the Sora-day figures."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import sys
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from newsdesk import landing
from newsdesk.sources import frankfurter, news, sec, yahoo
from tests.builders import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "snapshot" / "raw"
PAGES = REPO / "snapshot" / "pages"
SOURCES = ("yahoo", "frankfurter", "sec", "news")
NEW_YORK = ZoneInfo("America/New_York")
ZH_URL = "https://finance.example.cn/tech/2024/02/20/sora-market.html"
EN_URL = "https://markets.example.com/2024/02/20/sora-software-stocks.html"

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data absent: {SHARED_DATA}"
)


def _all_landed() -> list[landing.Landed]:
    return [item for source in SOURCES for item in landing.iter_landed(RAW / source)]


def _one(source: str, key: str) -> landing.Landed:
    found = landing.find_landed(RAW, source, key_prefix=key)
    assert len(found) == 1, f"{source}/{key}: {len(found)} responses"
    return found[0]


@functools.cache
def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_snapshot", REPO / "scripts" / "build_snapshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: dataclasses look their module up while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_every_meta_points_at_an_intact_body() -> None:
    metas = sorted(RAW.rglob("*.meta.json"))
    assert len(metas) == len(_all_landed()) >= 12
    for item in _all_landed():
        body = item.read_body()
        assert hashlib.sha256(body).hexdigest() == item.sha256, item.body_path
        assert len(body) == item.size
        assert Path(item.body_path).name.startswith("20240309T000000000000Z_" + item.sha256[:16])
        assert item.status == 200


def test_header_names_are_lower_case_as_the_client_lands_them() -> None:
    # newsdesk.http.Fetched lower-cases header names; offline mode must see the same shape.
    for item in _all_landed():
        assert all(name == name.lower() for name in item.headers), item.body_path


def test_no_orphan_bodies() -> None:
    bodies = {str(p) for p in RAW.rglob("*.body")}
    assert bodies == {item.body_path for item in _all_landed()}


def test_only_the_four_sources_are_landed() -> None:
    assert sorted(p.name for p in RAW.iterdir()) == sorted(SOURCES)


def test_snapshot_is_small() -> None:
    size = sum(p.stat().st_size for p in (REPO / "snapshot").rglob("*") if p.is_file())
    assert size < 1_000_000


@pytest.mark.parametrize(
    "symbol", ["ADBE", "SSTK", "GOOGL", "GOOG", "^GSPC", "^IXIC", "QQQ", "SPY"]
)
def test_charts_land_under_the_keys_offline_mode_asks_for(symbol: str) -> None:
    start, end = date(2024, 1, 2), date(2024, 3, 8)
    item = _one("yahoo", yahoo.chart_key(symbol, start, end))
    assert item.params == yahoo.chart_params(symbol, start, end)
    assert item.url == yahoo.chart_url("https://query1.finance.yahoo.com", symbol, start, end)
    assert item.headers["content-type"].startswith("application/json")
    assert item.json()["chart"]["result"][0]["meta"]["symbol"] == symbol


def _closes(symbol: str) -> dict[date, float]:
    result = _one("yahoo", landing.safe_key(symbol))
    chart = result.json()["chart"]["result"][0]
    closes = chart["indicators"]["quote"][0]["close"]
    days = [datetime.fromtimestamp(ts, NEW_YORK).date() for ts in chart["timestamp"]]
    return dict(zip(days, closes, strict=True))


@pytest.mark.parametrize(
    ("symbol", "day", "close"),
    [
        ("ADBE", date(2024, 2, 15), 590.44),
        ("ADBE", date(2024, 2, 16), 546.66),
        ("SSTK", date(2024, 2, 16), 45.20),
        ("GOOGL", date(2024, 2, 16), 140.52),
        ("^GSPC", date(2024, 2, 16), 5005.57),
    ],
)
def test_closes_sit_at_their_new_york_dates(symbol: str, day: date, close: float) -> None:
    assert round(_closes(symbol)[day], 2) == close


@pytest.mark.parametrize(("symbol", "move"), [("QQQ", -0.91), ("SPY", -0.50)])
def test_benchmark_moves_on_the_sora_day_are_the_traded_ones(symbol: str, move: float) -> None:
    # Stooq's levels are dividend-adjusted; the day's move is not (no ex-dividend day near)
    closes = _closes(symbol)
    assert round((closes[date(2024, 2, 16)] / closes[date(2024, 2, 15)] - 1) * 100, 2) == move


def test_chart_window_is_the_trading_days_only() -> None:
    days = sorted(_closes("ADBE"))
    assert days[0] == date(2024, 1, 2) and days[-1] == date(2024, 3, 8)
    assert all(d.weekday() < 5 for d in days)
    assert date(2024, 2, 19) not in days  # Presidents' Day: NYSE closed


def test_frankfurter_usd_cny_on_sora_day_after() -> None:
    quotes = ["CNY", "EUR", "HKD", "JPY"]
    start, end = date(2024, 1, 2), date(2024, 3, 8)
    item = _one("frankfurter", frankfurter.fx_key(start, end))
    assert item.params == frankfurter.fx_params(start, end, quotes)
    payload = item.json()
    assert payload["base"] == "USD"
    assert round(payload["rates"]["2024-02-16"]["CNY"], 4) == 7.1936
    assert sorted(payload["rates"]["2024-02-16"]) == quotes
    assert "2024-02-17" not in payload["rates"]  # a Saturday


@pytest.mark.parametrize(
    ("cik", "end", "shares"),
    [
        ("0001652044", "2024-01-23", 12_433_000_000),  # Alphabet: classes A + B + C
        ("0000796343", "2024-03-22", 448_365_341),
    ],
)
def test_companyfacts_share_counts(cik: str, end: str, shares: int) -> None:
    item = _one("sec", sec.sec_key(cik))
    assert item.params == sec.sec_params(cik)
    facts = item.json()["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
    assert sum(f["val"] for f in facts if f["end"] == end) == shares


def test_chinese_page_is_gbk_and_declares_it() -> None:
    item = _one("news", news.news_key(ZH_URL))
    assert item.params == news.news_params(ZH_URL)
    assert item.headers["content-type"] == "text/html; charset=GB2312"
    body = item.read_body()
    assert body == (PAGES / "sora-market-zh.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert '<meta charset="gb2312">' in text
    assert 'content="2024-02-20T10:05:40+08:00"' in text
    assert "2024-02-20 10:05:40" in text


@pytest.mark.parametrize(
    "figure",
    ["超7%", "超5%", "谷歌母公司Alphabet", "1.58%", "近480亿美元", "约合人民币3500亿元",
     "800亿美元", "约为290亿美元", "增加了将近两倍", "约85%", "Sora的次日"],
)  # fmt: skip
def test_chinese_page_states_the_sora_day_figures(figure: str) -> None:
    text = _one("news", news.news_key(ZH_URL)).read_body().decode("gb18030")
    assert figure in text


@pytest.mark.parametrize(
    "figure",
    ["more than 7%", "over 5%", "Alphabet fell 1.58%", "nearly $48 billion", "350 billion"],
)
def test_english_page_states_the_same_day(figure: str) -> None:
    item = _one("news", news.news_key(EN_URL))
    assert item.headers["content-type"] == "text/html; charset=utf-8"
    assert figure in item.read_body().decode("utf-8")


@needs_shared
def test_rebuild_is_byte_for_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    assert _script().main([str(out)]) == 0
    assert _tree(out) == _tree(RAW)


def test_build_fails_clearly_without_the_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raw"
    assert _script().main([str(out), "--data", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "absent" in err and err.count("\n") == 1
    assert not out.exists()


def test_build_refuses_to_replace_a_folder_that_is_not_a_landing_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raw"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _script().main([str(out)]) == 2
    assert "refusing" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_meta_json_is_what_landing_writes() -> None:
    # Reproducibility hinges on stable meta bytes: keys in landing's order, fetched_at fixed.
    item = _one("sec", sec.sec_key("0001549346"))
    meta_path = Path(item.body_path.removesuffix(".body") + ".meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert list(meta) == [
        "source", "key", "url", "status", "headers", "fetched_at", "sha256", "size", "params",
    ]  # fmt: skip
    assert meta["fetched_at"] == "2024-03-09T00:00:00+00:00"
