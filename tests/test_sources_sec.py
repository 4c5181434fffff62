"""SEC source: CIK padding, the User-Agent requirement and the request rate."""

from __future__ import annotations

import pytest

from newsdesk.sources.sec import (
    companyfacts_url,
    fetch_companyfacts,
    sec_client,
    sec_key,
    sec_params,
)
from tests.localserver import LocalServer

UA = "Jane Doe jane@example.com"


@pytest.mark.parametrize(
    ("cik", "path"),
    [
        ("796343", "/api/xbrl/companyfacts/CIK0000796343.json"),
        (796343, "/api/xbrl/companyfacts/CIK0000796343.json"),
        ("0001652044", "/api/xbrl/companyfacts/CIK0001652044.json"),
        ("CIK0001549346", "/api/xbrl/companyfacts/CIK0001549346.json"),
    ],
)
def test_companyfacts_url_pads_the_cik(cik: str | int, path: str) -> None:
    assert companyfacts_url("https://data.sec.gov/", cik) == "https://data.sec.gov" + path


@pytest.mark.parametrize("cik", ["", "12345678901", "79a343"])
def test_bad_cik_is_refused(cik: str) -> None:
    with pytest.raises(ValueError, match="CIK"):
        companyfacts_url("https://data.sec.gov", cik)


@pytest.mark.parametrize("user_agent", [None, "", "   "])
def test_sec_refuses_without_a_user_agent(user_agent: str | None) -> None:
    with pytest.raises(ValueError, match="SEC requires a User-Agent naming you"):
        sec_client(user_agent)


def test_sec_client_stays_under_ten_requests_a_second() -> None:
    assert sec_client(UA).min_interval == pytest.approx(0.11)
    assert sec_client(UA, min_interval=1.0).min_interval == 1.0


def test_fetch_companyfacts_sends_the_named_user_agent(local_server: LocalServer) -> None:
    local_server.route("/api/xbrl/companyfacts/CIK0000796343.json", body=b'{"cik": 796343}')
    client = sec_client(UA, sleep=lambda s: None)
    got = fetch_companyfacts(client, local_server.base_url, "796343")
    assert got.body == b'{"cik": 796343}'
    assert [r.headers["user-agent"] for r in local_server.requests] == [UA]


def test_key_and_params() -> None:
    assert sec_key(796343) == "CIK0000796343"
    assert sec_params("CIK0000796343") == {"cik": "0000796343"}
