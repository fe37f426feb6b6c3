"""Blob storage for uploaded documents: a narrow Protocol, one store per URL scheme, chosen from settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from extractd.config import Settings
from extractd.store.blobs.base import BlobNotFound, BlobStore, BlobStoreError, PresigningBlobStore
from extractd.store.blobs.local import LocalBlobStore

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "BlobStoreError",
    "LocalBlobStore",
    "PresigningBlobStore",
    "open_blob_store",
]


def _open_s3(settings: Settings, url: str) -> BlobStore:
    from extractd.store.blobs.s3 import S3BlobStore  # boto3 loads only when S3 is configured

    return S3BlobStore(url, endpoint_url=settings.s3_endpoint_url)


def _open_file(settings: Settings, url: str) -> BlobStore:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path:
        raise BlobStoreError(f"EXTRACTD_STORAGE_URL={url!r} is not of the form file:///absolute/folder")
    return LocalBlobStore(Path(unquote(parts.path)))


# EXTRACTD_STORAGE_URL's scheme → the store it names.
STORES_BY_SCHEME: dict[str, Callable[[Settings, str], BlobStore]] = {"s3": _open_s3, "file": _open_file}


def open_blob_store(settings: Settings) -> BlobStore:
    """The store settings name: the local blob folder by default, else the one EXTRACTD_STORAGE_URL names.

    Raises ``BlobStoreError`` for a URL no store understands; call ``check()`` on the store to know that
    it is also reachable.
    """
    url = (settings.storage_url or "").strip()
    if not url:
        return LocalBlobStore(settings.blob_dir)
    opener = STORES_BY_SCHEME.get(urlsplit(url).scheme.lower())
    if opener is None:
        raise BlobStoreError(
            f"EXTRACTD_STORAGE_URL={url!r} names no known storage: use s3://bucket[/prefix] "
            "(with EXTRACTD_S3_ENDPOINT_URL for MinIO and other S3-compatible servers), "
            "file:///folder, or leave it unset for the blob folder in the data dir"
        )
    return opener(settings, url)
