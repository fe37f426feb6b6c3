"""The interface every blob store implements, and the errors it raises."""

from __future__ import annotations

from typing import Protocol


class BlobStoreError(Exception):
    """Storage could not be reached or written: a transient fault for the worker (it retries)."""


class BlobNotFound(BlobStoreError):
    """No blob under this key."""


class BlobStore(Protocol):
    """Bytes under string keys like ``documents/<env>/<id>``. Keys use `/` whatever the backend."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """Raise ``BlobStoreError`` unless the store is reachable and usable (start-up and /readyz)."""
        ...


class PresigningBlobStore(BlobStore, Protocol):
    """A store whose clients can move bytes themselves, through expiring signed URLs (S3)."""

    def presign_put(self, key: str, expires_s: int, content_type: str | None = None) -> str: ...

    def presign_get(self, key: str, expires_s: int) -> str: ...
