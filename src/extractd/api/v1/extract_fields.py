"""/api/v1/extractFields: the synchronous endpoint; creates a job through the same path and waits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey
from extractd.api.v1.common import error_responses, upload_request_body
from extractd.api.v1.extraction_jobs import parse_job_request, respond_to_job_create
from extractd.api.v1.schemas import ExtractFieldsForm, ExtractFieldsJson, ExtractFieldsResponse
from extractd.api.v1.uploads import read_create_request
from extractd.services import jobs
from extractd.services.idempotency import BindJob

router = APIRouter(prefix="/api/v1", tags=["v1: synchronous extraction"])


@router.post(
    "/extractFields",
    summary="Extract fields synchronously",
    response_model=None,
    openapi_extra=upload_request_body(ExtractFieldsForm, ExtractFieldsJson),
    responses={
        200: {"model": ExtractFieldsResponse, "description": "The extracted documents."},
        **error_responses(400, 401, 404, 408, 409, 413, 415, 422, 429, 503),
    },
)
async def extract_fields(
    request: Request, context: Context, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    raw = await read_create_request(request, context.settings.max_upload_bytes)
    job_request = parse_job_request(raw, sync=True)

    def run(job_id: str | None = None, bind: BindJob | None = None) -> tuple[int, dict[str, Any]]:
        # With an Idempotency-Key, a retry after SYNC_TIMEOUT (or after the first request died) passes
        # the job the first request started.
        _, data = jobs.extract_sync(context, caller.environment_id, job_request, raw.upload, job_id, bind)
        return 200, {"success": True, "data": data}

    return await respond_to_job_create(
        request, context, caller.environment_id, idempotency_key, job_request, raw, run, job_create=run
    )
