"""Pieces the jobs dialect's routers share: documented answers in this dialect's error body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse

from extractd.api.errors import documented_errors
from extractd.api.idempotency import REPLAY_HEADER, respond_idempotently
from extractd.api.jobs import render
from extractd.api.jobs.models import JobsError
from extractd.domain.errors import ValidationFailed
from extractd.services import jobs
from extractd.services.context import ServiceContext
from extractd.services.idempotency import BindJob
from extractd.store.models import Job


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


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """A query parameter the route does not read is a client's mistake (a misspelt filter would
    otherwise list everything): 400 naming it."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    known = _query_names(dependant) if isinstance(dependant, Dependant) else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationFailed(f"Unknown query parameter {unknown[0]!r}.")


Page = Annotated[int, Query(ge=1, le=1_000_000, description="From 1.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page, at most 100.")]


async def respond_with_new_job(
    context: ServiceContext,
    request: Request,
    environment_id: str,
    idempotency_key: str | None,
    fingerprint: Any,
    start: Callable[[BindJob | None], Job],
    file_sha256: str | None = None,
) -> JSONResponse:
    """A create that starts a job (``start`` calls the binder in the job's transaction), answered 201 with
    the job, at most once per Idempotency-Key (replays: 200)."""

    def create(job_id: str | None = None, bind: BindJob | None = None) -> tuple[int, dict[str, Any]]:
        # job_id: an earlier request with the Idempotency-Key created the job and died before answering.
        job = jobs.get_job(context, environment_id, job_id) if job_id is not None else start(bind)
        return 201, render.job_body(job)

    return await respond_idempotently(
        context, request, environment_id, idempotency_key, fingerprint, create, file_sha256, create
    )
