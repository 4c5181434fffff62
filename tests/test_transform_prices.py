"""Yahoo chart payloads → prices, splits, dividends (hand-written fixtures and real recordings)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from newsdesk.transform.prices import (
    DIVIDENDS_SCHEMA,
    PRICES_SCHEMA,
    SPLITS_SCHEMA,
    ChartError,
    normalise_chart,
    normalise_charts,
)
from tests.builders import SHARED_DATA, bars_from_yahoo_csv, chart_payload

FIXTURES = Path(__file__).parent / "fixtures" / "transform"
CHART_DIR = SHARED_DATA / "yahoo_chart_json"
CSV_DIR = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}"
)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def recorded(path: Path) -> dict:
    """The untouched Yahoo body inside a node-yahoo-finance2 recording."""
    return json.loads(path.read_text())["response"]["bodyJson"]


def frame(rows: list[tuple], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_happy_path_gives_one_row_per_bar() -> None:
    got = normalise_chart(load("chart_happy_aapl.json"))
    expected = frame(
        [
            ("AAPL", date(2024, 2, 14), 185.32000732421875, 185.52999877929688,
             182.44000244140625, 184.14999389648438, 183.4541015625, 54630500, "yahoo"),
            ("AAPL", date(2024, 2, 15), 183.5500030517578, 184.49000549316406,
             181.35000610351562, 183.86000061035156, 183.16519165039062, 65434500, "yahoo"),
            ("AAPL", date(2024, 2, 16), 183.4199981689453, 184.85000610351562,
             181.6699981689453, 182.30999755859375, 181.62107849121094, 49752500, "yahoo"),
        ],
        PRICES_SCHEMA,
    )  # fmt: skip
    assert_frame_equal(got.prices, expected)
    assert got.splits.is_empty() and got.dividends.is_empty()
    assert (got.currency, got.exchange_timezone) == ("USD", "America/New_York")


def test_split_and_dividend_events() -> None:
    got = normalise_chart(load("chart_split_dividend_nvda.json"), source="yahoo-test")
    assert_frame_equal(
        got.splits,
        frame([("NVDA", date(2024, 6, 10), 10.0, 1.0, 10.0, "yahoo-test")], SPLITS_SCHEMA),
    )
    assert_frame_equal(
        got.dividends, frame([("NVDA", date(2024, 6, 11), 0.01, "yahoo-test")], DIVIDENDS_SCHEMA)
    )
    assert got.prices.get_column("source").unique().to_list() == ["yahoo-test"]


def test_bars_with_null_prices_are_dropped() -> None:
    got = normalise_chart(load("chart_null_bars_sstk.json")).prices
    assert got.get_column("date").to_list() == [date(2024, 2, 14), date(2024, 2, 16)]
    assert got.get_column("close").to_list() == [46.880001, 45.200001]


def test_empty_result_gives_empty_frames_with_schema() -> None:
    got = normalise_chart(load("chart_empty_msft.json"))
    assert_frame_equal(got.prices, pl.DataFrame(schema=PRICES_SCHEMA))
    assert_frame_equal(got.splits, pl.DataFrame(schema=SPLITS_SCHEMA))
    assert_frame_equal(got.dividends, pl.DataFrame(schema=DIVIDENDS_SCHEMA))
    assert got.currency == "USD"


@pytest.mark.parametrize("how", ["single", "batch"])
def test_chart_error_names_the_symbol(how: str) -> None:
    payload = load("chart_error.json")
    with pytest.raises(ChartError, match="NOPE.*Not Found") as caught:
        if how == "single":
            normalise_chart(payload, symbol="NOPE")
        else:
            normalise_charts({"AAPL": load("chart_happy_aapl.json"), "NOPE": payload})
    assert (caught.value.symbol, caught.value.code) == ("NOPE", "Not Found")
    assert "delisted" in caught.value.description


def _without_zone_name(payload: dict) -> dict:
    changed = copy.deepcopy(payload)
    del changed["chart"]["result"][0]["meta"]["exchangeTimezoneName"]
    return changed


@pytest.mark.parametrize(
    ("fixture", "edit", "dates"),
    [
        ("chart_hk_0700.json", None, [date(2024, 2, 15), date(2024, 2, 16), date(2024, 2, 19)]),
        # 10:00 in Sydney is 23:00 UTC the day before: UTC dates would be one day early.
        ("chart_asx_bhp.json", None, [date(2024, 2, 15), date(2024, 2, 16), date(2024, 2, 19)]),
        (
            "chart_asx_bhp.json",
            _without_zone_name,
            [date(2024, 2, 15), date(2024, 2, 16), date(2024, 2, 19)],
        ),
        (
            "chart_happy_aapl.json",
            None,
            [date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 16)],
        ),
    ],
    ids=["hong-kong", "sydney", "sydney-gmtoffset-only", "new-york-live-bar"],
)
def test_timestamps_become_exchange_local_dates(fixture: str, edit, dates: list[date]) -> None:
    payload = load(fixture)
    if edit is not None:
        payload = edit(payload)
    assert normalise_chart(payload).prices.get_column("date").to_list() == dates


def test_index_keeps_bars_with_null_volume() -> None:
    got = normalise_chart(load("chart_index_gspc.json")).prices
    assert got.get_column("symbol").to_list() == ["^GSPC"] * 3
    assert got.get_column("volume").to_list() == [0, 0, 3278180000]


def test_missing_adjclose_falls_back_to_close() -> None:
    payload = load("chart_happy_aapl.json")
    del payload["chart"]["result"][0]["indicators"]["adjclose"]
    got = normalise_chart(payload).prices
    assert_frame_equal(got.select(pl.col("adj_close").alias("close")), got.select("close"))


def test_repeated_live_bar_keeps_the_later_one() -> None:
    payload = load("chart_happy_aapl.json")
    result = payload["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    result["timestamp"].append(result["timestamp"][-1] + 60)
    for key, value in {"open": 183.0, "high": 185.0, "low": 181.0, "close": 182.5}.items():
        quote[key].append(value)
    quote["volume"].append(49800000)
    result["indicators"]["adjclose"][0]["adjclose"].append(181.8)
    got = normalise_chart(payload).prices
    assert got.height == 3
    assert got.row(-1, named=True)["close"] == 182.5


def test_intraday_payload_is_rejected() -> None:
    payload = load("chart_happy_aapl.json")
    payload["chart"]["result"][0]["meta"]["dataGranularity"] = "1m"
    with pytest.raises(ValueError, match="AAPL.*1d.*'1m'"):
        normalise_chart(payload)


def test_many_payloads_concatenate_and_symbol_hints_win() -> None:
    got = normalise_charts(
        {
            "AAPL": load("chart_happy_aapl.json"),
            "TCEHY-HK": load("chart_hk_0700.json"),
            "NVDA": load("chart_split_dividend_nvda.json"),
        }
    )
    counts = dict(got.prices.group_by("symbol").len().iter_rows())
    assert counts == {"AAPL": 3, "TCEHY-HK": 3, "NVDA": 3}
    assert got.splits.get_column("symbol").to_list() == ["NVDA"]
    # Mixed currencies and zones: no single value describes the batch.
    assert (got.currency, got.exchange_timezone) == (None, None)
    assert list(got.prices.schema.items()) == list(PRICES_SCHEMA.items())


# --- malformed bars and events: set aside and named, the rest loaded ----------------------

AAPL_DAYS = [date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 16)]


def _aapl_with(**edits: object) -> dict:
    """The AAPL fixture with one value per ``list__index`` changed, e.g. close__1="n/a"."""
    payload = load("chart_happy_aapl.json")
    result = payload["chart"]["result"][0]
    lists = {"timestamp": result["timestamp"], **result["indicators"]["quote"][0],
             "adjclose": result["indicators"]["adjclose"][0]["adjclose"]}  # fmt: skip
    for name, value in edits.items():
        key, index = name.split("__")
        lists[key][int(index)] = value
    return payload


@pytest.mark.parametrize(
    ("edits", "record", "reason"),
    [
        ({"close__1": "183.86x"}, "bar 1 (2024-02-15) close='183.86x'",
         "close '183.86x' is not a number"),
        ({"close__1": -183.86}, "bar (2024-02-15) close=-183.86", "not all positive"),
        ({"low__1": 0}, "bar (2024-02-15) close=183.86000061035156", "low 0.0"),
        ({"open__1": True}, "bar 1 (2024-02-15)", "open True is not a number"),
        ({"timestamp__1": "yesterday"}, "bar 1 timestamp='yesterday'",
         "timestamp 'yesterday' is not a number"),
        ({"timestamp__1": None}, "bar 1 timestamp=None", "timestamp None is not a number"),
        ({"timestamp__1": 1707921000.5}, "bar 1 timestamp=1707921000.5", "not whole seconds"),
    ],
    ids=["close-string", "close-negative", "low-zero", "open-bool", "ts-word", "ts-null",
         "ts-fraction"],
)  # fmt: skip
def test_a_bar_that_cannot_be_read_is_set_aside(edits: dict, record, reason) -> None:
    got = normalise_chart(_aapl_with(**edits))
    # The other two bars load untouched; the bad one is named, with why.
    assert got.prices["date"].to_list() == [AAPL_DAYS[0], AAPL_DAYS[2]]
    assert got.prices["close"].to_list() == [184.14999389648438, 182.30999755859375]
    assert len(got.malformed) == 1
    bad = got.malformed[0]
    assert bad.key == "AAPL" and bad.record.startswith(record) and reason in bad.reason


def test_a_timestamp_sent_as_a_numeric_string_or_float_is_still_read() -> None:
    stamps = load("chart_happy_aapl.json")["chart"]["result"][0]["timestamp"]
    got = normalise_chart(_aapl_with(timestamp__1=str(stamps[1]), timestamp__2=float(stamps[2])))
    assert got.malformed == () and got.prices["date"].to_list() == AAPL_DAYS


@pytest.mark.parametrize(
    ("edits", "column", "kept"),
    [
        ({"volume__2": "49.7M"}, "volume", 0),
        ({"volume__2": -1}, "volume", 0),
        ({"adjclose__2": "n/a"}, "adj_close", 182.30999755859375),  # falls back to the close
    ],
    ids=["volume-string", "volume-negative", "adjclose-string"],
)
def test_a_bad_volume_or_adjclose_costs_only_that_value(edits: dict, column: str, kept) -> None:
    got = normalise_chart(_aapl_with(**edits))
    assert got.prices["date"].to_list() == AAPL_DAYS
    assert got.prices[column].to_list()[2] == kept
    assert [m.record.split()[-1] for m in got.malformed] == [column]
    assert got.malformed[0].reason.endswith("the bar is kept without it")


def test_a_malformed_split_is_set_aside_and_the_dividend_kept() -> None:
    payload = load("chart_split_dividend_nvda.json")
    split = payload["chart"]["result"][0]["events"]["splits"]["1718026200"]
    split["denominator"] = 0
    got = normalise_chart(payload)
    assert got.splits.is_empty() and got.dividends.height == 1 and got.prices.height == 3
    assert [(m.key, m.record.split()[0], m.reason) for m in got.malformed] == [
        ("NVDA", "events.splits['1718026200']", "denominator 0 is not positive")
    ]


def test_one_payloads_bad_bar_leaves_the_others_of_the_batch_alone() -> None:
    got = normalise_charts(
        {"AAPL": _aapl_with(close__0="—"), "NVDA": load("chart_split_dividend_nvda.json")}
    )
    assert dict(got.prices.group_by("symbol").len().iter_rows()) == {"AAPL": 2, "NVDA": 3}
    assert [m.key for m in got.malformed] == ["AAPL"]


def test_lists_of_different_lengths_still_make_the_payload_unreadable() -> None:
    payload = load("chart_happy_aapl.json")
    payload["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop()
    with pytest.raises(ValueError, match="AAPL: close has 2 values for 3 timestamps"):
        normalise_chart(payload)


# --- real recorded Yahoo responses -------------------------------------------------------


def _daily_files() -> list[Path]:
    return sorted(p for p in CHART_DIR.glob("*.json") if "interval-1m" not in p.name)


def _expected_from_json(body: dict) -> pl.DataFrame:
    """What the prices frame must hold, read from the JSON without the code under test."""
    result = body["chart"]["result"][0]
    zone = ZoneInfo(result["meta"]["exchangeTimezoneName"])
    quote = result["indicators"]["quote"][0]
    adj = result["indicators"].get("adjclose", [{}])[0].get("adjclose")
    rows = []
    for i, ts in enumerate(result.get("timestamp", [])):
        ohlc = [quote[k][i] for k in ("open", "high", "low", "close")]
        if None in ohlc:
            continue
        close = ohlc[3]
        rows.append(
            (
                result["meta"]["symbol"],
                datetime.fromtimestamp(ts, zone).date(),
                *ohlc,
                close if adj is None or adj[i] is None else adj[i],
                quote["volume"][i] or 0,
                "yahoo",
            )
        )
    return frame(rows, PRICES_SCHEMA)


@needs_shared
@pytest.mark.parametrize("path", _daily_files(), ids=lambda p: p.name)
def test_real_daily_chart_matches_its_json(path: Path) -> None:
    body = recorded(path)
    expected = _expected_from_json(body)
    assert expected.height > 0
    assert_frame_equal(normalise_chart(body).prices, expected)


@needs_shared
def test_real_intraday_chart_is_rejected_clearly() -> None:
    body = recorded(
        CHART_DIR / "chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json"
    )
    with pytest.raises(ValueError, match="only 1d charts"):
        normalise_chart(body)


@needs_shared
@pytest.mark.parametrize(
    ("name", "symbol", "day"),
    [
        ("chart-AAPL-2020-08-31-to-2020-11-07.json", "AAPL", date(2020, 8, 31)),
        ("historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json", "NVDA",
         date(2021, 7, 20)),
    ],
)  # fmt: skip
def test_real_four_for_one_splits(name: str, symbol: str, day: date) -> None:
    splits = normalise_chart(recorded(CHART_DIR / name)).splits
    assert splits.select("symbol", "date", "ratio").rows() == [(symbol, day, 4.0)]


@needs_shared
def test_real_msft_dividends() -> None:
    body = recorded(
        CHART_DIR / "historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json"
    )
    events = body["chart"]["result"][0]["events"]["dividends"].values()
    zone = ZoneInfo("America/New_York")
    expected = sorted((datetime.fromtimestamp(e["date"], zone).date(), e["amount"]) for e in events)
    got = normalise_chart(body).dividends
    assert got.select("date", "amount").rows() == expected
    assert got.height == 4 and set(got.get_column("amount")) == {0.56, 0.62}


@needs_shared
@pytest.mark.parametrize(("symbol", "move"), [("ADBE", -7.41), ("SSTK", -5.44), ("GOOGL", -1.58)])
def test_real_closes_after_sora(symbol: str, move: float) -> None:
    bars = bars_from_yahoo_csv(CSV_DIR / f"{symbol}.csv", date(2024, 2, 12), date(2024, 2, 20))
    prices = normalise_chart(chart_payload(symbol, bars)).prices
    assert prices.get_column("date").to_list() == [b["date"] for b in bars]
    closes = dict(prices.select("date", "close").iter_rows())
    change = closes[date(2024, 2, 16)] / closes[date(2024, 2, 15)] - 1
    assert round(change * 100, 2) == move
