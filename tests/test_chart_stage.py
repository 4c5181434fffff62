"""Chart bodies staged a batch of symbols at a time give what one read over all of them gives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import flows.chart_stage as chart_stage
from flows.chart_stage import CHART_TABLES, stage_charts
from flows.charts import read_charts
from newsdesk import landing
from newsdesk.http import Fetched
from newsdesk.landing import Landed
from newsdesk.sources import yahoo
from newsdesk.staging import read_staged
from newsdesk.storage import Store
from newsdesk.tables import empty
from tests.builders import chart_payload

START, END = date(2024, 3, 1), date(2024, 3, 29)
FETCHED = datetime(2024, 4, 2, 6, 0, tzinfo=UTC)


def _bars(index: int, *, bad_close_on: int | None = None) -> list[dict]:
    days = [
        START + timedelta(days=d) for d in range(29) if (START + timedelta(days=d)).weekday() < 5
    ]
    bars = []
    for n, day in enumerate(days):
        close = 10.0 + index + n / 10
        bars.append({"date": day, "open": close, "high": close + 1, "low": close - 1,
                     "close": -close if n == bad_close_on else close, "adj_close": close,
                     "volume": 1000 + n})  # fmt: skip
    return bars


def _land(raw: Path, symbol: str, body: bytes, fetched_at: datetime = FETCHED) -> Landed:
    response = Fetched(
        url=yahoo.chart_url("https://query2.finance.yahoo.com", symbol, START, END),
        status=200,
        headers={"content-type": "application/json"},
        body=body,
        fetched_at=fetched_at,
    )
    key = yahoo.chart_key(symbol, START, END)
    return landing.land(raw, yahoo.SOURCE, key, response, yahoo.chart_params(symbol, START, END))


def _payload(symbol: str, index: int, **kw: object) -> bytes:
    return json.dumps(chart_payload(symbol, _bars(index, **kw))).encode()  # type: ignore[arg-type]


@pytest.fixture
def charts(tmp_path: Path) -> tuple[dict[str, list[Landed]], set[str]]:
    """Seven symbols' bodies, among them every case read_charts treats apart."""
    raw = tmp_path / "raw"
    found: dict[str, list[Landed]] = {}
    for index, symbol in enumerate(["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"]):
        found[symbol] = [_land(raw, symbol, _payload(symbol, index))]
    # BBB: splits and dividends, and an older body not loaded yet (read, under the newest)
    events = chart_payload("BBB", _bars(1), splits=[{"date": date(2024, 3, 5), "numerator": 2.0,
                           "denominator": 1.0}], dividends=[{"date": date(2024, 3, 6),
                           "amount": 0.25}])  # fmt: skip
    older = _land(raw, "BBB", _payload("BBB", 9), FETCHED - timedelta(days=3))
    found["BBB"] = [older, _land(raw, "BBB", json.dumps(events).encode())]
    # CCC: an older body already loaded (skipped); DDD: one bar set aside (negative close)
    loaded = _land(raw, "CCC", _payload("CCC", 7), FETCHED - timedelta(days=5))
    found["CCC"].insert(0, loaded)
    found["DDD"] = [_land(raw, "DDD", _payload("DDD", 3, bad_close_on=2), FETCHED)]
    # EEE: not JSON (failed, quarantined); FFF: names another symbol (refused, and its batch
    # takes the body-by-body path)
    found["EEE"] = [_land(raw, "EEE", b"<html>rate limited</html>")]
    found["FFF"] = [_land(raw, "FFF", _payload("ZZZ", 5))]
    return found, {loaded.sha256}


def _staged_frame(store: Store, rels: list[str], table: str) -> pl.DataFrame:
    return read_staged(store, rels, empty(table)).sort("symbol", "date")


# One prices file per batch with bars: EEE and FFF alone (batch_symbols=1) have none.
@pytest.mark.parametrize(("batch_symbols", "price_files"), [(1, 5), (3, 3), (50, 1)])
def test_batches_give_what_one_read_over_every_symbol_gives(
    tmp_path, charts, batch_symbols, price_files
):
    found, already = charts
    failed: dict[str, str] = {}
    rejected: list = []
    whole = read_charts(found, failed, already=already, rejected=rejected)
    store = Store(str(tmp_path / "staging"))

    staged = stage_charts(found, store, "run1/0", already=already, batch_symbols=batch_symbols)

    assert (whole.frames.splits.height, whole.frames.dividends.height) == (1, 1)
    for table in CHART_TABLES:
        want = getattr(whole.frames, table).sort("symbol", "date")
        assert_frame_equal(_staged_frame(store, staged.files[table], table), want)
    assert staged.spans == whole.spans
    assert staged.used == whole.used
    assert staged.failed == failed and set(failed) == {"EEE", "FFF"}
    assert staged.set_aside == rejected + list(whole.frames.malformed)
    assert {m.key for m in staged.set_aside} == {"EEE", "FFF", "DDD"}
    assert staged.skipped == whole.skipped == 1
    assert all(rel.startswith("run1/0/") for rels in staged.files.values() for rel in rels)
    assert len(staged.files["prices"]) == price_files


def test_no_batch_reads_more_symbols_than_asked(tmp_path, charts, monkeypatch):
    found, _ = charts
    seen: list[list[str]] = []

    def recording(batch, *args, **kwargs):
        seen.append(list(batch))
        return read_charts(batch, *args, **kwargs)

    monkeypatch.setattr(chart_stage, "read_charts", recording)
    stage_charts(found, Store(str(tmp_path / "staging")), "run1", batch_symbols=3)
    assert seen == [["AAA", "BBB", "CCC"], ["DDD", "EEE", "FFF"], ["GGG"]]


def test_nothing_to_stage_gives_no_files(tmp_path):
    store = Store(str(tmp_path / "staging"))
    staged = stage_charts({}, store, "run1")
    assert staged.files == {table: [] for table in CHART_TABLES}
    assert (staged.spans, staged.used, staged.failed, staged.set_aside) == ({}, [], {}, [])
    assert store.files() == []
    with pytest.raises(ValueError, match="at least 1"):
        stage_charts({}, store, "run1", batch_symbols=0)
