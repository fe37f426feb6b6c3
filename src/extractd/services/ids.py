"""Ids in paths: any id that is not a UUID answers 404 like any unknown id (the id alone reveals nothing)."""

from __future__ import annotations

import uuid

from extractd.domain.errors import ExtractdError


def valid_id(value: str, not_found: type[ExtractdError]) -> str:
    """The id in its canonical form, or ``not_found`` raised."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise not_found() from None
