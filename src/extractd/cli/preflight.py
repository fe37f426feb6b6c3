"""Checks `serve` and `worker` make before starting: a bad configuration stops them with one clear line,
instead of an API that answers 500 or a worker that takes every message and fails it."""

from __future__ import annotations

import typer

from extractd.config import Settings
from extractd.store.blobs import BlobStoreError, open_blob_store

EXIT_BAD_CONFIGURATION = 2


def require_storage(settings: Settings) -> None:
    """Open the configured blob store and reach it once; exit with one line on stderr if that fails."""
    try:
        open_blob_store(settings).check()
    except BlobStoreError as exc:
        reason = " ".join(str(exc).split())
        typer.echo(f"extractd: blob storage is not usable: {reason}", err=True)
        raise typer.Exit(EXIT_BAD_CONFIGURATION) from exc
