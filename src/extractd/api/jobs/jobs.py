"""/api/jobs: create (from an upload or a stored document), read, list, cancel, restart, delete.
Thin: parsing here, logic in ``services.jobs`` and ``services.job_control``.

A job id that is not a UUID answers 404 JOB_NOT_FOUND, exactly like an unknown id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey
from extractd.api.jobs import job_fields, render
from extractd.api.jobs.common import Limit, Page, created_responses, error_responses, respond_with_new_job
from extractd.api.jobs.models import JobsCreateJobForm, JobsFromDocument, JobsJob, JobsJobList
from extractd.api.v1.common import JsonBody, json_request_body
from extractd.api.v1.schemas import body_ref
from extractd.api.v1.uploads import read_create_request
from extractd.domain.job_view import JOBS_DIALECT
from extractd.services import job_control, jobs
from extractd.services.idempotency import BindJob
from extractd.services.job_control import JobQuery
from extractd.services.rate_limit import check_poll_rate
from extractd.store.models import Job

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

    def start(bind: BindJob | None) -> Job:
        return jobs.create_job(
            context, caller.environment_id, job_request, raw.upload, dialect=JOBS_DIALECT, bind=bind
        )

    fingerprint = job_request.fingerprint_fields() | {"filename": raw.upload.filename}
    return await respond_with_new_job(
        context, request, caller.environment_id, idempotency_key, fingerprint, start, raw.upload.sha256
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


@router.get(
    "",
    summary="List jobs",
    description="The environment's jobs, newest first, `{data, total, page, limit}`. Filters: `status` (one "
    "status or several, comma-separated), `type` (EXTRACTION), `parentRunId`, `schemaId` (id or name).",
    response_model=JobsJobList,
    responses=error_responses(401),
)
def list_jobs(
    context: Context,
    caller: CurrentCaller,
    page: Page = 1,
    limit: Limit = 10,
    status: Annotated[str | None, Query(max_length=200, description="e.g. `COMPLETED,FAILED`")] = None,
    type: Annotated[Literal["EXTRACTION"] | None, Query()] = None,
    parentRunId: Annotated[str | None, Query(max_length=36)] = None,
    schemaId: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    query = JobQuery(page, limit, job_fields.statuses(status), parentRunId, schemaId)
    found = job_control.list_jobs(context, caller.environment_id, query)
    return render.list_body([render.job_body(job) for job in found.jobs], found.total, page, limit)


@router.post(
    "/from-document/{document_id}",
    status_code=201,
    summary="Create a job from a stored document",
    description="`{type, schemaId}`: extract a document uploaded before again, without uploading it. 404 "
    "DOCUMENT_NOT_FOUND; 410 DOCUMENT_CONTENT_EXPIRED once its bytes went with its last result.",
    response_model=None,
    openapi_extra=json_request_body(JobsFromDocument),
    responses=created_responses(JobsJob, 401, 404, 409, 410, 413, 415, 422, 503),
)
async def create_job_from_document(
    document_id: str,
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    job_request = job_fields.from_document_fields(body)

    def start(bind: BindJob | None) -> Job:
        return jobs.create_job_from_document(
            context, caller.environment_id, document_id, job_request, dialect=JOBS_DIALECT, bind=bind
        )

    return await respond_with_new_job(context, request, caller.environment_id, idempotency_key, body, start)


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a job",
    description="Only a PENDING or QUEUED job; any other answers 409 INVALID_STATE.",
    response_model=JobsJob,
    responses=error_responses(401, 404, 409),
)
def cancel_job(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    return render.job_body(job_control.cancel(context, caller.environment_id, job_id))


@router.post(
    "/{job_id}/restart",
    summary="Restart a job",
    description="A FAILED, COMPLETED or CANCELLED job runs again (same id, a new attempt with a fresh retry "
    "budget, its old result dropped; `job.queued` announces it); any other answers 409 INVALID_STATE. 410 "
    "DOCUMENT_CONTENT_EXPIRED once the document's bytes went with the last result.",
    response_model=JobsJob,
    responses=error_responses(401, 404, 409, 410, 503),
)
def restart_job(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    return render.job_body(job_control.restart(context, caller.environment_id, job_id))


@router.delete(
    "/{job_id}",
    status_code=204,
    summary="Delete a job",
    description="The job and its result, and its document (with the bytes) when no other job uses it.",
    response_class=Response,
    responses=error_responses(401, 404),
)
def delete_job(job_id: str, context: Context, caller: CurrentCaller) -> Response:
    job_control.delete_job(context, caller.environment_id, job_id)
    return Response(status_code=204)
