"""The blob store contract, one suite over every backend: the local folder and S3 (moto's server, or the
endpoint EXTRACTD_TEST_S3_ENDPOINT_URL names). Errors come out as our own BlobStoreError/BlobNotFound."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from s3_server import S3Server

from extractd.config import Settings
from extractd.store.blobs import BlobNotFound, BlobStore, BlobStoreError, LocalBlobStore, open_blob_store
from extractd.store.blobs.s3 import S3BlobStore

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]


def _closed_port_url() -> str:
    from processes import free_port

    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if backend == "local":
        return Settings(data_dir=tmp_path / "data")
    endpoint: S3Server = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return Settings(
        data_dir=tmp_path / "data", storage_url=f"s3://{bucket}/blobs", s3_endpoint_url=endpoint.endpoint_url
    )


@pytest.fixture
def store(settings: Settings) -> BlobStore:
    return open_blob_store(settings)


@pytest.fixture
def broken_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    """A store of the same kind that cannot work: a folder that is a file; an S3 endpoint nobody serves."""
    if backend == "local":
        blocker = tmp_path / "not-a-folder"
        blocker.write_bytes(b"")
        yield LocalBlobStore(blocker / "blobs")
    else:
        yield S3BlobStore("s3://extractd-nowhere/blobs", endpoint_url=_closed_port_url())


def test_put_then_get_returns_the_same_bytes(store: BlobStore) -> None:
    data = bytes(range(256)) * 1000
    store.put("documents/env-1/doc-1", data)
    assert store.get("documents/env-1/doc-1") == data
    assert store.exists("documents/env-1/doc-1")


def test_put_replaces_the_previous_bytes(store: BlobStore) -> None:
    store.put("documents/env-1/doc-1", b"first")
    store.put("documents/env-1/doc-1", b"second")
    assert store.get("documents/env-1/doc-1") == b"second"


def test_empty_blob_round_trips(store: BlobStore) -> None:
    store.put("documents/env-1/empty", b"")
    assert store.get("documents/env-1/empty") == b""
    assert store.exists("documents/env-1/empty")


def test_missing_key_raises_blob_not_found_and_does_not_exist(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.get("documents/env-1/never-written")
    assert issubclass(BlobNotFound, BlobStoreError)
    assert not store.exists("documents/env-1/never-written")


def test_delete_removes_the_blob_and_a_missing_key_is_no_error(store: BlobStore) -> None:
    store.put("documents/env-1/doc-1", b"bytes")
    store.put("documents/env-1/doc-2", b"other")
    store.delete("documents/env-1/doc-1")
    assert not store.exists("documents/env-1/doc-1")
    with pytest.raises(BlobNotFound):
        store.get("documents/env-1/doc-1")
    store.delete("documents/env-1/doc-1")
    assert store.get("documents/env-1/doc-2") == b"other"


def test_keys_that_climb_out_are_refused(store: BlobStore) -> None:
    for key in ("../escape", "documents/../../x", "/absolute", ""):
        with pytest.raises(ValueError, match="invalid blob key"):
            store.put(key, b"x")


def test_check_passes_on_a_usable_store(store: BlobStore) -> None:
    store.check()


def test_an_unusable_store_raises_blob_store_error_for_every_operation(broken_store: BlobStore) -> None:
    with pytest.raises(BlobStoreError) as checked:
        broken_store.check()
    assert "\n" not in str(checked.value)
    for operation in (
        lambda: broken_store.put("documents/env-1/doc-1", b"x"),
        lambda: broken_store.get("documents/env-1/doc-1"),
    ):
        with pytest.raises(BlobStoreError) as raised:
            operation()
        assert not isinstance(raised.value, BlobNotFound)


@pytest.mark.s3
def test_s3_exists_on_an_unreachable_server_is_an_error_not_false() -> None:
    store = S3BlobStore("s3://extractd-nowhere", endpoint_url=_closed_port_url())
    with pytest.raises(BlobStoreError):
        store.exists("documents/env-1/doc-1")


# --- S3 only: prefixes, a missing bucket, presigned URLs -------------------------------------------------
@pytest.mark.s3
def test_s3_prefixes_keep_stores_in_one_bucket_apart(s3_endpoint: S3Server, s3_bucket: str) -> None:
    first = S3BlobStore(f"s3://{s3_bucket}/one", endpoint_url=s3_endpoint.endpoint_url)
    second = S3BlobStore(f"s3://{s3_bucket}/two/deeper/", endpoint_url=s3_endpoint.endpoint_url)
    first.put("documents/a", b"first")
    assert not second.exists("documents/a")
    second.put("documents/a", b"second")
    assert (first.get("documents/a"), second.get("documents/a")) == (b"first", b"second")
    keys = {item["Key"] for item in s3_endpoint.client().list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert keys == {"one/documents/a", "two/deeper/documents/a"}


@pytest.mark.s3
def test_s3_missing_bucket_fails_the_check_naming_the_bucket(s3_endpoint: S3Server) -> None:
    store = S3BlobStore("s3://extractd-no-such-bucket", endpoint_url=s3_endpoint.endpoint_url)
    with pytest.raises(BlobStoreError, match="'extractd-no-such-bucket' does not exist"):
        store.check()
    with pytest.raises(BlobStoreError) as raised:
        store.put("documents/a", b"x")
    assert not isinstance(raised.value, BlobNotFound)


@pytest.mark.s3
def test_s3_presigned_put_and_get_move_the_bytes_without_our_credentials(
    s3_endpoint: S3Server, s3_bucket: str
) -> None:
    store = S3BlobStore(f"s3://{s3_bucket}/p", endpoint_url=s3_endpoint.endpoint_url)
    data = b"%PDF-1.4 presigned upload"
    put_url = store.presign_put("uploads/x.pdf", expires_s=60, content_type="application/pdf")
    assert put_url.startswith(s3_endpoint.endpoint_url) and "Signature" in put_url
    # A plain HTTP client, no AWS credentials: what a browser or the jobs dialect's caller would do.
    answer = httpx.put(put_url, content=data, headers={"Content-Type": "application/pdf"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert store.get("uploads/x.pdf") == data
    fetched = httpx.get(store.presign_get("uploads/x.pdf", expires_s=60), timeout=10)
    assert (fetched.status_code, fetched.content) == (200, data)


# --- choosing the store from settings ------------------------------------------------------------------
def test_no_storage_url_means_the_blob_folder_of_the_data_dir(tmp_path: Path) -> None:
    store = open_blob_store(Settings(data_dir=tmp_path / "data"))
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "data" / "blobs"


def test_a_file_url_names_a_local_folder(tmp_path: Path) -> None:
    store = open_blob_store(Settings(data_dir=tmp_path / "data", storage_url=f"file://{tmp_path}/elsewhere"))
    store.put("documents/a", b"x")
    assert (tmp_path / "elsewhere" / "documents" / "a").read_bytes() == b"x"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("gs://bucket", "names no known storage"),
        ("bucket-without-scheme", "names no known storage"),
        ("s3://", "not of the form s3://bucket"),
        ("file://host/folder", "not of the form file:///"),
    ],
)
def test_a_storage_url_nobody_understands_is_a_blob_store_error(
    tmp_path: Path, url: str, message: str
) -> None:
    with pytest.raises(BlobStoreError, match=message):
        open_blob_store(Settings(data_dir=tmp_path / "data", storage_url=url))


def test_s3_url_names_bucket_and_prefix(tmp_path: Path) -> None:
    store = open_blob_store(
        Settings(data_dir=tmp_path, storage_url="s3://my-bucket/some/prefix/", s3_endpoint_url=None)
    )
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("my-bucket", "some/prefix")
