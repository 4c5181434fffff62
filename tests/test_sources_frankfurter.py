"""Frankfurter source: URL shape and one request for the whole range."""

from __future__ import annotations

import json
from datetime import date

import pytest

from newsdesk.http import HttpClient
from newsdesk.sources.frankfurter import fetch_rates, fx_key, fx_params, fx_url
from tests.localserver import LocalServer

START, END = date(2024, 2, 12), date(2024, 2, 20)
RATES = {
    "amount": 1.0,
    "base": "USD",
    "start_date": "2024-02-12",
    "end_date": "2024-02-20",
    "rates": {"2024-02-12": {"CNY": 7.1961, "EUR": 0.92851}},
}


def test_fx_url_shape() -> None:
    assert (
        fx_url("https://api.frankfurter.dev/", START, END, ["cny", "EUR"])
        == "https://api.frankfurter.dev/v1/2024-02-12..2024-02-20?base=USD&symbols=CNY,EUR"
    )


def test_fetch_rates_is_one_request(local_server: LocalServer) -> None:
    local_server.route("/v1/2024-02-12..2024-02-20", body=json.dumps(RATES).encode())
    got = fetch_rates(
        HttpClient("newsdesk-test/0.1"), local_server.base_url, START, END, ["CNY", "EUR"]
    )
    assert json.loads(got.body)["rates"]["2024-02-12"]["CNY"] == 7.1961
    (logged,) = local_server.requests
    assert logged.path == "/v1/2024-02-12..2024-02-20"
    assert logged.params == {"base": "USD", "symbols": "CNY,EUR"}


@pytest.mark.parametrize("quotes", [[], ["YUAN"], ["C$"]])
def test_bad_quotes_are_refused(quotes: list[str]) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        fx_url("https://api.frankfurter.dev", START, END, quotes)


def test_key_and_params() -> None:
    assert fx_key(START, END) == "2024-02-12_2024-02-20"
    assert fx_params(START, END, ["CNY", "EUR"]) == {
        "start": "2024-02-12",
        "end": "2024-02-20",
        "base": "USD",
        "symbols": "CNY,EUR",
    }
