"""Pieces the jobs dialect's routers share: documented answers in this dialect's error body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from extractd.api.errors import documented_errors
from extractd.api.idempotency import REPLAY_HEADER
from extractd.api.jobs.models import JobsError


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers in the jobs dialect's error body."""
    return documented_errors(JobsError, *statuses)


def created_responses(model: type, *statuses: int) -> dict[int | str, dict[str, Any]]:
    """A create's answers: 201, 200 for a replay of its Idempotency-Key, and its errors."""
    return {
        201: {"model": model, "description": "Created."},
        200: {"model": model, "description": "Replay of an Idempotency-Key.", "headers": REPLAY_HEADER},
        **error_responses(*statuses),
    }


Page = Annotated[int, Query(ge=1, le=1_000_000, description="From 1.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page, at most 100.")]
