"""Hostile responses, one at a time: each fails its own symbol, range, issuer or page, is
quarantined with its raw body kept, and the rest of the run loads (issue 12 §3 and §4).

The steps run directly (flows.engine.direct: no Prefect server) against a local server
speaking the providers' formats.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from flows import engine
from flows.cli import main
from flows.market import MarketResult, market_step
from flows.news import NewsResult, news_step
from flows.nightly import run_pipeline
from flows.run import Run, open_run
from newsdesk.config import (
    FxSettings,
    HttpSettings,
    MarketSettings,
    NewsSettings,
    SecSettings,
    Settings,
    WarehouseSettings,
)
from newsdesk.errors import RunFailed
from newsdesk.sources import news as news_source
from newsdesk.transform.fx import screen_frankfurter
from newsdesk.transform.prices import normalise_chart
from newsdesk.transform.records import NotAsked
from newsdesk.transform.shares import screen_companyfacts
from newsdesk.warehouse import Warehouse
from tests.builders import chart_payload

START, END = date(2024, 2, 13), date(2024, 2, 16)
DAYS = [date(2024, 2, 12) + timedelta(days=i) for i in range(5)]  # Mon..Fri
CIKS = {"ADBE": "0000796343", "SSTK": "0001549346"}
JSON = {"Content-Type": "application/json;charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
MARKET_TABLES = ["prices", "splits", "dividends", "fx_rates", "shares_outstanding", "valuations"]


def bars(first_close: float, step: float, scale: float = 1.0) -> list[dict]:
    out = []
    for i, day in enumerate(DAYS):
        close = round((first_close + i * step) * scale, 2)
        out.append({"date": day, "open": close - 1, "high": close + 2, "low": close - 2,
                    "close": close, "adj_close": close, "volume": 1000 + i})  # fmt: skip
    return out


def companyfacts(cik: str, shares: int, facts: list[dict] | None = None) -> dict:
    entries = [{"end": "2024-01-10", "val": shares, "accn": f"{cik}-24-000001", "fy": 2023,
                "fp": "FY", "form": "10-K", "filed": "2024-01-20"}, *(facts or [])]  # fmt: skip
    return {
        "cik": int(cik),
        "entityName": "Test issuer",
        "facts": {"dei": {"EntityCommonStockSharesOutstanding": {"units": {"shares": entries}}}},
    }


def frankfurter(start: date, end: date) -> dict:
    rates, day = {}, start
    while day <= end:
        if day.weekday() < 5:
            rates[day.isoformat()] = {"CNY": 7.19, "EUR": 0.93, "HKD": 7.82, "JPY": 150.1}
        day += timedelta(days=1)
    return {"amount": 1.0, "base": "USD", "start_date": start.isoformat(),
            "end_date": end.isoformat(), "rates": rates}  # fmt: skip


def as_json(payload: dict) -> bytes:
    return json.dumps(payload).encode()


GOOD = {
    "ADBE": chart_payload("ADBE", bars(600.0, -10.0)),
    "SSTK": chart_payload("SSTK", bars(47.0, -0.5)),
}
FX_PATHS = [f"/v1/{START - timedelta(days=1)}..{END}", f"/v1/{END - timedelta(days=2)}..{END}"]


def page(title: str, text: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2024-02-16T09:00:00Z"></head>
<body><article><h1>{title}</h1>{text}</article></body></html>""".encode()


CALM = page(
    "A calm session",
    "<p>Traders described a calm session with few moves worth noting and light volume.</p>"
    "<p>Most desks said they were waiting for the central bank before taking positions.</p>",
)


@pytest.fixture
def site(local_server, tmp_path):
    """Charts for ADBE and SSTK, FX, SEC and one calm news page, and settings for them."""
    s = local_server
    for symbol, payload in GOOD.items():
        s.route(f"/v8/finance/chart/{symbol}", body=as_json(payload), headers=JSON)
    for path in FX_PATHS:
        first, last = path.removeprefix("/v1/").split("..")
        body = frankfurter(date.fromisoformat(first), date.fromisoformat(last))
        s.route(path, body=as_json(body), headers=JSON)
    for symbol, cik in CIKS.items():
        s.route(f"/api/xbrl/companyfacts/CIK{cik}.json",
                body=as_json(companyfacts(cik, 450_000_000 if symbol == "ADBE" else 36_000_000)),
                headers=JSON)  # fmt: skip
    s.route("/news/calm.html", body=CALM, headers=HTML)
    root = tmp_path / "wh"
    settings = Settings(
        warehouse=WarehouseSettings(path=root / "w.duckdb", raw_dir=root / "raw",
                                    reports_dir=root / "reports", dq_dir=root / "dq"),
        news=NewsSettings(pages=(s.url("/news/calm.html"),), min_interval=0.0),
        market=MarketSettings(base_url=s.base_url, lookback_days=1, watchlist=("ADBE", "SSTK")),
        fx=FxSettings(base_url=s.base_url, quotes=("CNY", "EUR", "HKD", "JPY")),
        sec=SecSettings(base_url=s.base_url, user_agent="newsdesk tests tests@example.com"),
        http=HttpSettings(read_timeout=2.0, retries=0, backoff=0.01, task_retries=0),
    )  # fmt: skip
    return s, settings


def market(settings: Settings, symbols=("ADBE", "SSTK"), offline=False) -> tuple[MarketResult, Run]:
    with engine.direct():
        run = open_run(settings, offline)
        return engine.call(market_step, run, list(symbols), START, END), run


def news(settings: Settings) -> NewsResult:
    with engine.direct():
        return engine.call(news_step, open_run(settings, False), END, END)


def pipeline(settings: Settings, offline: bool = False):
    with engine.direct():
        return run_pipeline(open_run(settings, offline), END, END, flow_name="nightly")


def closes(settings: Settings, symbol: str) -> list[float]:
    wh = Warehouse(settings.warehouse.path)
    return wh.query("select close from prices where symbol = ? order by date", [symbol])[
        "close"
    ].to_list()


def quarantined(settings: Settings) -> list[tuple]:
    return (
        Warehouse(settings.warehouse.path)
        .query("select source, key, record, reason, raw_path from quarantine order by all")
        .rows()
    )


def good_closes(symbol: str) -> list[float]:
    return GOOD[symbol]["chart"]["result"][0]["indicators"]["quote"][0]["close"]


# --- one malformed shape per source: that one fails or is set aside, the rest loads ---------


def test_a_chart_whose_columns_differ_in_length_fails_that_symbol_and_is_quarantined(site):
    server, settings = site
    payload = json.loads(as_json(GOOD["SSTK"]))
    payload["chart"]["result"][0]["indicators"]["quote"][0]["volume"].pop()
    server.route("/v8/finance/chart/SSTK", body=as_json(payload), headers=JSON)
    result, _ = market(settings)
    assert set(result.failed_symbols) == {"SSTK"}
    assert "volume has 4 values for 5 timestamps" in result.failed_symbols["SSTK"]
    assert closes(settings, "SSTK") == [] and closes(settings, "ADBE") == good_closes("ADBE")
    [(source, key, record, reason, raw_path)] = quarantined(settings)
    assert (source, key, record) == ("yahoo", "SSTK", "whole body")
    assert "volume has 4 values" in reason
    assert Path(raw_path).read_bytes() == as_json(payload)  # the body is kept as it came


def test_a_garbage_gzip_body_fails_that_symbol_only(site):
    server, settings = site
    server.route("/v8/finance/chart/ADBE", body=b"\x1f\x8b this is no gzip stream",
                 headers={**JSON, "Content-Encoding": "gzip"})  # fmt: skip
    result, _ = market(settings)
    assert set(result.failed_symbols) == {"ADBE"}
    assert "\n" not in result.failed_symbols["ADBE"]
    assert closes(settings, "ADBE") == [] and closes(settings, "SSTK") == good_closes("SSTK")


@pytest.mark.parametrize(
    "location", ["/v8/finance/chart/ADBE", "file:///etc/passwd"], ids=["loop", "to-file"]
)
def test_a_redirect_loop_or_to_a_file_fails_that_symbol_only(site, location):
    server, settings = site
    server.route("/v8/finance/chart/ADBE", status=302, headers={"Location": location})
    result, _ = market(settings)
    assert set(result.failed_symbols) == {"ADBE"}
    assert "\n" not in result.failed_symbols["ADBE"]
    assert closes(settings, "ADBE") == [] and closes(settings, "SSTK") == good_closes("SSTK")


def test_a_gzip_body_that_decodes_to_garbage_is_quarantined(site):
    server, settings = site
    server.route("/v8/finance/chart/ADBE", body=gzip.compress(b"\x00\xff garbage \xfe"),
                 headers={**JSON, "Content-Encoding": "gzip"})  # fmt: skip
    result, _ = market(settings)
    assert set(result.failed_symbols) == {"ADBE"}
    assert "not valid JSON" in result.failed_symbols["ADBE"]
    assert [r[:3] for r in quarantined(settings)] == [("yahoo", "ADBE", "whole body")]
    assert closes(settings, "SSTK") == good_closes("SSTK")


def test_an_fx_date_of_february_30_is_quarantined_and_the_range_loads(site):
    server, settings = site
    body = frankfurter(START - timedelta(days=1), END)
    body["rates"]["2024-02-30"] = {"CNY": 7.2}
    server.route(FX_PATHS[0], body=as_json(body), headers=JSON)
    result, _ = market(settings)
    assert result.failed_symbols == {}
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select count(*) n from fx_rates")["n"][0] == 5 * 4
    [(source, key, record, reason, raw_path)] = quarantined(settings)
    assert (source, record) == ("frankfurter", "rates['2024-02-30']")
    assert "not a calendar date" in reason and Path(raw_path).is_file()


def test_an_fx_answer_that_is_not_json_fails_the_range_only(site):
    server, settings = site
    server.route(FX_PATHS[0], body=b"<html>maintenance</html>", headers=HTML)
    result, _ = market(settings)
    assert set(result.failed_symbols) == {"fx"}
    assert closes(settings, "ADBE") == good_closes("ADBE")
    assert [r[:3] for r in quarantined(settings)] == [
        ("frankfurter", f"{START - timedelta(days=1)}_{END}", "whole body")
    ]


def test_a_share_fact_with_an_empty_date_is_quarantined_and_the_rest_loads(site):
    server, settings = site
    cik = CIKS["ADBE"]
    empty_date = {"end": "", "val": 7_433_982_235, "accn": "", "form": "10-Q", "filed": ""}
    body = as_json(companyfacts(cik, 450_000_000, [empty_date]))
    server.route(f"/api/xbrl/companyfacts/CIK{cik}.json", body=body, headers=JSON)
    result, _ = market(settings)
    assert result.failed_symbols == {}
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select shares from shares_outstanding where cik = ?", [cik]).rows() == [
        (450_000_000,)
    ]
    [(source, key, record, reason, _)] = quarantined(settings)
    assert (source, key, reason) == ("sec", f"CIK{cik}", "end '' is not a YYYY-MM-DD date")
    assert "val=7433982235" in record
    failed = wh.query(
        "select count(*) n from dq_results where expectation = 'sec_records_malformed' "
        "and not success"
    )
    assert failed["n"][0] == 1


# --- trust only what was asked for -----------------------------------------------------------


def test_a_response_for_spoof_naming_adbe_is_refused_and_adbe_untouched(site):
    server, settings = site
    market(settings)
    before = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    spoof = chart_payload("ADBE", bars(600.0, -10.0, scale=1000.0))  # meta.symbol says ADBE
    server.route("/v8/finance/chart/SPOOF", body=as_json(spoof), headers=JSON)
    result, _ = market(settings, symbols=("ADBE", "SSTK", "SPOOF"))
    assert set(result.failed_symbols) == {"SPOOF"}
    assert "asked for SPOOF, the response is for 'ADBE'" in result.failed_symbols["SPOOF"]
    assert closes(settings, "ADBE") == good_closes("ADBE")
    assert closes(settings, "SPOOF") == []
    assert Warehouse(settings.warehouse.path).checksums(MARKET_TABLES) == before
    [(source, key, record, reason, raw_path)] = quarantined(settings)
    assert (source, key, record) == ("yahoo", "SPOOF", "whole body")
    assert "asked for SPOOF" in reason and Path(raw_path).read_bytes() == as_json(spoof)


def test_companyfacts_naming_another_cik_are_refused(site):
    server, settings = site
    adbe, sstk = CIKS["ADBE"], CIKS["SSTK"]
    server.route(f"/api/xbrl/companyfacts/CIK{sstk}.json",
                 body=as_json(companyfacts(adbe, 1)), headers=JSON)  # fmt: skip
    result, _ = market(settings)
    assert set(result.failed_symbols) == {f"CIK{sstk}"}
    assert (
        f"asked for CIK{sstk}, the response is for CIK{adbe}" in result.failed_symbols[f"CIK{sstk}"]
    )
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select cik, shares from shares_outstanding").rows() == [(adbe, 450_000_000)]
    assert [r[:3] for r in quarantined(settings)] == [("sec", f"CIK{sstk}", "whole body")]


# --- write–audit–publish, and repair -----------------------------------------------------------


def test_a_failing_blocking_check_leaves_the_previous_prices(site):
    server, settings = site
    market(settings)
    before = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    revised = bars(610.0, -10.0)
    revised[2]["low"] = revised[2]["high"] + 1  # readable, impossible: a blocking check's call
    server.route("/v8/finance/chart/ADBE", body=as_json(chart_payload("ADBE", revised)),
                 headers=JSON)  # fmt: skip
    with pytest.raises(RunFailed, match="prices_low_le_high"):
        market(settings)
    wh = Warehouse(settings.warehouse.path)
    assert wh.checksums(MARKET_TABLES) == before  # not one row of the batch was published
    assert closes(settings, "ADBE") == good_closes("ADBE")
    failed = wh.query("select expectation from dq_results where not success")["expectation"]
    assert "prices_low_le_high" in failed.to_list()


def test_a_rerun_repairs_a_symbols_window_from_its_newest_good_body(site):
    _, settings = site
    market(settings)
    good = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    # What an earlier release let a spoofed response do: ADBE ×1000, and a bar on a day the
    # body does not have (inside its span).
    wh = Warehouse(settings.warehouse.path)
    bad = wh.query("select * from prices where symbol = 'ADBE'").with_columns(
        pl.col("open", "high", "low", "close", "adj_close") * 1000
    )
    extra = bad.head(1).with_columns(date=pl.lit(date(2024, 2, 14)).cast(pl.Date))
    wh.write({"prices": pl.concat([bad.filter(pl.col("date") != date(2024, 2, 14)), extra])})
    wh.write({"prices": wh.query("select * from prices where symbol = 'ADBE'")})
    assert closes(settings, "ADBE")[0] == good_closes("ADBE")[0] * 1000
    # The same ADBE body again: "already loaded", yet it is the newest good one, so it applies.
    result, run = market(settings)
    assert result.failed_symbols == {}
    assert closes(settings, "ADBE") == good_closes("ADBE")
    assert Warehouse(settings.warehouse.path).checksums(MARKET_TABLES) == good


def test_an_offline_rerun_repairs_too(site):
    _, settings = site
    market(settings)
    good = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    wh = Warehouse(settings.warehouse.path)
    wh.write({"prices": wh.query("select * from prices").with_columns(close=pl.col("close") * 3)})
    market(settings, offline=True)
    assert Warehouse(settings.warehouse.path).checksums(MARKET_TABLES) == good


# --- news pages ----------------------------------------------------------------------------


def test_a_page_declaring_charset_rot13_is_read_not_crashed_on(site):
    server, settings = site
    server.route("/news/rot13.html", body=CALM.replace(b"utf-8", b"rot13"),
                 headers={"Content-Type": "text/html; charset=rot13"})  # fmt: skip
    settings = replace(settings, news=replace(settings.news, pages=(
        server.url("/news/rot13.html"), server.url("/news/calm.html"))))  # fmt: skip
    result = news(settings)
    assert result.failed == {}
    assert result.articles.height == 1  # the same text at two URLs is one article
    assert "calm session" in result.articles["text"][0]


def test_a_page_the_reader_chokes_on_fails_that_page_and_is_quarantined(site, monkeypatch):
    server, settings = site
    server.route("/news/odd.html", body=page("Odd", "<p>Something odd.</p>"), headers=HTML)
    real = news_source.decode_html

    def choking(body, headers):
        if b"Something odd" in body:
            raise LookupError("unknown encoding: x-odd")
        return real(body, headers)

    monkeypatch.setattr(news_source, "decode_html", choking)
    odd = server.url("/news/odd.html")
    settings = replace(settings, news=replace(settings.news, pages=(
        odd, server.url("/news/calm.html"))))  # fmt: skip
    result = news(settings)
    assert list(result.failed) == [odd]
    assert "LookupError: unknown encoding: x-odd" in result.failed[odd]
    assert result.articles.height == 1
    [(source, key, record, _, raw_path)] = quarantined(settings)
    assert (source, key, record) == ("news", odd, "whole body") and Path(raw_path).is_file()


def test_two_of_three_news_pages_failing_end_the_run_failed_naming_both(site):
    server, settings = site
    gone, refused = server.url("/news/gone.html"), "http://127.0.0.1:9/news/refused.html"
    settings = replace(settings, news=replace(settings.news, pages=(
        server.url("/news/calm.html"), gone, refused)))  # fmt: skip
    with pytest.raises(RunFailed) as failed:
        pipeline(settings)
    message = str(failed.value)
    assert "2 source(s) failed" in message and gone in message and refused in message
    assert "HTTP 404" in message and "\n" not in message
    wh = Warehouse(settings.warehouse.path)
    status, stats = wh.query("select status, stats from runs").row(0)
    assert status == "failed"
    assert [f.split(": ")[0] for f in json.loads(stats)["failures"]] == [gone, refused]
    # The page that did read and the market were still loaded.
    assert wh.query("select count(*) n from articles")["n"][0] == 1
    assert closes(settings, "ADBE") == good_closes("ADBE")


def test_a_run_where_nothing_failed_completes(site):
    _, settings = site
    outcome = pipeline(settings)
    assert outcome.stats["failures"] == []
    status = Warehouse(settings.warehouse.path).query("select status from runs")["status"]
    assert status.to_list() == ["completed"]
    assert quarantined(settings) == []


# --- the transforms' own refusals ----------------------------------------------------------


def test_the_chart_transform_refuses_another_symbol_only_when_asked_to():
    spoof = chart_payload("ADBE", bars(600.0, -10.0))
    with pytest.raises(NotAsked, match="asked for SPOOF, the response is for 'ADBE'"):
        normalise_chart(spoof, symbol="SPOOF", refuse_other=True)
    assert normalise_chart(spoof, symbol="adbe", refuse_other=True).prices.height == 5
    # Without refuse_other a key is a local alias (the library's Mapping form).
    assert set(normalise_chart(spoof, symbol="ALIAS").prices["symbol"]) == {"ALIAS"}


def test_companyfacts_and_rates_are_keyed_by_what_was_asked():
    facts = companyfacts(CIKS["ADBE"], 450_000_000)
    with pytest.raises(NotAsked, match="asked for CIK0001549346"):
        screen_companyfacts(facts, cik=CIKS["SSTK"])
    assert screen_companyfacts(facts, cik="796343").frame["cik"].to_list() == [CIKS["ADBE"]]
    rates = frankfurter(START, END) | {"base": "EUR"}
    with pytest.raises(NotAsked, match="against USD"):
        screen_frankfurter(rates, base="USD")


def test_a_failed_run_leaves_the_previous_verdicts_in_place(site):
    server, settings = site
    server.route("/news/adobe.html", headers=HTML, body=page("Adobe slips", (
        "<p>Adobe shares fell 1.75% on Friday, Feb. 16, as investors weighed new rivals.</p>"
        "<p>Analysts said the software maker would need to show its tools keep their edge.</p>"
    )))  # fmt: skip
    settings = replace(settings, news=replace(settings.news, pages=(
        server.url("/news/adobe.html"),)))  # fmt: skip
    pipeline(settings)
    wh = Warehouse(settings.warehouse.path)
    read = "select claim_id, verdict, observed from claims where claim_type = 'price_move'"
    first = wh.query(read).rows()
    assert [v for _, v, _ in first] == ["supported"]
    revised = bars(600.0, -10.0)
    revised[4]["low"] = revised[4]["high"] + 1
    server.route("/v8/finance/chart/ADBE", body=as_json(chart_payload("ADBE", revised)),
                 headers=JSON)  # fmt: skip
    with pytest.raises(RunFailed, match="data-quality check failed"):
        pipeline(settings)
    assert wh.query(read).rows() == first
    statuses = wh.query("select status from runs order by started_at")["status"].to_list()
    assert statuses == ["completed", "failed"]


def test_the_cli_exits_1_naming_the_failed_pages(site, tmp_path, monkeypatch, capsys):
    server, settings = site
    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    gone, refused = server.url("/news/gone.html"), "http://127.0.0.1:9/news/refused.html"
    pages = [server.url("/news/calm.html"), gone, refused]
    root = settings.warehouse.path.parent
    config = tmp_path / "newsdesk.toml"
    config.write_text(f"""
[warehouse]
path = "{settings.warehouse.path}"
raw_dir = "{root / "raw"}"
reports_dir = "{root / "reports"}"
dq_dir = "{root / "dq"}"
[news]
pages = {json.dumps(pages)}
min_interval = 0.0
[market]
base_url = "{server.base_url}"
lookback_days = 1
watchlist = ["ADBE", "SSTK"]
[fx]
base_url = "{server.base_url}"
quotes = ["CNY", "EUR", "HKD", "JPY"]
[sec]
base_url = "{server.base_url}"
user_agent = "newsdesk tests tests@example.com"
[http]
retries = 0
backoff = 0.01
task_retries = 0
read_timeout = 2.0
""", encoding="utf-8")  # fmt: skip
    assert main(["run", "--date", END.isoformat(), "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and gone in err[0] and refused in err[0]
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select status from runs")["status"].to_list() == ["failed"]


def _chart_meta_a_list(body: dict) -> None:
    body["chart"]["result"][0]["meta"] = ["ADBE"]


def _shares_not_a_list(body: dict) -> None:
    body["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"] = {"0": 1}


def _rates_a_list(body: dict) -> None:
    body["rates"] = [7.19]


@pytest.mark.parametrize(
    ("path", "make", "spoil", "failed", "source"),
    [
        ("/v8/finance/chart/ADBE", lambda: json.loads(as_json(GOOD["ADBE"])),
         _chart_meta_a_list, "ADBE", "yahoo"),
        (f"/api/xbrl/companyfacts/CIK{CIKS['ADBE']}.json",
         lambda: companyfacts(CIKS["ADBE"], 1), _shares_not_a_list, f"CIK{CIKS['ADBE']}", "sec"),
        (FX_PATHS[0], lambda: frankfurter(START - timedelta(days=1), END), _rates_a_list,
         "fx", "frankfurter"),
    ],
    ids=["chart-meta-a-list", "shares-not-a-list", "rates-a-list"],
)  # fmt: skip
def test_a_body_of_the_wrong_shape_fails_its_key_only_and_is_quarantined(
    site, path, make, spoil, failed, source
):
    server, settings = site
    body = make()
    spoil(body)
    server.route(path, body=as_json(body), headers=JSON)
    result, _ = market(settings)
    assert set(result.failed_symbols) == {failed}
    assert "kept at" in result.failed_symbols[failed]
    assert [(r[0], r[2]) for r in quarantined(settings)] == [(source, "whole body")]
    assert closes(settings, "SSTK") == good_closes("SSTK")
