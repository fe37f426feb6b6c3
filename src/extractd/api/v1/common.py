"""Pieces every v1 router shares: JSON bodies, the Idempotency-Key header, documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from extractd.api.errors import ERROR_DESCRIPTIONS
from extractd.api.v1 import bounds
from extractd.api.v1.schemas import ErrorResponse, body_ref
from extractd.domain.errors import FileTooLarge, UnsupportedMediaType
from extractd.services.context import ServiceContext
from extractd.services.idempotency import Create, JobCreate, request_fingerprint, run_job_once

MAX_JSON_BODY = 1024 * 1024  # templates and filters are small

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Makes the create safe to retry: the same key and request return the first response.",
    ),
]


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of an endpoint that reads its JSON body itself (JsonBody)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body_ref(model)}}}}


def upload_request_body(form_model: type[BaseModel], json_model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a job create: a multipart upload or JSON with the file inline."""
    content = {
        "multipart/form-data": {"schema": body_ref(form_model)},
        "application/json": {"schema": body_ref(json_model)},
    }
    return {"requestBody": {"required": True, "content": content}}


RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
REPLAY_HEADER = {
    "X-Idempotent-Replay": {
        "description": "`true` when this is the stored answer to an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers; 400 always (a control character in the path or a header)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({400, *statuses}):
        responses[status] = {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[status]}
        if status in (429, 503):
            responses[status]["headers"] = RETRY_AFTER_HEADER
    return responses


def replay_response(model: type, description: str = "Replay of an Idempotency-Key.") -> dict[str, Any]:
    return {"model": model, "description": description, "headers": REPLAY_HEADER}


async def read_json_body(request: Request) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_JSON_BODY:
            raise FileTooLarge("The JSON body is larger than 1 MB.")
    return await run_in_threadpool(bounds.loads, body)


JsonBody = Annotated[Any, Depends(read_json_body)]


def base_url(request: Request, context: ServiceContext) -> str:
    return context.settings.public_url or str(request.base_url)


async def respond_idempotently(
    context: ServiceContext,
    request: Request,
    environment_id: str,
    idempotency_key: str | None,
    fingerprint_content: Any,
    create: Create,
    file_sha256: str | None = None,
    job_create: JobCreate | None = None,
) -> JSONResponse:
    """Run ``create`` in a worker thread; with an Idempotency-Key, at most once per key (replays: 200).

    ``job_create`` is the keyed form of a create that starts a job: a retry with the key after the first
    request gave up waiting (extractFields) or died finds the same job.
    """
    if idempotency_key is None:
        status, body = await run_in_threadpool(create)
        return JSONResponse(body, status_code=status)
    fingerprint = request_fingerprint(request.method, request.url.path, fingerprint_content, file_sha256)
    stored = await run_in_threadpool(
        run_job_once,
        context.sessions,
        context.settings.idempotency_ttl,
        context.settings.idempotency_lock_s,
        environment_id,
        idempotency_key,
        fingerprint,
        job_create or (lambda _job_id, _on_created: create()),
    )
    if stored.replayed:
        return JSONResponse(stored.body, status_code=200, headers={"X-Idempotent-Replay": "true"})
    return JSONResponse(stored.body, status_code=stored.status)
