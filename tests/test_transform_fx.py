"""Frankfurter payloads → fx_rates, and as-of USD rates with carry-forward and inversion."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from newsdesk.transform.fx import (
    FX_SCHEMA,
    normalise_frankfurter,
    screen_frankfurter,
    usd_rates_asof,
)
from tests.builders import SHARED_DATA, frankfurter_payload_from_ecb_csv

FIXTURES = Path(__file__).parent / "fixtures" / "transform"
ECB_CSV = SHARED_DATA / "fx" / "eurofxref-hist_1999-01-04_to_2025-05-09.csv"
needs_shared = pytest.mark.skipif(not ECB_CSV.is_file(), reason=f"ECB csv not found at {ECB_CSV}")

FRI, SAT, MON = date(2024, 2, 16), date(2024, 2, 17), date(2024, 2, 19)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def fx() -> pl.DataFrame:
    return normalise_frankfurter(load("frankfurter_range_usd.json"))


def test_range_payload_gives_one_row_per_day_and_quote(fx: pl.DataFrame) -> None:
    rows = [
        (date(2024, 2, 15), "USD", "CNY", 7.1943, "ecb"),
        (date(2024, 2, 15), "USD", "EUR", 0.93084, "ecb"),
        (date(2024, 2, 15), "USD", "HKD", 7.8199, "ecb"),
        (FRI, "USD", "CNY", 7.1936, "ecb"),
        (FRI, "USD", "EUR", 0.92868, "ecb"),
        (FRI, "USD", "HKD", 7.8228, "ecb"),
        (MON, "USD", "CNY", 7.1984, "ecb"),
        (MON, "USD", "EUR", 0.92799, "ecb"),
        (MON, "USD", "HKD", 7.8204, "ecb"),
    ]
    assert_frame_equal(fx, pl.DataFrame(rows, schema=FX_SCHEMA, orient="row"))


@pytest.mark.parametrize(
    ("fixture", "rows"),
    [
        (
            "frankfurter_single_eur.json",
            [(FRI, "EUR", "CNY", 7.7461, "ecb"), (FRI, "EUR", "USD", 1.0768, "ecb")],
        ),
        # amount=10 scales every rate by ten; fx_rates holds rates per one unit.
        ("frankfurter_amount_usd.json", [(FRI, "USD", "CNY", 7.1936, "ecb")]),
    ],
)
def test_single_day_payloads(fixture: str, rows: list[tuple]) -> None:
    got = normalise_frankfurter(load(fixture))
    assert_frame_equal(got, pl.DataFrame(rows, schema=FX_SCHEMA, orient="row"))


def test_usd_rates_asof_keeps_row_order_and_dates_each_rate(fx: pl.DataFrame) -> None:
    days = pl.DataFrame(
        {
            "date": [SAT, FRI, date(2024, 2, 14), date(2024, 2, 20), MON],
            "currency": ["CNY", "USD", "HKD", "EUR", "JPY"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    expected = days.with_columns(
        usd_rate=pl.Series([7.1936, 1.0, None, 0.92799, None], dtype=pl.Float64),
        rate_date=pl.Series([FRI, FRI, None, MON, None], dtype=pl.Date),
    )
    assert_frame_equal(usd_rates_asof(fx, days), expected)


def test_usd_rates_asof_inverts_rates_quoted_against_usd() -> None:
    eur_based = normalise_frankfurter(load("frankfurter_single_eur.json"))
    days = pl.DataFrame({"date": [MON], "currency": ["EUR"]})
    got = usd_rates_asof(eur_based, days)
    assert got.row(0) == (MON, "EUR", pytest.approx(1 / 1.0768), FRI)


def test_usd_rates_asof_prefers_a_usd_based_rate_to_an_inverted_one(fx: pl.DataFrame) -> None:
    # Both USD→EUR 0.92868 and EUR→USD 1.0768 (1 / 1.0768 = 0.928677…) are stored for Friday.
    both = pl.concat([normalise_frankfurter(load("frankfurter_single_eur.json")), fx])
    got = usd_rates_asof(both, pl.DataFrame({"date": [FRI], "currency": ["EUR"]}))
    assert got.row(0) == (FRI, "EUR", 0.92868, FRI)


# --- real ECB reference rates --------------------------------------------------------------


@pytest.fixture
def ecb_fx() -> pl.DataFrame:
    payload = frankfurter_payload_from_ecb_csv(
        ECB_CSV, date(2024, 2, 12), date(2024, 2, 20), ["CNY", "EUR", "HKD"]
    )
    return normalise_frankfurter(payload)


@needs_shared
def test_real_usd_cny_on_2024_02_16(ecb_fx: pl.DataFrame) -> None:
    rate = ecb_fx.filter((pl.col("date") == FRI) & (pl.col("quote") == "CNY"))["rate"].item()
    assert round(rate, 4) == 7.1936


@needs_shared
def test_real_saturday_carries_friday(ecb_fx: pl.DataFrame) -> None:
    got = usd_rates_asof(ecb_fx, pl.DataFrame({"date": [SAT], "currency": ["CNY"]}))
    _, _, rate, on = got.row(0)
    assert on == FRI and round(rate, 4) == 7.1936
    # No ECB fixing on weekends: the builder leaves them out as Frankfurter does.
    assert ecb_fx.filter(pl.col("date") == SAT).is_empty()


@needs_shared
def test_real_cross_reproduces_the_ecb_eur_cny_fixing(ecb_fx: pl.DataFrame) -> None:
    friday = dict(ecb_fx.filter(pl.col("date") == FRI).select("quote", "rate").iter_rows())
    # The ECB's own EUR/CNY for 2024-02-16 is 7.7461; the USD legs are rounded to 5 decimals.
    assert friday["CNY"] / friday["EUR"] == pytest.approx(7.7461, abs=2e-4)


# --- malformed rates: set aside and named, the rest loaded ---------------------------------


def _range_with(day: str, quote: str | None, value: object) -> dict:
    """The range fixture with one rate (or, quote None, one whole day) replaced."""
    payload = load("frankfurter_range_usd.json")
    if quote is None:
        payload["rates"][day] = value
    else:
        payload["rates"][day][quote] = value
    return payload


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("7.1936?", "rate '7.1936?' is not a number"),
        (None, "rate None is not a number"),
        (-7.1936, "rate -7.1936 is not positive"),
        (0, "rate 0 is not positive"),
        ({"value": 7.19}, "rate {'value': 7.19} is not a number"),
    ],
    ids=["string", "null", "negative", "zero", "object"],
)
def test_a_rate_that_cannot_be_read_costs_only_itself(value: object, reason: str) -> None:
    got = screen_frankfurter(_range_with("2024-02-16", "CNY", value))
    assert got.frame.height == 8  # nine rates, one set aside
    assert got.frame.filter(pl.col("date") == FRI)["quote"].to_list() == ["EUR", "HKD"]
    assert [(m.key, m.record, m.reason) for m in got.malformed] == [
        ("2024-02-15_2024-02-19", "rates['2024-02-16']['CNY']", reason)
    ]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2024-02-30", "date key '2024-02-30' is not a calendar date"),
        ("16/02/2024", "date key '16/02/2024' is not a YYYY-MM-DD date"),
        ("", "date key '' is not a YYYY-MM-DD date"),
    ],
)
def test_a_day_keyed_by_no_date_is_set_aside_whole(day: str, reason: str) -> None:
    payload = load("frankfurter_range_usd.json")
    payload["rates"][day] = {"CNY": 7.2, "EUR": 0.93}
    got = screen_frankfurter(payload)
    assert got.frame.height == 9 and sorted(set(got.frame["date"])) == [
        date(2024, 2, 15), FRI, MON,
    ]  # fmt: skip
    assert [(m.record, m.reason) for m in got.malformed] == [(f"rates[{day!r}]", reason)]


def test_a_day_whose_rates_are_no_object_and_a_bad_quote_code_are_named() -> None:
    payload = _range_with("2024-02-19", None, [7.1984, 0.92799])
    payload["rates"]["2024-02-15"]["usd"] = 1.0
    got = screen_frankfurter(payload)
    assert got.frame.height == 6
    assert [m.reason for m in got.malformed] == [
        "quote 'usd' is not an ISO 4217 code",
        "the day's rates are list, not an object",
    ]


def test_the_plain_transform_leaves_the_same_rates_out() -> None:
    payload = _range_with("2024-02-16", "EUR", "n/a")
    assert_frame_equal(normalise_frankfurter(payload), screen_frankfurter(payload).frame)


def test_a_body_without_a_base_is_unreadable_as_a_whole() -> None:
    payload = load("frankfurter_range_usd.json")
    del payload["base"]
    with pytest.raises(KeyError):
        screen_frankfurter(payload)


@needs_shared
def test_real_gbp_and_myr_are_published_by_the_ecb() -> None:
    # The new default quotes: the ECB fixes both, so Frankfurter answers for them.
    payload = frankfurter_payload_from_ecb_csv(ECB_CSV, FRI, FRI, ["GBP", "MYR"])
    got = screen_frankfurter(payload)
    assert got.malformed == ()
    rates = dict(got.frame.select("quote", "rate").iter_rows())
    # ECB 2024-02-16: USD 1.0768, GBP 0.85605, MYR 5.1476 per EUR.
    assert rates == {"GBP": pytest.approx(0.85605 / 1.0768, abs=1e-5),
                     "MYR": pytest.approx(5.1476 / 1.0768, abs=1e-5)}  # fmt: skip
