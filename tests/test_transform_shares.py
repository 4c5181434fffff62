"""SEC companyfacts → shares_outstanding: classes summed, repeated facts counted once."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from newsdesk.transform.shares import SHARES_SCHEMA, normalise_companyfacts, screen_companyfacts
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
        # No accession in the csv: the transform's stand-in still keeps both classes together.
        (META, date(2024, 10, 25), 2_180_000_871 + 344_487_662, 2),
    ],
)
def test_real_counts(cik: str, as_of: date, shares: int, classes: int) -> None:
    got = normalise_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, cik))
    row = got.filter(pl.col("as_of") == as_of).row(0, named=True)
    assert (row["shares"], row["classes"]) == (shares, classes)


# --- malformed facts: set aside and named, the rest loaded ---------------------------------

MSFT = "0000789019"
GOOD = {"end": "2024-10-17", "val": 7_434_880_776, "accn": "0000950170-24-118967", "fy": 2025,
        "fp": "Q1", "form": "10-Q", "filed": "2024-10-30"}  # fmt: skip


def companyfacts(*facts: dict, cik: int = 789019) -> dict:
    """A companyfacts body as SEC sends it, with these cover-page facts."""
    return {
        "cik": cik,
        "entityName": "MICROSOFT CORPORATION",
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "units": {"shares": list(facts)},
                }
            }
        },
    }


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        # MSFT's row in the share-count data: no dates, no accession, only the count.
        ({"end": "", "filed": "", "accn": ""}, "end '' is not a YYYY-MM-DD date"),
        ({"end": None}, "end None is not a YYYY-MM-DD date"),
        ({"end": "2024-02-30"}, "end '2024-02-30' is not a calendar date"),
        ({"end": "20241017"}, "end '20241017' is not a YYYY-MM-DD date"),
        ({"val": ""}, "val '' is not a number"),
        ({"val": "n/a"}, "val 'n/a' is not a number"),
        ({"val": None}, "val None is not a number"),
        ({"val": -5}, "val -5 is not positive"),
        ({"val": 0}, "val 0 is not positive"),
    ],
    ids=["msft-like", "end-null", "end-not-a-day", "end-basic-format", "val-empty",
         "val-text", "val-null", "val-negative", "val-zero"],
)  # fmt: skip
def test_a_fact_without_a_usable_end_or_count_is_set_aside(bad: dict, reason: str) -> None:
    broken = GOOD | {"end": "2024-07-18", "accn": "0000950170-24-087843"} | bad
    got = screen_companyfacts(companyfacts(broken, GOOD))
    assert got.frame.select("as_of", "shares").rows() == [(date(2024, 10, 17), 7_434_880_776.0)]
    assert len(got.malformed) == 1
    record = got.malformed[0]
    assert record.key == "CIK" + MSFT and record.reason == reason
    assert record.record.startswith("units.shares[0] form='10-Q'")


def test_missing_keys_are_read_like_empty_ones() -> None:
    lacking = {k: v for k, v in GOOD.items() if k not in ("end", "filed", "accn")}
    got = screen_companyfacts(companyfacts(lacking, GOOD, "not a fact"))
    assert got.frame.height == 1
    assert [(m.record.split()[0], m.reason) for m in got.malformed] == [
        ("units.shares[0]", "end None is not a YYYY-MM-DD date"),
        ("units.shares[2]", "not an object"),
    ]


def test_every_fact_malformed_gives_an_empty_frame_not_an_error() -> None:
    got = screen_companyfacts(companyfacts(GOOD | {"end": ""}, GOOD | {"val": "x"}))
    assert_frame_equal(got.frame, pl.DataFrame(schema=SHARES_SCHEMA))
    assert len(got.malformed) == 2
    # The plain transform leaves them out the same way, without naming them.
    assert normalise_companyfacts(companyfacts(GOOD | {"end": ""})).is_empty()


@pytest.mark.parametrize("filed", ["", None, "2024/10/30", "soon"])
def test_without_a_filing_date_the_count_is_kept_with_filed_unknown(filed) -> None:
    got = screen_companyfacts(companyfacts(GOOD | {"filed": filed}))
    assert got.malformed == ()
    row = got.frame.row(0, named=True)
    assert (row["as_of"], row["filed"], row["shares"]) == (date(2024, 10, 17), None, 7434880776)
    assert row["accession"] == GOOD["accn"]


def test_without_an_accession_classes_of_one_filing_stay_together() -> None:
    # META's two classes, their accession lost: form and filing date keep them one filing,
    # and apart from the amendment filed later for the same date.
    entry = {"end": "2023-10-20", "fy": 2023, "fp": "Q3", "form": "10-Q", "filed": "2023-10-26"}
    amended = entry | {"form": "10-Q/A", "filed": "2023-11-30", "accn": ""}
    got = screen_companyfacts(
        companyfacts(
            entry | {"val": 2_219_607_026, "accn": ""},
            entry | {"val": 350_255_706},
            amended | {"val": 2_219_000_000},
            cik=1326801,
        )
    )
    assert got.malformed == ()
    assert got.frame.select("accession", "shares", "classes").rows() == [
        ("no-accession/10-Q/2023-10-26", 2_569_862_732.0, 2),
        ("no-accession/10-Q/A/2023-11-30", 2_219_000_000.0, 1),
    ]


def test_a_numeric_string_count_is_read() -> None:
    got = screen_companyfacts(companyfacts(GOOD | {"val": "7434880776"}))
    assert got.malformed == () and got.frame["shares"].to_list() == [7_434_880_776.0]


@pytest.mark.parametrize(
    "facts",
    [
        {"dei": {"EntityCommonStockSharesOutstanding": {"units": {"shares": {"end": "x"}}}}},
        {"dei": {"EntityCommonStockSharesOutstanding": {"units": ["shares"]}}},
        {"dei": ["EntityCommonStockSharesOutstanding"]},
    ],
    ids=["shares-not-a-list", "units-not-an-object", "dei-not-an-object"],
)
def test_a_body_of_the_wrong_shape_is_unreadable_as_a_whole(facts: dict) -> None:
    # Not one bad record but no records at all: the market step fails that issuer.
    with pytest.raises(ValueError, match="companyfacts"):
        screen_companyfacts({"cik": 789019, "facts": facts})


@needs_shared
def test_real_msft_row_is_set_aside_and_named() -> None:
    payload = companyfacts_payload_from_sec_csv(SEC_CSV, MSFT)
    fact = payload["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"][0]
    # The builder passes the CSV's empty cells through as SEC would send them.
    assert (fact["end"], fact["filed"], fact["accn"], fact["val"]) == ("", "", "", 7433982235)
    got = screen_companyfacts(payload)
    assert got.frame.is_empty()
    assert [(m.key, m.reason) for m in got.malformed] == [
        ("CIK" + MSFT, "end '' is not a YYYY-MM-DD date")
    ]
    assert "val=7433982235" in got.malformed[0].record


@needs_shared
def test_real_apple_10k_without_filed_keeps_its_count() -> None:
    got = screen_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, "320193"))
    assert got.malformed == ()
    row = got.frame.filter(pl.col("as_of") == date(2023, 10, 20)).row(0, named=True)
    assert (row["filed"], row["shares"], row["accession"]) == (
        None,
        15_552_752_000,
        "0000320193-23-000106",
    )


@needs_shared
def test_the_whole_csv_reads_without_an_error() -> None:
    ciks = {line.split(",")[0] for line in SEC_CSV.read_text().splitlines()[1:]}
    set_aside = []
    for cik in sorted(ciks):
        got = screen_companyfacts(companyfacts_payload_from_sec_csv(SEC_CSV, cik))
        set_aside.extend(got.malformed)
        assert got.frame["shares"].min() is None or got.frame["shares"].min() > 0
    assert [m.key for m in set_aside] == ["CIK" + MSFT]
