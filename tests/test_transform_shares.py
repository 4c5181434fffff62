"""SEC companyfacts → shares_outstanding: classes summed, repeated facts counted once."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from newsdesk.transform.shares import SHARES_SCHEMA, normalise_companyfacts
from tests.builders import SHARED_DATA, companyfacts_payload_from_sec_csv

FIXTURES = Path(__file__).parent / "fixtures" / "transform"
SEC_CSV = SHARED_DATA / "sec" / "shares_outstanding.csv"
needs_shared = pytest.mark.skipif(not SEC_CSV.is_file(), reason=f"SEC csv not found at {SEC_CSV}")

META = "0001326801"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_repeated_facts_are_not_double_counted() -> None:
    got = normalise_companyfacts(load("companyfacts_repeated_meta.json"))
    rows = [
        (META, date(2023, 10, 20), date(2023, 10, 26), "10-Q", "0001326801-23-000093",
         2_219_607_026 + 350_255_706, 2, "sec"),
        # Each class appears twice in this 10-K (with and without a frame): counted once.
        (META, date(2024, 1, 26), date(2024, 2, 2), "10-K", "0001326801-24-000012",
         2_200_000_000 + 350_000_000, 2, "sec"),
        # The amendment repeats the facts under its own accession: its own row, not added.
        (META, date(2024, 1, 26), date(2024, 3, 1), "10-K/A", "0001326801-24-000020",
         2_200_000_000 + 350_000_000, 2, "sec"),
    ]  # fmt: skip
    assert_frame_equal(got, pl.DataFrame(rows, schema=SHARES_SCHEMA, orient="row"))


@pytest.mark.parametrize("cik", [1326801, "1326801", "0001326801"])
def test_cik_is_zero_padded(cik) -> None:
    payload = load("companyfacts_repeated_meta.json") | {"cik": cik}
    assert normalise_companyfacts(payload).get_column("cik").unique().to_list() == [META]


@pytest.mark.parametrize(
    "facts",
    [{}, {"dei": {}}, {"dei": {"EntityCommonStockSharesOutstanding": {"units": {"shares": []}}}}],
    ids=["no-facts", "no-dei", "no-entries"],
)
def test_payload_without_share_facts_gives_empty_frame(facts: dict) -> None:
    got = normalise_companyfacts({"cik": 1, "entityName": "X", "facts": facts})
    assert_frame_equal(got, pl.DataFrame(schema=SHARES_SCHEMA))


def test_distinct_classes_in_one_filing_are_summed() -> None:
    entry = {"end": "2024-01-23", "accn": "0001652044-24-000022", "fy": 2023, "fp": "FY",
             "form": "10-K", "filed": "2024-01-31"}  # fmt: skip
    payload = {
        "cik": 1652044,
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "units": {"shares": [entry | {"val": v} for v in (10, 20, 30, 20)]}
                }
            }
        },
    }
    got = normalise_companyfacts(payload)
    # 20 twice is the same fact listed again, not a fourth class.
    assert got.select("shares", "classes").row(0) == (60.0, 3)


# --- real filings via the SEC csv ------------------------------------------------------------


@needs_shared
def test_real_alphabet_classes_sum_to_the_issuer_total() -> None:
    got = normalise_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, "1652044"))
    row = got.filter(pl.col("as_of") == date(2024, 1, 23)).row(0, named=True)
    assert row["shares"] == 5_893_000_000 + 869_000_000 + 5_671_000_000 == 12_433_000_000
    assert row["classes"] == 3
    assert (row["filed"], row["accession"]) == (date(2024, 1, 31), "0001652044-24-000022")


@needs_shared
@pytest.mark.parametrize(
    ("cik", "as_of", "shares", "classes"),
    [
        ("0000796343", date(2024, 3, 22), 448_365_341, 1),
        ("0001045810", date(2023, 11, 17), 2_470_000_000, 1),
        # No accession in the csv: the builder's synthetic one still keeps both classes together.
        (META, date(2024, 10, 25), 2_180_000_871 + 344_487_662, 2),
    ],
)
def test_real_counts(cik: str, as_of: date, shares: int, classes: int) -> None:
    got = normalise_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, cik))
    row = got.filter(pl.col("as_of") == as_of).row(0, named=True)
    assert (row["shares"], row["classes"]) == (shares, classes)
