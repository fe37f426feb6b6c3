"""Blobs as files under one folder; writes are atomic (a temporary file renamed into place)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from extractd.store.blobs.base import BlobNotFound, BlobStoreError

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        segments = key.split("/")
        # Keys come from our own code, but a key must never climb out of the root folder.
        if not segments or not all(_SAFE_SEGMENT.fullmatch(segment) for segment in segments):
            raise ValueError(f"invalid blob key: {key!r}")
        return self.root.joinpath(*segments)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as tmp:
                    tmp.write(data)
                    tmp.flush()
                    os.fsync(tmp.fileno())
                Path(tmp_name).replace(path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise BlobStoreError(f"cannot write blob {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(f"no blob {key}") from exc
        except OSError as exc:
            raise BlobStoreError(f"cannot read blob {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise BlobStoreError(f"cannot delete blob {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        """The folder exists (or can be made) and takes a file."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".check-"):
                pass
        except OSError as exc:
            raise BlobStoreError(f"cannot use the blob folder {self.root}: {exc}") from exc
