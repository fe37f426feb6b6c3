"""Blob storage for uploaded documents: a narrow Protocol, chosen from settings."""

from __future__ import annotations

from extractd.config import Settings
from extractd.store.blobs.base import BlobNotFound, BlobStore, BlobStoreError
from extractd.store.blobs.local import LocalBlobStore

__all__ = ["BlobNotFound", "BlobStore", "BlobStoreError", "LocalBlobStore", "open_blob_store"]


def open_blob_store(settings: Settings) -> BlobStore:
    """The store settings name: the local blob folder by default; S3 arrives with the scale-out issue."""
    if settings.storage_url:
        raise BlobStoreError(
            f"EXTRACTD_STORAGE_URL={settings.storage_url!r} is not supported by this version; "
            "leave it unset to use the local blob folder"
        )
    return LocalBlobStore(settings.blob_dir)
