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
