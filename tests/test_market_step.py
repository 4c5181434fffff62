"""The market step end to end against a local server speaking the providers' formats."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from prefect import flow

from flows.market import MarketResult, market_step
from flows.run import Run, open_run
from newsdesk import landing, warehouse
from newsdesk.config import (
    FxSettings,
    HttpSettings,
    MarketSettings,
    SecSettings,
    Settings,
    WarehouseSettings,
)
from newsdesk.warehouse import Warehouse
from tests.builders import SHARED_DATA, bars_from_yahoo_csv, chart_payload
from tests.localserver import Resp

# Every test runs the step as a Prefect flow against the session's test server.
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

START, END = date(2024, 2, 13), date(2024, 2, 16)
DAYS = [date(2024, 2, 12) + timedelta(days=i) for i in range(5)]  # Mon..Fri
CIKS = {"ADBE": "0000796343", "SSTK": "0001549346", "GOOGL": "0001652044"}
MARKET_TABLES = ["prices", "splits", "dividends", "fx_rates", "shares_outstanding", "valuations"]


def bars(first_close: float, step: float) -> list[dict]:
    out = []
    for i, day in enumerate(DAYS):
        close = round(first_close + i * step, 2)
        out.append(
            {
                "date": day,
                "open": close - 1,
                "high": close + 2,
                "low": close - 2,
                "close": close,
                "adj_close": close - 0.5,
                "volume": 1000 + i,
            }
        )
    return out


def companyfacts(cik: str, shares: list[int]) -> dict:
    """A companyfacts body with one cover-page fact per share class."""
    facts = [
        {
            "end": "2024-01-10",
            "val": val,
            "accn": f"{cik}-24-000001",
            "fy": 2023,
            "fp": "FY",
            "form": "10-K",
            "filed": "2024-01-20",
        }
        for val in shares
    ]
    return {
        "cik": int(cik),
        "entityName": "Test issuer",
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "description": "Shares outstanding on the cover page.",
                    "units": {"shares": facts},
                }
            }
        },
    }


def frankfurter_body(start: date, end: date) -> dict:
    rates = {}
    day = start
    while day <= end:
        if day.weekday() < 5:
            rates[day.isoformat()] = {"CNY": 7.19, "EUR": 0.93, "HKD": 7.82, "JPY": 150.1}
        day += timedelta(days=1)
    return {
        "amount": 1.0,
        "base": "USD",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "rates": rates,
    }


def as_json(payload: dict) -> bytes:
    return json.dumps(payload).encode()


JSON = {"Content-Type": "application/json;charset=utf-8"}


@pytest.fixture
def market(local_server, tmp_path):
    """Routes for three symbols, FX and SEC, and settings pointing at them."""
    payloads = {
        "ADBE": chart_payload(
            "ADBE", bars(600.0, -10.0), dividends=[{"date": DAYS[2], "amount": 0.5}]
        ),
        "SSTK": chart_payload("SSTK", bars(47.0, -0.5)),
        "GOOGL": chart_payload(
            "GOOGL",
            bars(145.0, -1.0),
            splits=[{"date": DAYS[1], "numerator": 2.0, "denominator": 1.0}],
        ),
    }
    for symbol, payload in payloads.items():
        local_server.route(f"/v8/finance/chart/{symbol}", body=as_json(payload), headers=JSON)
    local_server.route(
        f"/v1/{START - timedelta(days=1)}..{END}",
        body=as_json(frankfurter_body(START - timedelta(days=1), END)),
        headers=JSON,
    )
    shares = {
        "ADBE": [450_000_000],
        "SSTK": [36_000_000],
        "GOOGL": [5_900_000_000, 870_000_000, 5_670_000_000],
    }
    for symbol, cik in CIKS.items():
        local_server.route(
            f"/api/xbrl/companyfacts/CIK{cik}.json",
            body=as_json(companyfacts(cik, shares[symbol])),
            headers=JSON,
        )
    settings = settings_for(local_server.base_url, tmp_path / "one")
    return local_server, settings, payloads


def settings_for(base_url: str, root: Path) -> Settings:
    return Settings(
        warehouse=WarehouseSettings(path=root / "w.duckdb", raw_dir=root / "raw"),
        market=MarketSettings(base_url=base_url, lookback_days=1),
        fx=FxSettings(base_url=base_url),
        sec=SecSettings(base_url=base_url, user_agent="newsdesk tests tests@example.com"),
        http=HttpSettings(read_timeout=0.5, retries=1, backoff=0.01, task_retries=0),
    )


def run_market(settings: Settings, symbols=("ADBE", "SSTK", "GOOGL"), offline=False):
    @flow(name="market-test")
    def market_flow() -> tuple[MarketResult, Run]:
        run = open_run(settings, offline)
        return market_step(run, list(symbols), START, END), run

    return market_flow()


def closes(settings: Settings, symbol: str) -> list[float]:
    frame = Warehouse(settings.warehouse.path).query(
        "select close from prices where symbol = ? order by date", [symbol]
    )
    return frame["close"].to_list()


def test_happy_path_loads_every_table_with_one_request_per_source(market):
    server, settings, payloads = market
    result, run = run_market(settings)
    assert result.failed_symbols == {}
    wh = Warehouse(settings.warehouse.path)
    assert (
        closes(settings, "ADBE")
        == payloads["ADBE"]["chart"]["result"][0]["indicators"]["quote"][0]["close"]
    )
    chart_requests = [r for r in server.requests if r.path.startswith("/v8/")]
    assert sorted(r.path.rsplit("/", 1)[1] for r in chart_requests) == ["ADBE", "GOOGL", "SSTK"]
    assert all(r.headers["user-agent"].startswith("newsdesk/") for r in chart_requests)
    assert [r.path for r in server.requests if r.path.startswith("/v1/")] == [
        f"/v1/{START - timedelta(days=1)}..{END}"
    ]
    sec_agents = {r.headers["user-agent"] for r in server.requests if "companyfacts" in r.path}
    assert sec_agents == {"newsdesk tests tests@example.com"}
    assert wh.query("select ratio from splits where symbol = 'GOOGL'")["ratio"].to_list() == [2.0]
    assert wh.query("select amount from dividends")["amount"].to_list() == [0.5]
    rate = wh.query("select rate from fx_rates where date = '2024-02-16' and quote = 'CNY'")
    assert rate["rate"].to_list() == [7.19]
    # GOOGL: Alphabet's three classes summed; no split after the count's date matters here
    # except the 2:1 on 2024-02-13, which postdates the count of 2024-01-10.
    cap = wh.query(
        "select value, shares from valuations where entity = 'GOOGL' and as_of = '2024-02-16'"
    ).row(0)
    assert cap[1] == pytest.approx((5_900_000_000 + 870_000_000 + 5_670_000_000) * 2)
    assert cap[0] == pytest.approx(cap[1] * 141.0)
    assert run.stats.requests["yahoo"] == 3


def test_retry_after_is_honoured_then_the_symbol_loads(market):
    server, settings, payloads = market
    server.route(
        "/v8/finance/chart/SSTK",
        responses=[
            Resp(429, headers={"Retry-After": "1"}, body=b"slow down"),
            Resp(200, body=as_json(payloads["SSTK"]), headers=JSON),
        ],
    )
    result, _ = run_market(settings)
    assert result.failed_symbols == {}
    assert len(closes(settings, "SSTK")) == 5
    assert [r.path for r in server.requests].count("/v8/finance/chart/SSTK") == 2


def test_server_errors_fail_one_symbol_clearly_and_load_the_others(market):
    server, settings, _ = market
    server.route("/v8/finance/chart/SSTK", status=500, body=b"boom")
    result, _ = run_market(settings)
    assert set(result.failed_symbols) == {"SSTK"}
    message = result.failed_symbols["SSTK"]
    assert "HTTP 500" in message and "/v8/finance/chart/SSTK" in message
    assert closes(settings, "SSTK") == []
    assert len(closes(settings, "ADBE")) == 5
    # The error body is landed too: nothing received is lost.
    errors = [
        x for x in landing.iter_landed(settings.warehouse.raw_dir / "yahoo") if x.status == 500
    ]
    assert errors and errors[0].read_body() == b"boom"


def test_read_timeout_is_a_clear_failure(market):
    server, settings, payloads = market
    server.route(
        "/v8/finance/chart/ADBE",
        responses=[Resp(200, body=as_json(payloads["ADBE"]), headers=JSON, delay=1.5)],
    )
    result, _ = run_market(settings)
    assert "timeout" in result.failed_symbols["ADBE"].lower()
    assert len(closes(settings, "GOOGL")) == 5


def test_truncated_json_fails_that_symbol_and_keeps_the_raw_body(market):
    server, settings, payloads = market
    body = as_json(payloads["SSTK"])
    server.route("/v8/finance/chart/SSTK", body=body[: len(body) // 2], headers=JSON)
    result, _ = run_market(settings)
    assert "not valid JSON" in result.failed_symbols["SSTK"]
    kept = landing.find_landed(settings.warehouse.raw_dir, "yahoo", key_prefix="SSTK")
    assert kept and kept[0].read_body() == body[: len(body) // 2]
    assert len(closes(settings, "ADBE")) == 5


def test_empty_result_is_not_a_failure(market):
    server, settings, _ = market
    server.route("/v8/finance/chart/SSTK", body=as_json(chart_payload("SSTK", [])), headers=JSON)
    result, _ = run_market(settings)
    assert result.failed_symbols == {}
    assert closes(settings, "SSTK") == []


def test_unknown_symbol_is_a_per_symbol_failure(market):
    server, settings, _ = market
    error = {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
    server.route("/v8/finance/chart/NOPE", status=404, body=as_json(error), headers=JSON)
    result, _ = run_market(settings, symbols=("ADBE", "NOPE"))
    assert set(result.failed_symbols) == {"NOPE"}
    assert "No data found" in result.failed_symbols["NOPE"]
    assert len(closes(settings, "ADBE")) == 5


def test_null_bars_are_dropped(market):
    server, settings, payloads = market
    payload = json.loads(as_json(payloads["ADBE"]))
    quote = payload["chart"]["result"][0]["indicators"]["quote"][0]
    quote["close"][2] = None
    server.route("/v8/finance/chart/ADBE", body=as_json(payload), headers=JSON)
    run_market(settings)
    days = (
        Warehouse(settings.warehouse.path)
        .query("select date from prices where symbol = 'ADBE' order by date")["date"]
        .to_list()
    )
    assert DAYS[2] not in days and len(days) == 4


def test_rerun_leaves_every_table_identical(market):
    _, settings, _ = market
    run_market(settings)
    first = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    again, _ = run_market(settings)
    assert Warehouse(settings.warehouse.path).checksums(MARKET_TABLES) == first
    # Nothing new was loaded, yet the checks still see every price the run covers.
    assert again.frames["prices"].height == 15


def test_offline_replay_equals_the_online_run(market, tmp_path):
    _, settings, _ = market
    run_market(settings)
    online = Warehouse(settings.warehouse.path).checksums(MARKET_TABLES)
    replay = replace(
        settings,
        warehouse=replace(settings.warehouse, path=tmp_path / "replay.duckdb"),
        market=replace(settings.market, base_url="http://127.0.0.1:9"),  # nothing listens
    )
    result, run = run_market(replay, offline=True)
    assert result.failed_symbols == {}
    assert sum(run.stats.requests.values()) == 0
    assert Warehouse(replay.warehouse.path).checksums(MARKET_TABLES) == online


def test_failure_mid_load_leaves_no_partial_batch(market, monkeypatch):
    _, settings, _ = market
    real = warehouse._upsert

    def failing(con, table, frame):
        if table == "fx_rates":
            raise RuntimeError("disk full (injected)")
        return real(con, table, frame)

    monkeypatch.setattr(warehouse, "_upsert", failing)
    with pytest.raises(RuntimeError, match="injected"):
        run_market(settings)
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select count(*) n from prices")["n"][0] == 0
    assert wh.query("select count(*) n from splits")["n"][0] == 0


@pytest.mark.skipif(not (SHARED_DATA / "prices").is_dir(), reason="../shared/data is not present")
def test_real_closes_give_the_sora_day_moves(local_server, tmp_path):
    """Charts built from the real closes, through the whole step: ADBE −7.41% on 2024-02-16."""
    folder = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
    for symbol in ("ADBE", "SSTK", "GOOGL"):
        real = bars_from_yahoo_csv(folder / f"{symbol}.csv", date(2024, 2, 12), date(2024, 2, 20))
        local_server.route(
            f"/v8/finance/chart/{symbol}", body=as_json(chart_payload(symbol, real)), headers=JSON
        )
    local_server.route(
        f"/v1/{START - timedelta(days=1)}..{END}",
        body=as_json(frankfurter_body(START, END)),
        headers=JSON,
    )
    settings = settings_for(local_server.base_url, tmp_path)
    settings = replace(settings, sec=replace(settings.sec, user_agent=""))
    result, _ = run_market(settings)
    assert set(result.failed_symbols) == {f"CIK{c}" for c in CIKS.values()}  # no SEC agent
    move = Warehouse(settings.warehouse.path).query(
        "select symbol, round(100 * (close / lag(close) over (partition by symbol order by date)"
        " - 1), 2) as pct, date from prices qualify date = '2024-02-16' order by symbol"
    )
    assert dict(zip(move["symbol"], move["pct"], strict=True)) == {
        "ADBE": -7.41,
        "GOOGL": -1.58,
        "SSTK": -5.44,
    }


def test_closed_days_already_held_are_not_fetched_again(market):
    server, settings, _ = market
    settings = replace(settings, market=replace(settings.market, revise_days=1))
    run_market(settings)
    first = [r.params["period1"] for r in server.requests if r.path.endswith("/ADBE")]
    run_market(settings)
    second = [r.params["period1"] for r in server.requests if r.path.endswith("/ADBE")][1:]
    day = 86_400
    assert int(first[0]) == (date(2024, 2, 12) - date(1970, 1, 1)).days * day
    # Only the days vendors may still revise are asked for again.
    assert int(second[0]) == (date(2024, 2, 15) - date(1970, 1, 1)).days * day
    assert len(closes(settings, "ADBE")) == 5


# --- malformed records: set aside and named, the rest loaded, the run goes on --------------


def test_malformed_share_fact_is_set_aside_and_the_rest_loads(market, caplog):
    server, settings, _ = market
    body = companyfacts(CIKS["ADBE"], [450_000_000])
    facts = body["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
    # What SEC's data holds for Microsoft's 2024-12-31 10-Q cover: a count without any date.
    facts.append({"end": "", "val": 7_433_982_235, "accn": "", "fy": 2025, "fp": "Q2",
                  "form": "10-Q", "filed": ""})  # fmt: skip
    sent = as_json(body)
    server.route(f"/api/xbrl/companyfacts/CIK{CIKS['ADBE']}.json", body=sent, headers=JSON)
    with caplog.at_level("WARNING"):
        result, run = run_market(settings)
    assert result.failed_symbols == {}
    wh = Warehouse(settings.warehouse.path)
    shares = wh.query("select cik, shares from shares_outstanding order by cik").rows()
    assert shares == [
        ("0000796343", 450_000_000),
        ("0001549346", 36_000_000),
        ("0001652044", 5_900_000_000 + 870_000_000 + 5_670_000_000),
    ]
    assert wh.query("select count(*) n from valuations where entity = 'ADBE'")["n"][0] == 5
    [record] = result.set_aside
    assert (record.source, record.key) == ("sec", "CIK0000796343")
    assert record.reason == "end '' is not a YYYY-MM-DD date"
    assert "val=7433982235" in record.record
    # The landed body is the response as it came, untouched.
    [landed] = landing.find_landed(settings.warehouse.raw_dir, "sec", key_prefix="CIK0000796343")
    assert record.raw_path == str(landed.body_path) and landed.read_body() == sent
    assert run.stats.set_aside == {"sec CIK0000796343": 1}
    # Named in the run's log, in one line.
    lines = [r.getMessage() for r in caplog.records if "set aside" in r.getMessage()]
    assert lines == [f"market: {record.line()}"]
    assert result.sources_read == {"yahoo", "frankfurter", "sec"}


def test_a_string_close_costs_one_bar_not_the_symbol(market):
    server, settings, payloads = market
    payload = json.loads(as_json(payloads["SSTK"]))
    payload["chart"]["result"][0]["indicators"]["quote"][0]["close"][3] = "45.5O"  # a letter O
    server.route("/v8/finance/chart/SSTK", body=as_json(payload), headers=JSON)
    result, _ = run_market(settings)
    assert result.failed_symbols == {}
    assert closes(settings, "SSTK") == [47.0, 46.5, 46.0, 45.0]
    assert len(closes(settings, "ADBE")) == 5
    [record] = result.set_aside
    assert (record.source, record.key) == ("yahoo", "SSTK")
    assert record.record.startswith("bar 3 (2024-02-15)") and "'45.5O'" in record.reason


def test_a_bad_rate_costs_one_rate_not_the_range(market):
    server, settings, _ = market
    body = frankfurter_body(START - timedelta(days=1), END)
    body["rates"]["2024-02-16"]["CNY"] = "7.19*"
    body["rates"]["2024-02-30"] = {"CNY": 7.2}
    server.route(f"/v1/{START - timedelta(days=1)}..{END}", body=as_json(body), headers=JSON)
    result, _ = run_market(settings)
    assert result.failed_symbols == {}
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select count(*) n from fx_rates")["n"][0] == 5 * 4 - 1
    assert sorted((r.key, r.record) for r in result.set_aside) == [
        ("2024-02-12_2024-02-16", "rates['2024-02-16']['CNY']"),
        ("2024-02-12_2024-02-16", "rates['2024-02-30']"),
    ]


def test_a_companyfacts_body_that_is_not_json_fails_that_issuer_only(market):
    server, settings, _ = market
    page = b"<html><body>Request Rate Threshold Exceeded</body></html>"
    server.route(f"/api/xbrl/companyfacts/CIK{CIKS['SSTK']}.json", body=page,
                 headers={"Content-Type": "text/html"})  # fmt: skip
    result, _ = run_market(settings)
    assert set(result.failed_symbols) == {"CIK0001549346"}
    message = result.failed_symbols["CIK0001549346"]
    assert message.startswith("companyfacts unreadable") and "kept at" in message
    wh = Warehouse(settings.warehouse.path)
    assert wh.query("select count(*) n from shares_outstanding")["n"][0] == 2
    assert len(closes(settings, "SSTK")) == 5
    kept = landing.find_landed(settings.warehouse.raw_dir, "sec", key_prefix="CIK0001549346")
    assert kept[0].read_body() == page


def test_a_chart_whose_lists_disagree_fails_that_symbol_only(market):
    server, settings, payloads = market
    payload = json.loads(as_json(payloads["GOOGL"]))
    payload["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop()
    server.route("/v8/finance/chart/GOOGL", body=as_json(payload), headers=JSON)
    result, _ = run_market(settings)
    assert set(result.failed_symbols) == {"GOOGL"}
    assert "close has 4 values for 5 timestamps" in result.failed_symbols["GOOGL"]
    assert closes(settings, "GOOGL") == []
    assert len(closes(settings, "ADBE")) == 5 and len(closes(settings, "SSTK")) == 5
