"""The landing zone on a Store: create-only, found through its index, right without it."""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsdesk import landing
from newsdesk.landing import INDEX, find_landed, iter_landed, land
from newsdesk.storage import Store
from tests.s3 import s3_endpoint, s3_store  # noqa: F401 - fixtures

T0 = datetime(2024, 2, 20, 21, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Fake:
    body: bytes = b'{"chart": {}}'
    status: int = 200
    url: str = "https://query1.finance.yahoo.com/v8/finance/chart/ADBE"
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    fetched_at: datetime = T0


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.slow)])
def raw(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return Store.at(tmp_path / "raw")
    return request.getfixturevalue("s3_store")


def land_charts(raw: Store, n: int, symbol: str = "ADBE") -> list[landing.Landed]:
    """n charts of one symbol, each its own range (the nightly case: one new key a day)."""
    return [
        land(
            raw,
            "yahoo",
            f"{symbol}/2024-02-{i + 1:02d}_2024-02-{i + 2:02d}",
            Fake(b'{"c": %d}' % i),
        )
        for i in range(n)
    ]


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The full location of every file read through a Store, from now on."""
    seen: list[str] = []
    real = Store.read

    def read(self: Store, rel: str) -> bytes:
        seen.append(self.location(rel))
        return real(self, rel)

    monkeypatch.setattr(Store, "read", read)
    return seen


def test_land_then_find_and_read_back_the_same_bytes(raw: Store) -> None:
    landed = land(raw, "news", "example.com/abc", Fake(b"<html>\x00\xff</html>", status=410))
    assert landed.body_path.startswith(raw.location() + "/")
    assert landed.read_body() == b"<html>\x00\xff</html>" and landed.store == raw
    assert find_landed(raw, "news", ok_only=False) == [landed]
    assert find_landed(raw, "news") == []  # a 410 is kept, not offered as an answer


def test_identical_bytes_for_a_key_land_once(raw: Store) -> None:
    first = land(raw, "sec", "CIK0000796343", Fake(b"{}"))
    again = land(raw, "sec", "CIK0000796343", Fake(b"{}", fetched_at=T0 + timedelta(days=1)))
    assert again == first
    stem = Path(first.body_path).name.removesuffix(".body")
    assert raw.files("sec") == [f"sec/CIK0000796343/{stem}{ext}" for ext in (".body", ".meta.json")]


def test_a_landed_response_pickles_and_reads_through_its_store(raw: Store) -> None:
    [landed] = land_charts(raw, 1)
    copy = pickle.loads(pickle.dumps(landed))
    assert copy == landed and copy.json() == {"c": 0}


def test_the_index_answers_a_lookup_without_reading_each_meta(
    raw: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed = land_charts(raw, 5)
    seen = reads(monkeypatch)
    found = find_landed(raw, "yahoo", key_prefix="ADBE")
    assert found == landed
    assert seen == [raw.location(f"yahoo/ADBE/{INDEX}")]  # one read, not five


def test_one_key_folder_asked_for_reads_its_units_index(
    raw: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed = land_charts(raw, 3)
    seen = reads(monkeypatch)
    assert find_landed(raw, "yahoo", key_prefix=landed[1].key) == [landed[1]]
    assert seen == [raw.location(f"yahoo/ADBE/{INDEX}")]


def test_a_deleted_index_still_finds_every_meta(
    raw: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed = land_charts(raw, 4)
    raw.delete(f"yahoo/ADBE/{INDEX}")
    seen = reads(monkeypatch)
    assert find_landed(raw, "yahoo", key_prefix="ADBE") == landed
    assert len([rel for rel in seen if rel.endswith(".meta.json")]) == 4


def test_a_stale_index_still_finds_the_meta_it_does_not_list(
    raw: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "ADBE/2024-02-01_2024-02-21"
    land(raw, "yahoo", key, Fake(b"old"))
    land_charts(raw, 2)
    stale = raw.read(f"yahoo/ADBE/{INDEX}")
    newer = land(raw, "yahoo", key, Fake(b"new", fetched_at=T0 + timedelta(hours=1)))
    raw.replace(f"yahoo/ADBE/{INDEX}", stale)  # as if a concurrent landing lost this entry
    seen = reads(monkeypatch)
    [found] = find_landed(raw, "yahoo", key_prefix=key)
    assert found == newer and found.read_body() == b"new"
    meta = newer.body_path.removesuffix(".body") + ".meta.json"
    # The index, then only the meta it lacks.
    assert seen[:2] == [raw.location(f"yahoo/ADBE/{INDEX}"), meta]


def test_the_next_landing_mends_a_stale_index(raw: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    landed = land_charts(raw, 3)
    raw.replace(f"yahoo/ADBE/{INDEX}", b"not json")
    landed.append(land(raw, "yahoo", "ADBE/2024-03-01_2024-03-02", Fake(b"march")))
    seen = reads(monkeypatch)
    assert find_landed(raw, "yahoo", key_prefix="ADBE") == landed
    assert seen == [raw.location(f"yahoo/ADBE/{INDEX}")]


def test_a_unit_with_one_response_has_no_index_and_lookups_write_nothing(raw: Store) -> None:
    land(raw, "news", "example.com/abc", Fake(b"<p>one</p>"))
    land_charts(raw, 1)
    before = raw.files()
    assert not [rel for rel in before if rel.endswith(INDEX)]
    assert len(find_landed(raw, "news")) == len(find_landed(raw, "yahoo")) == 1
    assert list(iter_landed(raw.child("yahoo"))) == find_landed(raw, "yahoo")
    assert raw.files() == before


def test_every_page_of_a_host_is_found_in_one_lookup(raw: Store) -> None:
    pages = [land(raw, "news", f"example.com/{i:016x}", Fake(b"p%d" % i)) for i in range(3)]
    again = land(raw, "news", pages[0].key, Fake(b"p0 v2", fetched_at=T0 + timedelta(hours=1)))
    assert raw.exists(f"news/{pages[0].key}/{INDEX}")  # a news index is per page
    assert find_landed(raw, "news") == [again, pages[1], pages[2]]
    assert [x.key for x in iter_landed(raw.child("news"))] == [pages[0].key] * 2 + [
        pages[1].key,
        pages[2].key,
    ]


def test_the_rates_lookup_reads_one_index_for_the_whole_source(
    raw: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in range(1, 4):
        land(raw, "frankfurter", f"2024-01-0{day}_2024-02-20", Fake(b"r%d" % day),
             {"start": f"2024-01-0{day}", "end": "2024-02-20"})  # fmt: skip
    seen = reads(monkeypatch)
    found = find_landed(raw, "frankfurter", where=lambda x: x.params["start"] >= "2024-01-02")
    assert [x.read_body() for x in found] == [b"r2", b"r3"]
    assert seen == [raw.location(f"frankfurter/{INDEX}"), *(x.body_path for x in found)]


def test_a_second_landing_under_the_same_name_raises(raw: Store) -> None:
    # Same instant, same bytes, another status: the names collide and nothing is replaced.
    first = land(raw, "sec", "CIK0000796343", Fake(b"{}"))
    with pytest.raises(FileExistsError):
        land(raw, "sec", "CIK0000796343", Fake(b"{}", status=503))
    assert find_landed(raw, "sec", ok_only=False) == [first] and first.read_body() == b"{}"


def test_a_body_a_killed_landing_left_is_completed_not_refused(raw: Store) -> None:
    first = land(raw, "sec", "CIK0000796343", Fake(b"{}"))
    rel = first.store.relative(first.body_path)
    raw.delete(rel.removesuffix(".body") + ".meta.json")  # killed between body and meta
    raw.delete(f"sec/CIK0000796343/{INDEX}")
    assert land(raw, "sec", "CIK0000796343", Fake(b"{}")) == first


def test_threads_landing_beside_each_other_lose_no_index_entry(tmp_path: Path) -> None:
    raw = Store.at(tmp_path / "raw")
    keys = [f"ADBE/2024-01-01_2024-02-{i + 1:02d}" for i in range(12)]
    threads = [
        threading.Thread(target=land, args=(raw, "yahoo", key, Fake(key.encode()))) for key in keys
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    import orjson

    index = orjson.loads(raw.read(f"yahoo/ADBE/{INDEX}"))["metas"]
    assert sorted(meta["key"] for meta in index.values()) == keys


def test_an_old_local_zone_without_indexes_replays_unchanged() -> None:
    snapshot = Path(__file__).resolve().parents[1] / "snapshot" / "raw"
    found = find_landed(snapshot, "yahoo", key_prefix="ADBE")
    assert [Path(x.body_path).parent.name for x in found] == ["2024-01-02_2024-03-08"]
    assert found[0].json()["chart"]["result"][0]["meta"]["symbol"] == "ADBE"
    assert not list(snapshot.rglob(INDEX))


def test_sweep_leaves_an_object_store_alone() -> None:
    assert landing.sweep_temporaries("s3://bucket/raw") == []


def test_find_takes_a_path_a_string_or_a_store_alike(tmp_path: Path) -> None:
    [landed] = land_charts(Store.at(tmp_path), 1)
    assert find_landed(tmp_path, "yahoo") == find_landed(str(tmp_path), "yahoo") == [landed]
    assert replace(landed, store=Store.at(f"{tmp_path}/./")) == landed  # one spelling


def test_a_zone_given_as_a_relative_path_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    [landed] = land_charts(Store.at("."), 1)
    assert landed.body_path.startswith("yahoo/ADBE/")  # what the raw_path column records
    [again] = iter_landed(Path("yahoo"))
    assert again == landed and again.json() == {"c": 0}


def _land_range(raw: Store, who: int) -> list[str]:
    """One worker's landings: ten ranges of one symbol (run in another process)."""
    keys = [f"ADBE/2024-01-01_2024-{who + 1:02d}-{day:02d}" for day in range(1, 11)]
    return [land(raw, "yahoo", key, Fake(key.encode())).key for key in keys]


@pytest.mark.slow  # two processes
def test_two_processes_landing_in_one_unit_lose_no_response(raw: Store) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        keys = [k for landed in pool.starmap(_land_range, [(raw, 0), (raw, 1)]) for k in landed]
    found = find_landed(raw, "yahoo", key_prefix="ADBE")
    assert [x.key for x in found] == sorted(keys) and len(keys) == 20
    assert [x.read_body() for x in found] == [k.encode() for k in sorted(keys)]
