"""Yahoo chart source: URL shape, one request per symbol, the unknown-symbol answer."""

from __future__ import annotations

import json
from datetime import date

import pytest

from newsdesk.http import FetchError, HttpClient
from newsdesk.sources.yahoo import chart_key, chart_params, chart_url, fetch_chart
from tests.localserver import LocalServer

START, END = date(2024, 2, 12), date(2024, 2, 20)
# 2024-02-12 00:00 UTC and 2024-02-21 00:00 UTC (the day after END), worked out by hand:
# 2024-01-01 is 1704067200; +42 and +51 days of 86400 s.
PERIOD1, PERIOD2 = "1707696000", "1708473600"

NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


def chart_body(symbol: str) -> bytes:
    return json.dumps(
        {
            "chart": {
                "result": [
                    {
                        "meta": {"currency": "USD", "symbol": symbol, "gmtoffset": -18000},
                        "timestamp": [1708007400],
                        "indicators": {
                            "quote": [
                                {
                                    "open": [600.0],
                                    "high": [601.5],
                                    "low": [560.2],
                                    "close": [562.0],
                                    "volume": [9000000],
                                }
                            ],
                            "adjclose": [{"adjclose": [562.0]}],
                        },
                    }
                ],
                "error": None,
            }
        }
    ).encode()


def client() -> HttpClient:
    return HttpClient("newsdesk-test/0.1", sleep=lambda s: None)


@pytest.mark.parametrize(
    ("symbol", "path"),
    [
        ("ADBE", "/v8/finance/chart/ADBE"),
        ("^GSPC", "/v8/finance/chart/%5EGSPC"),
        ("BRK-B", "/v8/finance/chart/BRK-B"),
    ],
)
def test_chart_url_shape(symbol: str, path: str) -> None:
    url = chart_url("https://query1.finance.yahoo.com/", symbol, START, END)
    assert url == (
        f"https://query1.finance.yahoo.com{path}"
        f"?period1={PERIOD1}&period2={PERIOD2}&interval=1d&events=div%7Csplit"
    )


def test_fetch_chart_makes_one_request_per_symbol_for_the_whole_range(
    local_server: LocalServer,
) -> None:
    for symbol in ("ADBE", "^GSPC"):
        local_server.route(f"/v8/finance/chart/{symbol}", body=chart_body(symbol))
    c = client()
    bodies = [fetch_chart(c, local_server.base_url, s, START, END) for s in ("ADBE", "^GSPC")]
    assert [json.loads(b.body)["chart"]["result"][0]["meta"]["symbol"] for b in bodies] == [
        "ADBE",
        "^GSPC",
    ]
    assert [r.raw_path for r in local_server.requests] == [
        "/v8/finance/chart/ADBE",
        "/v8/finance/chart/%5EGSPC",
    ]
    for logged in local_server.requests:
        assert logged.params == {
            "period1": PERIOD1,
            "period2": PERIOD2,
            "interval": "1d",
            "events": "div|split",
        }


def test_unknown_symbol_404_is_returned_not_raised(local_server: LocalServer) -> None:
    local_server.route(
        "/v8/finance/chart/NOPE",
        body=json.dumps(NOT_FOUND).encode(),
        status=404,
        headers={"Content-Type": "application/json"},
    )
    got = fetch_chart(client(), local_server.base_url, "NOPE", START, END)
    assert got.status == 404
    assert json.loads(got.body)["chart"]["error"]["code"] == "Not Found"
    assert len(local_server.requests) == 1


def test_other_404_still_raises(local_server: LocalServer) -> None:
    local_server.route("/v8/finance/chart/ADBE", body=b"<html>gone</html>", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_chart(client(), local_server.base_url, "ADBE", START, END)


def test_reversed_range_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        fetch_chart(client(), "http://127.0.0.1:9", "ADBE", END, START)


@pytest.mark.parametrize(
    ("symbol", "key"),
    [
        ("ADBE", "ADBE/2024-02-12_2024-02-20"),
        ("^GSPC", "^GSPC/2024-02-12_2024-02-20"),
        ("BRK/B", "BRK_B/2024-02-12_2024-02-20"),
    ],
)
def test_chart_key(symbol: str, key: str) -> None:
    assert chart_key(symbol, START, END) == key


def test_chart_params_are_json_and_describe_the_request() -> None:
    params = chart_params("^GSPC", START, END)
    assert json.loads(json.dumps(params)) == {
        "symbol": "^GSPC",
        "start": "2024-02-12",
        "end": "2024-02-20",
        "interval": "1d",
        "events": "div|split",
    }
