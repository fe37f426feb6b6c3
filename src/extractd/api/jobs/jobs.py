"""/api/jobs: create from an upload, read one job. Thin: parsing here, logic in ``services.jobs``.

A job id that is not a UUID answers 404 JOB_NOT_FOUND, exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.jobs import job_fields, render
from extractd.api.jobs.common import created_responses, error_responses
from extractd.api.jobs.models import JobsCreateJobForm, JobsJob
from extractd.api.v1.schemas import body_ref
from extractd.api.v1.uploads import read_create_request
from extractd.domain.job_view import JOBS_DIALECT
from extractd.services import jobs
from extractd.services.idempotency import BindJob
from extractd.services.rate_limit import check_poll_rate

router = APIRouter(prefix="/jobs", tags=["jobs"])

CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": body_ref(JobsCreateJobForm)}},
    }
}


@router.post(
    "",
    status_code=201,
    summary="Create an extraction job from an upload",
    description="multipart/form-data: `file`, `type=EXTRACTION`, `schemaId` (a schema's id or name). "
    "Identical bytes are stored once per environment (the job's `documentId`).",
    response_model=None,
    openapi_extra=CREATE_BODY,
    responses=created_responses(JobsJob, 401, 404, 409, 413, 415, 422, 503),
)
async def create_job(
    request: Request, context: Context, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    raw = await read_create_request(request, context.settings.max_upload_bytes)
    fields = raw.form_fields if raw.form_fields is not None else raw.json_fields or {}
    job_request = job_fields.job_request(fields)

    def create(job_id: str | None = None, bind: BindJob | None = None) -> tuple[int, dict[str, Any]]:
        # job_id: an earlier request with the Idempotency-Key created the job and died before answering.
        if job_id is not None:
            job = jobs.get_job(context, caller.environment_id, job_id)
        else:
            job = jobs.create_job(
                context, caller.environment_id, job_request, raw.upload, dialect=JOBS_DIALECT, bind=bind
            )
        return 201, render.job_body(job)

    return await respond_idempotently(
        context,
        request,
        caller.environment_id,
        idempotency_key,
        job_request.fingerprint_fields() | {"filename": raw.upload.filename},
        create,
        file_sha256=raw.upload.sha256,
        job_create=create,
    )


@router.get(
    "/{job_id}",
    summary="Get a job",
    description="The job, bare. An unknown id, another environment's id or a non-UUID id answers 404 "
    "JOB_NOT_FOUND; polling one job faster than EXTRACTD_POLL_RATE per second answers 429 RATE_LIMITED.",
    response_model=JobsJob,
    responses=error_responses(401, 404, 429),
)
def get_job(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    job = jobs.get_job(context, caller.environment_id, job_id)
    check_poll_rate(context.poll_counter, context.settings, job.id)
    return render.job_body(job)
