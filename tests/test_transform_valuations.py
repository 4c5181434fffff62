"""Market caps: split-restated share counts in force on each day × closes, in USD too."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from newsdesk.transform.fx import FX_SCHEMA, normalise_frankfurter
from newsdesk.transform.prices import PRICES_SCHEMA, SPLITS_SCHEMA, normalise_chart
from newsdesk.transform.shares import SHARES_SCHEMA, normalise_companyfacts
from newsdesk.transform.valuations import VALUATIONS_SCHEMA, market_caps, restate_shares
from tests.builders import (
    SHARED_DATA,
    bars_from_yahoo_csv,
    chart_payload,
    companyfacts_payload_from_sec_csv,
)

SEC_CSV = SHARED_DATA / "sec" / "shares_outstanding.csv"
CSV_DIR = SHARED_DATA / "prices" / "yahoo_csv_dieperdev_2000_2024-03-08"
needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}"
)

NVDA, GOOG, AMZN, BABA = "0001045810", "0001652044", "0001018724", "0001577552"
TICKERS = pl.DataFrame(
    [
        ("NVDA", "NVIDIA", "NASDAQ", "USD", NVDA, "equity", ["英伟达"], "NVIDIA"),
        ("GOOGL", "Alphabet A", "NASDAQ", "USD", GOOG, "equity", ["谷歌"], "Alphabet"),
        ("GOOG", "Alphabet C", "NASDAQ", "USD", GOOG, "equity", [], "Alphabet"),
        ("AMZN", "Amazon", "NASDAQ", "USD", "1018724", "equity", [], "Amazon"),  # unpadded
        ("9988.HK", "Alibaba HK", "HKEX", "HKD", BABA, "equity", ["阿里巴巴"], "Alibaba"),
        ("^GSPC", "S&P 500", "SNP", "USD", None, "index", [], None),
        ("SSTK", "Shutterstock", "NYSE", "USD", "0001549346", "equity", [], "Shutterstock"),
    ],
    schema={
        "symbol": pl.Utf8,
        "name": pl.Utf8,
        "exchange": pl.Utf8,
        "currency": pl.Utf8,
        "cik": pl.Utf8,
        "kind": pl.Utf8,
        "aliases": pl.List(pl.Utf8),
        "issuer": pl.Utf8,
    },
    orient="row",
)
EMPTY_FX = pl.DataFrame(schema=FX_SCHEMA)


def shares(rows: list[tuple]) -> pl.DataFrame:
    """(cik, as_of, filed, shares) → shares_outstanding rows."""
    full = [(c, a, f, "10-Q", f"{c}-{a:%y%m%d}", s, 1, "sec") for c, a, f, s in rows]
    return pl.DataFrame(full, schema=SHARES_SCHEMA, orient="row")


def splits(rows: list[tuple]) -> pl.DataFrame:
    """(symbol, date, numerator, denominator) → splits rows."""
    full = [(s, d, n, m, n / m, "yahoo") for s, d, n, m in rows]
    return pl.DataFrame(full, schema=SPLITS_SCHEMA, orient="row")


def closes(rows: list[tuple]) -> pl.DataFrame:
    """(symbol, date, close) → prices rows."""
    full = [(s, d, c, c, c, c, c, 1000, "yahoo") for s, d, c in rows]
    return pl.DataFrame(full, schema=PRICES_SCHEMA, orient="row")


NVDA_SPLITS = splits([("NVDA", date(2021, 7, 20), 4, 1), ("NVDA", date(2024, 6, 10), 10, 1)])


@pytest.mark.parametrize(
    ("as_of", "factor"),
    [
        (date(2021, 5, 14), 40.0),  # before both splits
        (date(2023, 11, 17), 10.0),  # before the 2024 split only
        (date(2024, 6, 10), 1.0),  # on the split day the count is already post-split
        (date(2024, 11, 15), 1.0),
    ],
)
def test_restate_multiplies_by_every_later_split(as_of: date, factor: float) -> None:
    got = restate_shares(shares([(NVDA, as_of, as_of, 1000.0)]), NVDA_SPLITS, TICKERS)
    assert got.select("shares", "shares_reported", "split_factor").row(0) == (
        1000.0 * factor,
        1000.0,
        factor,
    )
    assert got.columns[: len(SHARES_SCHEMA)] == list(SHARES_SCHEMA)


def test_restate_counts_a_split_reported_by_two_classes_once() -> None:
    both = splits([("GOOGL", date(2022, 7, 18), 20, 1), ("GOOG", date(2022, 7, 18), 20, 1)])
    got = restate_shares(shares([(GOOG, date(2022, 4, 19), None, 100.0)]), both, TICKERS)
    assert got["shares"].item() == 2000.0


def test_restate_ignores_other_issuers_splits() -> None:
    got = restate_shares(shares([(GOOG, date(2023, 1, 1), None, 100.0)]), NVDA_SPLITS, TICKERS)
    assert got["shares"].item() == 100.0


def test_nvidia_pre_split_count_meets_split_adjusted_close() -> None:
    got = market_caps(
        closes([("NVDA", date(2024, 3, 1), 82.28)]),
        shares([(NVDA, date(2023, 11, 17), date(2023, 11, 21), 2_470_000_000.0)]),
        NVDA_SPLITS,
        TICKERS,
        EMPTY_FX,
    )
    expected = pl.DataFrame(
        [
            ("NVDA", date(2024, 3, 1), "market_cap", 24_700_000_000 * 82.28, "USD",
             24_700_000_000 * 82.28, "yahoo*sec", 24_700_000_000.0, date(2023, 11, 17),
             date(2024, 3, 1)),
        ],
        schema=VALUATIONS_SCHEMA,
        orient="row",
    )  # fmt: skip
    assert_frame_equal(got, expected)
    assert round(got["value"].item() / 1e12, 3) == 2.032


def test_each_listed_class_uses_the_issuer_total() -> None:
    total = 5_893_000_000 + 869_000_000 + 5_671_000_000
    day = date(2024, 2, 16)
    got = market_caps(
        closes([("GOOGL", day, 140.52), ("GOOG", day, 141.76)]),
        shares([(GOOG, date(2024, 1, 23), date(2024, 1, 31), float(total))]),
        splits([]),
        TICKERS,
        EMPTY_FX,
    )
    assert got.select("entity", "value", "shares").rows() == [
        ("GOOG", 141.76 * total, total),
        ("GOOGL", 140.52 * total, total),
    ]


@pytest.mark.parametrize(
    ("day", "count", "count_as_of"),
    [
        (date(2024, 1, 2), 10_387_381_291, date(2024, 1, 24)),  # before any filing: earliest
        (date(2024, 2, 1), 10_387_381_291, date(2024, 1, 24)),  # filed 02-02, still earliest
        (date(2024, 4, 26), 10_387_381_291, date(2024, 1, 24)),  # 2nd count dated, not filed
        (date(2024, 5, 1), 10_406_627_415, date(2024, 4, 24)),  # filed that day
        (date(2024, 10, 21), 10_406_627_415, date(2024, 4, 24)),
        (date(2024, 11, 1), 10_515_011_008, date(2024, 10, 18)),
    ],
)
def test_count_in_force_is_the_latest_filed(day: date, count: int, count_as_of: date) -> None:
    counts = shares(
        [
            (AMZN, date(2024, 4, 24), date(2024, 5, 1), 10_406_627_415.0),
            (AMZN, date(2024, 1, 24), date(2024, 2, 2), 10_387_381_291.0),
            (AMZN, date(2024, 10, 18), date(2024, 11, 1), 10_515_011_008.0),
        ]
    )
    got = market_caps(closes([("AMZN", day, 100.0)]), counts, splits([]), TICKERS, EMPTY_FX)
    assert got.select("shares", "shares_as_of").row(0) == (count, count_as_of)


def test_count_without_filed_date_is_known_from_its_as_of() -> None:
    counts = shares([(AMZN, date(2024, 1, 24), None, 1.0), (AMZN, date(2024, 4, 24), None, 2.0)])
    got = market_caps(
        closes([("AMZN", date(2024, 4, 24), 10.0), ("AMZN", date(2024, 4, 23), 10.0)]),
        counts,
        splits([]),
        TICKERS,
        EMPTY_FX,
    )
    assert got.select("as_of", "shares").rows() == [
        (date(2024, 4, 23), 1.0),
        (date(2024, 4, 24), 2.0),
    ]


def test_non_usd_listing_converts_with_the_rate_in_force() -> None:
    fx = normalise_frankfurter(
        {
            "amount": 1.0,
            "base": "USD",
            "start_date": "2024-02-15",
            "end_date": "2024-02-16",
            "rates": {"2024-02-15": {"HKD": 7.8199}, "2024-02-16": {"HKD": 7.8228}},
        }
    )
    count = 19_500_000_000.0
    got = market_caps(
        closes([("9988.HK", date(2024, 2, 16), 70.0), ("9988.HK", date(2024, 2, 19), 72.0)]),
        shares([(BABA, date(2024, 1, 31), date(2024, 2, 7), count)]),
        splits([]),
        TICKERS,
        fx,
    )
    assert got.select("as_of", "currency", "value", "value_usd", "rate_date").rows() == [
        (date(2024, 2, 16), "HKD", 70.0 * count, pytest.approx(70.0 * count / 7.8228),
         date(2024, 2, 16)),
        # Monday is a Hong Kong trading day the ECB fixing of Friday still covers.
        (date(2024, 2, 19), "HKD", 72.0 * count, pytest.approx(72.0 * count / 7.8228),
         date(2024, 2, 16)),
    ]  # fmt: skip


def test_rows_without_shares_or_cik_are_left_out() -> None:
    day = date(2024, 2, 16)
    got = market_caps(
        closes([("^GSPC", day, 5005.57), ("SSTK", day, 45.2), ("NVDA", day, 726.13)]),
        shares([(NVDA, date(2023, 11, 17), date(2023, 11, 21), 2_470_000_000.0)]),
        splits([]),
        TICKERS,
        EMPTY_FX,
    )
    assert got["entity"].to_list() == ["NVDA"]
    assert list(got.schema.items()) == list(VALUATIONS_SCHEMA.items())


# --- real closes and filings ----------------------------------------------------------------


@needs_shared
def test_real_adobe_market_cap_change_after_sora() -> None:
    bars = bars_from_yahoo_csv(CSV_DIR / "ADBE.csv", date(2024, 2, 15), date(2024, 2, 16))
    prices = normalise_chart(chart_payload("ADBE", bars)).prices
    counts = normalise_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, "796343"))
    tickers = TICKERS.vstack(
        pl.DataFrame(
            [("ADBE", "Adobe", "NASDAQ", "USD", "0000796343", "equity", ["奥多比"], "Adobe")],
            schema=TICKERS.schema,
            orient="row",
        )
    )
    got = market_caps(prices, counts, splits([]), tickers, EMPTY_FX)
    caps = dict(got.select("as_of", "value").iter_rows())
    assert set(got["shares"]) == {448_365_341.0}
    change = caps[date(2024, 2, 16)] - caps[date(2024, 2, 15)]
    assert round(change / 1e9, 2) == -19.63


@needs_shared
def test_real_nvidia_count_from_the_sec_csv() -> None:
    counts = normalise_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, NVDA))
    got = market_caps(
        closes([("NVDA", date(2024, 3, 1), 82.28), ("NVDA", date(2024, 11, 22), 141.95)]),
        counts,
        NVDA_SPLITS,
        TICKERS,
        EMPTY_FX,
    )
    assert got.select("shares", "shares_as_of").rows() == [
        (24_700_000_000.0, date(2023, 11, 17)),
        (24_490_000_000.0, date(2024, 11, 15)),  # reported post-split: not multiplied again
    ]
