"""The Idempotency-Key of every create endpoint, in both dialects: the header and the replay answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from extractd.services.context import ServiceContext
from extractd.services.idempotency import Create, JobCreate, request_fingerprint, run_job_once

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Makes the create safe to retry: the same key and request return the first response.",
    ),
]

REPLAY_HEADER = {
    "X-Idempotent-Replay": {
        "description": "`true` when this is the stored answer to an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


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
