"""The nightly job end to end against a local server: the seed article and the market."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from flows.cli import main
from flows.nightly import nightly
from newsdesk.warehouse import Warehouse
from tests.builders import (
    SEED,
    SHARED_DATA,
    bars_from_yahoo_csv,
    chart_payload,
    companyfacts_payload_from_sec_csv,
    frankfurter_payload_from_ecb_csv,
    seed_page,
)

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.slow,
    pytest.mark.skipif(not SEED.exists(), reason="the seed article is not in ../shared/seeds"),
    pytest.mark.skipif(not (SHARED_DATA / "prices").is_dir(), reason="../shared/data is absent"),
]

RUN_DATE = date(2024, 2, 20)
PRICES = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
ECB = SHARED_DATA / "fx" / "eurofxref-hist_1999-01-04_to_2025-05-09.csv"
SEC_CSV = SHARED_DATA / "sec" / "shares_outstanding.csv"
CIKS = ("0000796343", "0001549346", "0001652044")
JSON = {"Content-Type": "application/json;charset=utf-8"}
TABLES = ["prices", "fx_rates", "valuations", "articles", "claims", "events"]

CONTRADICTED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Search giant routed</title>
<meta property="article:published_time" content="2024-02-20T08:00:00Z"></head>
<body><article><h1>Search giant routed</h1>
<p>Alphabet shares plunged 12% on Feb. 16 as investors fretted about rival video models,
a reporter with a loose grip on the tape wrote this morning.</p>
<p>Analysts said the sell-off could run further, though none would put a figure on it.</p>
</article></body></html>"""


def route_market(server, symbols=("ADBE", "SSTK", "GOOGL"), patch=None) -> None:
    """Chart, FX and SEC responses built from the real closes, rates and share counts."""
    for symbol in symbols:
        bars = bars_from_yahoo_csv(PRICES / f"{symbol}.csv", date(2024, 2, 1), date(2024, 2, 23))
        if patch:
            patch(symbol, bars)
        body = json.dumps(chart_payload(symbol, bars)).encode()
        server.route(f"/v8/finance/chart/{symbol}", body=body, headers=JSON)
    fx = frankfurter_payload_from_ecb_csv(
        ECB, date(2024, 2, 12), RUN_DATE, ["CNY", "EUR", "HKD", "JPY"]
    )
    server.route(f"/v1/2024-02-12..{RUN_DATE}", body=json.dumps(fx).encode(), headers=JSON)
    for cik in CIKS:
        facts = companyfacts_payload_from_sec_csv(SEC_CSV, cik)
        server.route(f"/api/xbrl/companyfacts/CIK{cik}.json", body=json.dumps(facts).encode(),
                     headers=JSON)  # fmt: skip


def write_config(tmp_path: Path, server, pages: list[str]) -> Path:
    root = tmp_path / "wh"
    base = server.base_url
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        f"""
[warehouse]
path = "{root / "newsdesk.duckdb"}"
raw_dir = "{root / "raw"}"
reports_dir = "{root / "reports"}"
dq_dir = "{root / "dq"}"
[news]
pages = {json.dumps(pages)}
min_interval = 0.0
[market]
base_url = "{base}"
lookback_days = 3
[fx]
base_url = "{base}"
[sec]
base_url = "{base}"
user_agent = "newsdesk tests tests@example.com"
[http]
retries = 1
backoff = 0.01
task_retries = 0
read_timeout = 5.0
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def seed_site(local_server, tmp_path):
    """The seed article served as a GBK page declared GB2312, and the market behind it."""
    page = seed_page(SEED.read_text(encoding="utf-8")).encode("gbk", "xmlcharrefreplace")
    local_server.route(
        "/news/2024/0220/sora.html",
        body=page,
        headers={"Content-Type": "text/html; charset=GB2312"},
    )
    route_market(local_server)
    config = write_config(tmp_path, local_server, [local_server.url("/news/2024/0220/sora.html")])
    return local_server, config


def verdicts(config: Path) -> dict[tuple[str, str], tuple[str, float | None]]:
    wh = Warehouse(_warehouse_path(config))
    rows = wh.query(
        "select claim_type, list_sort(subjects) as s, verdict, observed from claims "
        "where claim_type <> 'other'"
    ).rows()
    return {(t, ",".join(s)): (v, o) for t, s, v, o in rows}


def _warehouse_path(config: Path) -> Path:
    return config.parent / "wh" / "newsdesk.duckdb"


def test_seed_article_end_to_end_gives_the_demo_verdicts(seed_site):
    _, config = seed_site
    nightly(run_date=RUN_DATE, config=str(config))
    stated = (
        Warehouse(_warehouse_path(config))
        .query(
            "select claim_type, subjects, value, currency, counter_value, counter_currency, "
            "qualifier, from_value, to_value from claims"
        )
        .rows()
    )
    # The claims the issue lists, read from the GBK page served as GB2312.
    for expected in [
        ("price_move", ["ADBE"], -7.0, None, None, None, "over", None, None),
        ("price_move", ["SSTK"], -5.0, None, None, None, "over", None, None),
        ("price_move", ["GOOGL"], -1.58, None, None, None, "exact", None, None),
        ("market_cap_change", ["ADBE", "SSTK", "GOOGL"], -48e9, "USD", 350e9, "CNY", "nearly",
         None, None),
        ("currency_conversion", [], 48e9, "USD", 350e9, "CNY", "about", None, None),
        ("valuation", ["OpenAI"], 80e9, "USD", None, None, "exact", None, None),
        ("valuation_change", ["OpenAI"], 3.0, "USD", None, None, "nearly", 29e9, 80e9),
        ("other", [], 85.0, None, None, None, "about", None, None),
    ]:  # fmt: skip
        assert expected in stated, expected
    got = verdicts(config)
    assert got[("price_move", "ADBE")][0] == "supported"
    assert got[("price_move", "ADBE")][1] == pytest.approx(-7.41, abs=0.01)
    assert got[("price_move", "SSTK")] == ("supported", pytest.approx(-5.44, abs=0.01))
    assert got[("price_move", "GOOGL")] == ("supported", pytest.approx(-1.58, abs=0.01))
    cap = got[("market_cap_change", "ADBE,GOOGL,SSTK")]
    assert cap[0] == "supported" and cap[1] == pytest.approx(-47.7e9, rel=0.01)
    assert got[("currency_conversion", "")][0] == "supported"
    assert got[("valuation_change", "OpenAI")][0] == "supported"
    assert got[("valuation", "OpenAI")][0] == "unverifiable"
    wh = Warehouse(_warehouse_path(config))
    dates = wh.query("select distinct reference_date from claims where claim_type = 'price_move'")[
        "reference_date"
    ].to_list()
    assert dates == [date(2024, 2, 16)]
    assert (config.parent / "wh" / "reports" / "2024-02-20.html").exists()
    run = wh.query("select status, stats from runs").row(0)
    assert run[0] == "completed" and json.loads(run[1])["claims_judged"] >= 7


def test_rerun_changes_no_table_and_keeps_claim_ids(seed_site):
    _, config = seed_site
    nightly(run_date=RUN_DATE, config=str(config))
    wh = Warehouse(_warehouse_path(config))
    ids = wh.query("select claim_id from claims order by 1")["claim_id"].to_list()
    first = wh.checksums(TABLES)
    nightly(run_date=RUN_DATE, config=str(config))
    assert wh.checksums(TABLES) == first
    assert wh.query("select claim_id from claims order by 1")["claim_id"].to_list() == ids


def test_a_false_figure_is_contradicted_with_its_arithmetic(local_server, tmp_path):
    local_server.route("/markets/alphabet.html", body=CONTRADICTED_PAGE.encode(),
                       headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    route_market(local_server, symbols=("GOOGL",))
    config = write_config(tmp_path, local_server, [local_server.url("/markets/alphabet.html")])
    nightly(run_date=RUN_DATE, config=str(config))
    row = (
        Warehouse(_warehouse_path(config))
        .query("select verdict, observed, explanation from claims where claim_type = 'price_move'")
        .row(0)
    )
    assert row[0] == "contradicted"
    assert row[1] == pytest.approx(-1.58, abs=0.01)
    assert "142.77" in row[2] and "140.52" in row[2] and "12" in row[2]


def test_a_bad_row_fails_the_run_loudly_and_names_it(seed_site, capsys):
    server, config = seed_site

    def low_above_high(symbol, bars):
        # Readable, so loaded, but impossible: a blocking check's business, not the transform's
        # (a negative close would be set aside as malformed: see the test below).
        if symbol == "SSTK":
            for bar in bars:
                if bar["date"] == date(2024, 2, 14):
                    bar["low"] = bar["high"] + 1.0

    route_market(server, patch=low_above_high)
    assert main(["run", "--date", str(RUN_DATE), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "SSTK" in err and "2024-02-14" in err
    wh = Warehouse(_warehouse_path(config))
    # Nothing is lost: the raw response is kept and the run is recorded as failed.
    assert wh.query("select status from runs")["status"].to_list() == ["failed"]
    failed = wh.query("select count(*) n from dq_results where not success")["n"][0]
    assert failed >= 1
    # Write-audit-publish: the market batch failed its checks before it committed, so not one
    # of its rows was published, and no claim was judged against it.
    assert wh.query("select count(*) n from prices")["n"][0] == 0
    assert wh.query("select count(*) n from claims")["n"][0] == 0


def test_malformed_records_are_set_aside_and_the_run_still_judges(seed_site, caplog):
    server, config = seed_site

    def bad_close(symbol, bars):
        if symbol == "ADBE":  # a session far from the Sora day: the verdicts do not need it
            bars[0]["close"] = -bars[0]["close"]

    route_market(server, patch=bad_close, symbols=("ADBE",))
    alphabet = companyfacts_payload_from_sec_csv(SEC_CSV, "0001652044")
    facts = alphabet["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
    # Microsoft's 10-Q cover count as the share-count data holds it: no end, filed or accn.
    facts.append({"end": "", "val": 7433982235, "accn": "", "fy": 2024, "fp": "Q4",
                  "form": "10-Q", "filed": ""})  # fmt: skip
    server.route("/api/xbrl/companyfacts/CIK0001652044.json",
                 body=json.dumps(alphabet).encode(), headers=JSON)  # fmt: skip
    with caplog.at_level("WARNING"):
        assert main(["run", "--date", str(RUN_DATE), "--config", str(config)]) == 0
    got = verdicts(config)
    assert got[("price_move", "ADBE")][0] == "supported"
    cap = got[("market_cap_change", "ADBE,GOOGL,SSTK")]
    assert cap[0] == "supported" and cap[1] == pytest.approx(-47.7e9, rel=0.01)
    wh = Warehouse(_warehouse_path(config))
    status, stats = wh.query("select status, stats from runs").row(0)
    assert status == "completed"
    assert json.loads(stats)["set_aside"] == {"sec CIK0001652044": 1, "yahoo ADBE": 1}
    rows = wh.query(
        "select suite, expectation, success, details from dq_results "
        "where expectation like '%records_malformed' order by expectation"
    ).rows()
    assert [r[:3] for r in rows] == [
        ("fx_rates", "frankfurter_records_malformed", True),
        ("shares_outstanding", "sec_records_malformed", False),
        ("prices", "yahoo_records_malformed", False),
    ]
    sec = json.loads(rows[1][3])
    assert (sec["severity"], sec["key"], sec["unexpected_count"]) == ("warning", "CIK0001652044", 1)
    assert sec["rows"][0]["reason"] == "end '' is not a YYYY-MM-DD date"
    logged = [r.getMessage() for r in caplog.records if "set aside" in r.getMessage()]
    assert len(logged) == 2 and any("sec CIK0001652044: set aside" in m for m in logged)
