"""/api/job-runs: several files in one request, one job each (``services.job_runs``), counted together.

The files of one run share the upload limit (EXTRACTD_MAX_UPLOAD_MB for the whole request), which is
enforced while the body streams in, as for a single upload.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.jobs.common import created_responses, error_responses
from extractd.api.v1 import bounds
from extractd.api.v1.schemas import body_ref
from extractd.api.v1.uploads import (
    DEFAULT_FILENAME,
    MULTIPART_OVERHEAD,
    check_declared_length,
    limited_stream,
)
from extractd.domain.errors import UnsupportedMediaType, ValidationFailed
from extractd.domain.job_runs import run_body
from extractd.domain.job_view import JOB_TYPE_EXTRACTION
from extractd.services import job_runs
from extractd.services.jobs import Upload

router = APIRouter(prefix="/job-runs", tags=["jobs"])

FILE_FIELDS = frozenset({"files[]", "files"})
RUN_FIELDS = frozenset({"schemaId", "jobType", "type"})


class JobsJobRunForm(BaseModel):
    """multipart/form-data of POST /api/job-runs."""

    files: list[bytes] = Field(
        alias="files[]", json_schema_extra={"items": {"type": "string", "format": "binary"}}
    )
    schemaId: str = Field(description="A schema's id or name.")
    jobType: Literal["EXTRACTION"] = "EXTRACTION"


class JobsJobRun(BaseModel):
    id: str
    type: Literal["EXTRACTION"]
    status: Literal["QUEUED", "PROCESSING", "COMPLETED"] = Field(
        description="COMPLETED once every job is final (failedJobs counts the failed and cancelled)."
    )
    totalJobs: int
    completedJobs: int
    failedJobs: int
    createdAt: str
    updatedAt: str
    completedAt: str | None


async def read_run_request(request: Request, max_bytes: int) -> tuple[dict[str, str], list[Upload]]:
    """The form fields and the files (``files[]``, or ``files``) of a run's multipart body."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMediaType("A job run is a multipart/form-data request with `files[]`.")
    limit = max_bytes + MULTIPART_OVERHEAD
    check_declared_length(request, limit, max_bytes)
    parser = MultiPartParser(
        request.headers,
        limited_stream(request, limit, max_bytes),
        max_files=job_runs.MAX_RUN_FILES,
        max_fields=20,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ValidationFailed(f"Malformed multipart body: {exc.message}") from exc
    try:
        fields: dict[str, str] = {}
        uploads: list[Upload] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and name in FILE_FIELDS:
                filename = (value.filename or "").strip() or DEFAULT_FILENAME
                bounds.check_form({}, filename)
                uploads.append(Upload(content=await value.read(), filename=filename))
            elif isinstance(value, str) and name in RUN_FIELDS and name not in fields:
                fields[name] = value
            else:
                raise ValidationFailed(f"Unexpected or repeated part `{name}` (files go in `files[]`).")
        bounds.check_form(fields, None)
        return fields, uploads
    finally:
        await form.close()


@router.post(
    "",
    status_code=201,
    summary="Create a batch run",
    description="multipart/form-data: `files[]` (one job per file), `schemaId`, `jobType=EXTRACTION`. "
    "Every file is checked before anything is stored. Its jobs carry the run's id as `parentRunId` (list "
    "them with `GET /api/jobs?parentRunId=`); events `job_run.created`, `job_run.progress`, "
    "`job_run.completed`.",
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": body_ref(JobsJobRunForm)}},
        }
    },
    responses=created_responses(JobsJobRun, 400, 401, 404, 409, 413, 415, 422, 503),
)
async def create_run(
    request: Request, context: Context, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    fields, uploads = await read_run_request(request, context.settings.max_upload_bytes)
    job_type = fields.get("jobType", fields.get("type", JOB_TYPE_EXTRACTION))
    if job_type != JOB_TYPE_EXTRACTION:
        raise ValidationFailed(f"jobType must be {JOB_TYPE_EXTRACTION}.")
    schema_id = fields.get("schemaId", "").strip()
    if not schema_id:
        raise ValidationFailed("schemaId must be a schema's id or name.")

    def create() -> tuple[int, dict[str, Any]]:
        run = job_runs.create_run(context, caller.environment_id, schema_id, uploads)
        return 201, run_body(run)

    fingerprint = {"schemaId": schema_id, "files": [(u.filename, u.sha256) for u in uploads]}
    return await respond_idempotently(
        context, request, caller.environment_id, idempotency_key, fingerprint, create
    )


@router.get(
    "/{run_id}",
    summary="Get a batch run",
    description="Its counts are current: each job's transition recounts them in the same transaction.",
    response_model=JobsJobRun,
    responses=error_responses(401, 404),
)
def get_run(run_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    return run_body(job_runs.get_run(context, caller.environment_id, run_id))
