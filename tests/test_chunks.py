"""Chunks: plain specs in, small results out, so the work can leave the flow's process.

The nightly flow on Prefect's process-pool runner runs its chunks in other processes and
loads the same tables as on the thread runner; specs and results survive JSON (what a
deployment run on a work pool takes and hands back); a run's stats are its chunks' sums.
"""

from __future__ import annotations

import json
import os
import pickle
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import flows.chunks as chunks_module
from flows.chunks import (
    Counts,
    MarketChunk,
    MarketChunkResult,
    NewsChunk,
    NewsChunkResult,
    settings_from_params,
    settings_params,
    split,
    tally,
)
from flows.nightly import nightly
from flows.run import RunStats
from newsdesk.config import load_settings
from newsdesk.transform.records import Malformed
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

needs_data = pytest.mark.skipif(
    not SEED.exists() or not (SHARED_DATA / "prices").is_dir(),
    reason="the seed article or ../shared/data is absent",
)
# Everything a run loads from its sources; articles without the landing facts (when and
# where each run's own copy was fetched), which differ between two runs by design.
TABLES = {
    "prices": "select * from prices",
    "fx_rates": "select * from fx_rates",
    "valuations": "select * from valuations",
    "shares_outstanding": "select * from shares_outstanding",
    "articles": "select * exclude (fetched_at, raw_path) from articles",
    "claims": "select * from claims",
    "events": "select * from events",
}


RUN_DATE = date(2024, 2, 20)
PAGE = "/news/2024/0220/sora.html"
JSON = {"Content-Type": "application/json"}


def _serve_seed_day(server) -> None:
    """The seed article (GBK, as the site sends it) and the market data its claims need."""
    page = seed_page(SEED.read_text(encoding="utf-8")).encode("gbk", "xmlcharrefreplace")
    server.route(PAGE, body=page, headers={"Content-Type": "text/html; charset=GB2312"})
    prices = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
    for symbol in ("ADBE", "SSTK", "GOOGL"):
        bars = bars_from_yahoo_csv(prices / f"{symbol}.csv", date(2024, 2, 1), date(2024, 2, 23))
        server.route(
            f"/v8/finance/chart/{symbol}", body=_json(chart_payload(symbol, bars)), headers=JSON
        )
    ecb = SHARED_DATA / "fx" / "eurofxref-hist_1999-01-04_to_2025-05-09.csv"
    rates = frankfurter_payload_from_ecb_csv(ecb, date(2024, 2, 12), RUN_DATE, ["CNY", "EUR"])
    server.route(f"/v1/2024-02-12..{RUN_DATE}", body=_json(rates), headers=JSON)
    for cik in ("0000796343", "0001549346", "0001652044"):  # Adobe, Shutterstock, Alphabet
        facts = companyfacts_payload_from_sec_csv(
            SHARED_DATA / "sec" / "shares_outstanding.csv", cik
        )
        server.route(f"/api/xbrl/companyfacts/CIK{cik}.json", body=_json(facts), headers=JSON)


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


def _config(tmp_path: Path, server, *, runner: str, chunk_symbols: int, chunk_pages: int) -> Path:
    """A config whose warehouse, landing zone and staging area are under tmp_path."""
    wh = tmp_path / "wh"
    wh.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        f'''[warehouse]
path = "{wh / "newsdesk.duckdb"}"
raw_dir = "{wh / "raw"}"
staging_dir = "{wh / "staging"}"
reports_dir = "{wh / "reports"}"
dq_dir = "{wh / "dq"}"
[news]
pages = ["{server.url(PAGE)}"]
min_interval = 0.0
[market]
base_url = "{server.base_url}"
lookback_days = 3
[fx]
base_url = "{server.base_url}"
quotes = ["CNY", "EUR"]
[sec]
base_url = "{server.base_url}"
user_agent = "newsdesk chunk tests tests@example.com"
[http]
retries = 0
task_retries = 0
read_timeout = 5.0
[compute]
runner = "{runner}"
max_workers = 2
chunk_symbols = {chunk_symbols}
chunk_pages = {chunk_pages}
''',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def seed_server(local_server):
    _serve_seed_day(local_server)
    return local_server


@pytest.fixture
def recorded(monkeypatch):
    """Every chunk outcome the flow process received, as run_chunks handed it back."""
    seen: list[tuple] = []
    real = chunks_module.run_chunks

    def recording(task, specs, settings):
        outcomes = real(task, specs, settings)
        seen.extend(outcomes)
        return outcomes

    monkeypatch.setattr(chunks_module, "run_chunks", recording)
    return seen


def _tables(config: Path) -> dict[str, list[tuple]]:
    wh = Warehouse(config.parent / "wh" / "newsdesk.duckdb")
    return {name: sorted(wh.query(sql).rows(), key=repr) for name, sql in TABLES.items()}


@needs_data
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_the_process_runner_runs_chunks_elsewhere_and_loads_the_same_tables(
    seed_server, tmp_path, recorded, monkeypatch
):
    # The process runner hands its children the settings as environment variables; the test
    # harness's "ephemeral" flag among them made each child start a Prefect server of its own
    # (orphaned when the pool ended). A deployment's children see a real server's URL alone.
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_ENABLED", "false")
    threaded = _config(tmp_path / "thread", seed_server, runner="thread",
                       chunk_symbols=250, chunk_pages=200)  # fmt: skip
    nightly(run_date=RUN_DATE, config=str(threaded))
    assert all(found is not None for _, found, _ in recorded)
    assert {found.pid for _, found, _ in recorded} == {os.getpid()}
    recorded.clear()

    processes = _config(tmp_path / "process", seed_server, runner="process",
                        chunk_symbols=2, chunk_pages=1)  # fmt: skip
    nightly(run_date=RUN_DATE, config=str(processes))
    kinds = Counter(spec.kind for spec, _, _ in recorded)
    assert kinds["news"] == 1 and kinds["market"] >= 2  # ADBE, GOOGL, SSTK and benchmarks
    assert [error for _, _, error in recorded] == [None] * len(recorded)
    pids = {found.pid for _, found, _ in recorded}
    assert os.getpid() not in pids
    got, expected = _tables(processes), _tables(threaded)
    assert all(expected[name] for name in ("prices", "claims", "articles", "valuations"))
    assert got == expected
    # Nothing staged is left once the run committed.
    assert not any((tmp_path / "process" / "wh" / "staging").iterdir())


@needs_data
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_a_runs_stats_are_the_sums_over_its_chunks(seed_server, tmp_path, recorded):
    config = _config(tmp_path, seed_server, runner="thread", chunk_symbols=1, chunk_pages=1)
    nightly(run_date=RUN_DATE, config=str(config))
    market = [found for spec, found, _ in recorded if spec.kind == "market"]
    assert len(market) >= 3  # one symbol a chunk
    summed = Counter()
    for found in market:
        summed.update(found.counts.requests)
    assert summed["yahoo"] == len(market)  # each chunk made its one chart request
    wh = Warehouse(config.parent / "wh" / "newsdesk.duckdb")
    stats = json.loads(wh.query("select stats from runs").row(0)[0])
    # The news chunk's page, the FX range from the flow process, and every chunk's charts.
    assert stats["requests"]["yahoo"] == summed["yahoo"]
    assert stats["requests"]["sec"] == summed["sec"] == 3
    assert stats["requests"]["news"] == 1 and stats["requests"]["frankfurter"] == 1


def test_tally_adds_every_chunks_counters_to_the_runs():
    stats = RunStats()
    stats.requests["frankfurter"] = 1  # made by the flow process itself
    results = [
        NewsChunkResult({}, (), {}, (), Counts({"news": 2}, {"news": 1})),
        NewsChunkResult({}, (), {}, (), Counts({"news": 3, "yahoo": 1}, {})),
    ]
    tally(stats.requests, stats.reused, results)
    assert stats.requests == {"frankfurter": 1, "news": 5, "yahoo": 1}
    assert stats.reused == {"news": 1}


def test_split_keeps_order_and_bounds_each_part():
    assert split(list("abcde"), 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert split([], 3) == []


def _settings(tmp_path: Path):
    config = tmp_path / "newsdesk.toml"
    config.write_text(
        '[warehouse]\nraw_dir = "s3://bucket/raw"\n'
        f'staging_dir = "{tmp_path / "staging"}"\n'
        '[market]\nwatchlist = ["ADBE", "GOOGL"]\n'
        '[news]\npages = ["https://example.com/a.html"]\n'
        '[storage]\nendpoint_url = "http://127.0.0.1:9000"\n'
        '[compute]\nrunner = "process"\nchunk_symbols = 2\n'
        '[quality]\nseverity = { prices_close_positive = "warning" }\n',
        encoding="utf-8",
    )
    return load_settings(config, environ={})


def test_settings_survive_json(tmp_path):
    settings = _settings(tmp_path)
    again = settings_from_params(json.loads(json.dumps(settings_params(settings))))
    assert again == settings
    assert again.warehouse.raw_dir == "s3://bucket/raw"  # a URL stays text, a path a Path
    assert isinstance(again.warehouse.staging_dir, Path)


def test_specs_survive_json_and_pickle(tmp_path):
    settings = _settings(tmp_path)
    market = MarketChunk(
        settings=settings, offline=True, run_id="r1", index=3,
        starts={"ADBE": date(2024, 2, 1), "GOOGL": date(2024, 2, 15)},
        fetch_end=date(2024, 2, 23), ciks=("0000796343",), already_rel="r1/market/already.parquet",
    )  # fmt: skip
    news = NewsChunk(
        settings=settings, offline=False, run_id="r1", index=0,
        pages=(("https://example.com/a.html", None),
               ("https://example.com/b.html", datetime(2024, 2, 20, 8, 0, tzinfo=UTC))),
        first=0, total=2, known_rel="r1/news/known.parquet", tickers_rel="r1/news/tickers.parquet",
    )  # fmt: skip
    for spec in (market, news):
        params = json.loads(json.dumps(spec.to_params()))
        assert type(spec).from_params(params) == spec
        assert pickle.loads(pickle.dumps(spec)) == spec
    assert market.result_rel == "r1/market-0003/result.json"
    assert market.symbols == ["ADBE", "GOOGL"]


def test_results_survive_json(tmp_path):
    record = Malformed("ADBE", "timestamp[3]", "close is null", "yahoo", "/raw/x.body")
    market = MarketChunkResult(
        staged={"prices": ["r1/market/market-0000/prices-0000.parquet"]},
        spans={"ADBE": (date(2024, 2, 1), date(2024, 2, 22))},
        used=("ab" * 32,),
        failed={"SSTK": "HTTP 500"},
        failed_issuers={"CIK0000796343": "HTTP 404"},
        set_aside=(record,),
        set_aside_issuers=(),
        sources_read=("sec", "yahoo"),
        skipped=2,
        counts=Counts({"yahoo": 2, "sec": 1}, {"sec": 1}),
        pid=1234,
    )
    news = NewsChunkResult(
        staged={"articles": ["a.parquet"], "claims": ["c.parquet"]},
        skipped=("https://example.com/x: empty body",),
        failed={"https://example.com/y": "页面 unreadable"},
        set_aside=(Malformed("https://example.com/y", "whole body", "unreadable", "news"),),
        counts=Counts({"news": 2}, {}),
        pid=99,
    )
    for result in (market, news):
        assert type(result).from_json(result.to_json()) == result
        assert pickle.loads(pickle.dumps(result)) == result


@needs_data
def test_the_chunk_flow_runs_a_spec_given_as_json_and_stages_its_result(seed_server, tmp_path):
    from flows import engine
    from flows.chunk_flow import chunk
    from flows.chunks import staging_store
    from newsdesk.staging import read_staged
    from newsdesk.tables import empty

    config = _config(tmp_path, seed_server, runner="thread", chunk_symbols=2, chunk_pages=1)
    settings = load_settings(config, environ={})
    spec = MarketChunk(
        settings=settings, offline=False, run_id="run1", index=0,
        starts={"ADBE": date(2024, 2, 12), "NOPE": date(2024, 2, 12)},
        fetch_end=RUN_DATE, ciks=("0000796343",),
    )  # fmt: skip
    with engine.direct():  # as a worker would run it, given only JSON
        rel = chunk.fn("market", json.loads(json.dumps(spec.to_params())), None)
    store = staging_store(settings)
    assert rel == spec.result_rel
    result = MarketChunkResult.from_json(store.read(rel))
    assert list(result.failed) == ["NOPE"]  # the other symbol of the chunk still loaded
    prices = read_staged(store, result.staged["prices"], empty("prices"))
    assert set(prices["symbol"]) == {"ADBE"} and prices.height >= 5
    assert result.spans["ADBE"] == (prices["date"].min(), prices["date"].max())
    assert read_staged(store, result.staged["shares_outstanding"]).height > 0
    assert result.counts.requests == {"yahoo": 2, "sec": 1}
    assert result.pid == os.getpid()


# --- direct runs (no Prefect): how the flow process merges its chunks ---------------------

STORY = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2024-02-20T08:00:00Z"></head>
<body><article><h1>{title}</h1>
<p>Adobe shares fell 7% on Feb. 16 after a rival showed a video model, the desk wrote.</p>
<p>{extra}</p></article></body></html>"""


def _direct_settings(root: Path, server, *, pages=(), chunk_symbols=250, chunk_pages=200):
    from newsdesk.config import (
        ComputeSettings,
        FxSettings,
        HttpSettings,
        MarketSettings,
        NewsSettings,
        SecSettings,
        Settings,
        WarehouseSettings,
    )

    return Settings(
        warehouse=WarehouseSettings(path=root / "w.duckdb", raw_dir=root / "raw",
                                    staging_dir=root / "staging", reports_dir=root / "reports",
                                    dq_dir=root / "dq"),
        news=NewsSettings(pages=tuple(server.url(p) for p in pages), min_interval=0.0),
        market=MarketSettings(base_url=server.base_url, lookback_days=3),
        fx=FxSettings(base_url=server.base_url, quotes=("CNY", "EUR")),
        sec=SecSettings(base_url=server.base_url, user_agent="newsdesk tests tests@example.com"),
        http=HttpSettings(read_timeout=5.0, retries=0, backoff=0.01, task_retries=0),
        compute=ComputeSettings(chunk_symbols=chunk_symbols, chunk_pages=chunk_pages),
    )  # fmt: skip


def test_the_same_text_in_two_chunks_is_one_article_under_its_first_pages_id(
    local_server, tmp_path
):
    from flows import engine
    from flows.news import news_step
    from flows.run import open_run

    same = STORY.format(title="Adobe slides", extra="Nothing else moved.").encode()
    other = STORY.format(title="Adobe again", extra="Shutterstock fell 5% too.").encode()
    html = {"Content-Type": "text/html; charset=utf-8"}
    for path, body in (("/a.html", same), ("/b.html", same), ("/c.html", other)):
        local_server.route(path, body=body, headers=html)
    pages = ("/a.html", "/b.html", "/c.html")
    got = {}
    for size in (200, 1):  # one chunk of three pages; three chunks of one
        settings = _direct_settings(tmp_path / str(size), local_server, pages=pages,
                                    chunk_pages=size)  # fmt: skip
        with engine.direct():
            run = open_run(settings, offline=False)
            result = engine.call(news_step, run, RUN_DATE, RUN_DATE)
        got[size] = result
        assert run.stats.requests["news"] == 3  # every chunk's page counted
    one, three = got[200], got[1]
    assert three.articles["url"].to_list() == [local_server.url("/a.html"),
                                               local_server.url("/c.html")]  # fmt: skip
    unlanded = ["fetched_at", "raw_path"]
    assert three.articles.drop(unlanded).equals(one.articles.drop(unlanded))
    assert three.claims.equals(one.claims) and three.claims.height >= 2
    assert three.events.equals(one.events)
    assert not any((tmp_path / "1" / "staging").rglob("*.parquet"))


@needs_data
def test_a_chunk_that_fails_whole_fails_its_own_symbols_only(seed_server, tmp_path, monkeypatch):
    import flows.market as market_module
    from flows import engine
    from flows.market import market_step
    from flows.run import open_run

    real = market_module.run_market_chunk

    def broken_for_sstk(spec):
        if "SSTK" in spec.symbols:
            raise MemoryError("worker ran out of memory")
        return real(spec)

    monkeypatch.setattr(market_module, "run_market_chunk", broken_for_sstk)
    settings = _direct_settings(tmp_path, seed_server, chunk_symbols=1)
    with engine.direct():
        run = open_run(settings, offline=False)
        result = engine.call(market_step, run, ["ADBE", "GOOGL", "SSTK"], RUN_DATE, RUN_DATE)
    assert result.failed_symbols["SSTK"].startswith("chunk failed: MemoryError")
    assert "CIK0001549346" in result.failed_symbols  # Shutterstock's issuer went with it
    loaded = Warehouse(settings.warehouse.path).query("select distinct symbol from prices")
    assert sorted(loaded["symbol"].to_list()) == ["ADBE", "GOOGL"]
    assert run.stats.requests["yahoo"] == 2
