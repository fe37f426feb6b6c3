"""/api/v1/extraction-jobs: create (async), status, result. Thin: parsing here, logic in services.

A job id that is not a UUID answers 404 JOB_NOT_FOUND, exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.v1 import job_fields, render
from extractd.api.v1.common import error_responses, replay_response, upload_request_body
from extractd.api.v1.schemas import (
    CreateJobForm,
    CreateJobJson,
    JobCreatedResponse,
    JobResultResponse,
    JobStatusResponse,
)
from extractd.api.v1.uploads import RawCreateRequest, read_create_request
from extractd.services import jobs
from extractd.services.idempotency import BindJob, Create, JobCreate
from extractd.services.jobs import JobRequest
from extractd.services.rate_limit import check_poll_rate

router = APIRouter(prefix="/api/v1/extraction-jobs", tags=["v1: extraction jobs"])


def parse_job_request(raw: RawCreateRequest, sync: bool) -> JobRequest:
    if raw.form_fields is not None:
        return job_fields.from_form(raw.form_fields, sync=sync)
    return job_fields.from_json(raw.json_fields or {}, sync=sync)


async def respond_to_job_create(
    request: Request,
    context: Context,
    environment_id: str,
    idempotency_key: str | None,
    job_request: JobRequest,
    raw: RawCreateRequest,
    create: Create,
    job_create: JobCreate | None = None,
) -> JSONResponse:
    """A job create (async or extractFields) through the Idempotency-Key store: the same key matches
    the same job fields, file name and file bytes."""
    return await respond_idempotently(
        context,
        request,
        environment_id,
        idempotency_key,
        job_request.fingerprint_fields() | {"filename": raw.upload.filename},
        create,
        file_sha256=raw.upload.sha256,
        job_create=job_create,
    )


@router.post(
    "",
    status_code=202,
    summary="Create an extraction job",
    response_model=None,
    openapi_extra=upload_request_body(CreateJobForm, CreateJobJson),
    responses={
        202: {"model": JobCreatedResponse, "description": "The job is queued."},
        200: replay_response(JobCreatedResponse),
        **error_responses(400, 401, 404, 409, 413, 415, 422, 503),
    },
)
async def create_extraction_job(
    request: Request, context: Context, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    raw = await read_create_request(request, context.settings.max_upload_bytes)
    job_request = parse_job_request(raw, sync=False)

    def create(job_id: str | None = None, bind: BindJob | None = None) -> tuple[int, dict[str, Any]]:
        # job_id: an earlier request with the Idempotency-Key created the job and died before answering.
        if job_id is not None:
            job = jobs.get_job(context, caller.environment_id, job_id)
        else:
            job = jobs.create_job(context, caller.environment_id, job_request, raw.upload, bind=bind)
        return 202, render.created_body(job, context.settings)

    return await respond_to_job_create(
        request, context, caller.environment_id, idempotency_key, job_request, raw, create, job_create=create
    )


@router.get(
    "/{job_id}",
    summary="Get a job's status",
    description="Status shapes per status; `retryAfterMs` while not final. An unknown id, another "
    "environment's id or a non-UUID id answers 404 JOB_NOT_FOUND; polling one job faster than "
    "EXTRACTD_POLL_RATE per second answers 429 RATE_LIMITED with Retry-After.",
    response_model=JobStatusResponse,
    responses=error_responses(401, 404, 429),
)
def get_extraction_job(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    job = jobs.get_job(context, caller.environment_id, job_id)
    check_poll_rate(context.poll_counter, context.settings, job.id)
    return render.status_body(job, context.settings)


@router.get(
    "/{job_id}/result",
    summary="Get a job's result",
    description="Readable any number of times until it expires. 409 RESULT_NOT_READY / REVIEW_REQUIRED / "
    "JOB_FAILED; 410 RESULT_EXPIRED; 404 JOB_NOT_FOUND (also for a non-UUID id).",
    response_model=JobResultResponse,
    responses=error_responses(401, 404, 409, 410),
)
def get_extraction_job_result(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    job, data = jobs.get_result(context, caller.environment_id, job_id)
    return render.result_body(job, data)
