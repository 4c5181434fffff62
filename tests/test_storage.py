"""newsdesk.storage.Store: the same create-only and replace semantics on a folder, memory and S3."""

from __future__ import annotations

import pickle
import uuid
from pathlib import Path

import pytest

from newsdesk.storage import Store
from tests.s3 import REGION, create_bucket, s3_endpoint, s3_store  # noqa: F401 - fixtures


@pytest.fixture(params=["local", "memory", pytest.param("s3", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return Store.at(tmp_path / "zone")
    if request.param == "memory":
        return Store(f"memory://newsdesk-{uuid.uuid4().hex}")
    return request.getfixturevalue("s3_store")


def test_a_second_create_of_a_name_raises_and_keeps_the_first_bytes(store: Store) -> None:
    store.create("yahoo/ADBE/a.body", b"first")
    with pytest.raises(FileExistsError):
        store.create("yahoo/ADBE/a.body", b"second")
    assert store.read("yahoo/ADBE/a.body") == b"first"


def test_an_empty_body_is_create_only_too(store: Store) -> None:
    # s3fs's open(path, "xb") writes an empty file with a plain put, which replaces.
    store.create("news/h/k/a.body", b"kept")
    with pytest.raises(FileExistsError):
        store.create("news/h/k/a.body", b"")
    store.create("news/h/k/empty.body", b"")
    with pytest.raises(FileExistsError):
        store.create("news/h/k/empty.body", b"")
    assert store.read("news/h/k/a.body") == b"kept" and store.read("news/h/k/empty.body") == b""


def test_replace_swaps_a_derived_file_whole(store: Store) -> None:
    store.replace("yahoo/ADBE/@index.json", b"old")
    store.replace("yahoo/ADBE/@index.json", b"new")
    assert store.read("yahoo/ADBE/@index.json") == b"new"


def test_files_lists_relative_paths_under_a_prefix_and_delete_drops_one(store: Store) -> None:
    for rel in ("sec/CIK1/b.meta.json", "sec/CIK1/a.body", "sec/CIK2/c.body", "yahoo/X/d.body"):
        store.create(rel, b"x")
    assert store.files("sec") == ["sec/CIK1/a.body", "sec/CIK1/b.meta.json", "sec/CIK2/c.body"]
    assert store.files("news") == []
    store.delete("sec/CIK1/a.body")
    store.delete("sec/CIK1/never.body")  # nothing there: nothing to do
    assert not store.exists("sec/CIK1/a.body") and store.exists("sec/CIK1/b.meta.json")


def test_a_location_maps_back_to_its_relative_path(store: Store) -> None:
    location = store.location("news/h/k/a.body")
    assert store.relative(location) == "news/h/k/a.body"
    assert store.child("news").relative(location) == "h/k/a.body"
    parent, name = store.child("news").parent()
    assert (parent, name) == (store, "news")
    with pytest.raises(ValueError, match="not under"):
        store.child("yahoo").relative(location)


def test_a_store_pickles_with_its_options_and_reads_the_same_bytes(store: Store) -> None:
    store.create("f/x.body", b"\x00\xffbytes")
    copy = pickle.loads(pickle.dumps(store))
    assert copy == store and copy.read("f/x.body") == b"\x00\xffbytes"


def test_local_roots_are_spelled_one_way(tmp_path: Path) -> None:
    spelled = Store(str(tmp_path / "raw"))
    assert Store.at(f"{tmp_path}/raw/") == Store.at(tmp_path / "raw") == spelled


@pytest.mark.slow  # starts moto_server
def test_moto_refuses_a_second_put_with_if_none_match(s3_endpoint: str) -> None:  # noqa: F811
    # What create-only on S3 rests on: the service answers 412 to a conditional put.
    import boto3
    from botocore.exceptions import ClientError

    bucket = create_bucket(s3_endpoint)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.put_object(Bucket=bucket, Key="k", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError, match="PreconditionFailed"):
        client.put_object(Bucket=bucket, Key="k", Body=b"2", IfNoneMatch="*")
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"1"


@pytest.mark.slow  # starts moto_server
def test_what_another_writer_put_is_seen_at_once(s3_store: Store) -> None:  # noqa: F811
    # Another worker's landing, behind this process's filesystem: no cached listing hides it.
    import boto3

    s3_store.create("sec/CIK1/a.body", b"x")
    assert s3_store.files("sec") == ["sec/CIK1/a.body"] and not s3_store.exists("sec/CIK1/b.body")
    bucket, _, prefix = s3_store.root.removeprefix("s3://").partition("/")
    other = boto3.client("s3", endpoint_url=s3_store.endpoint_url, region_name=REGION)
    other.put_object(Bucket=bucket, Key=f"{prefix}/sec/CIK1/b.body", Body=b"y")
    assert s3_store.exists("sec/CIK1/b.body")
    assert s3_store.files("sec") == ["sec/CIK1/a.body", "sec/CIK1/b.body"]
