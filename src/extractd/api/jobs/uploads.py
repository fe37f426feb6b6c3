"""Presigned uploads: POST /api/jobs/upload-url, the PUT to a local upload URL (/api/uploads/{key}), and
POST /api/jobs/confirm-upload. Thin over ``services.uploads``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from extractd.api.deps import Context, CurrentCaller
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.jobs import job_fields, render
from extractd.api.jobs.common import created_responses, error_responses, respond_with_new_job
from extractd.api.jobs.models import JobsConfirmUpload, JobsJob, JobsUploadUrl, JobsUploadUrlRequest
from extractd.api.v1.common import JsonBody, base_url, json_request_body
from extractd.api.v1.uploads import read_raw_body
from extractd.services import uploads
from extractd.services.idempotency import BindJob
from extractd.store.models import Job

router = APIRouter(tags=["jobs"])


@router.post(
    "/jobs/upload-url",
    status_code=201,
    summary="Get a presigned upload URL",
    description="PUT the file's bytes to `uploadUrl` before `expiresAt` (once), then call confirm-upload "
    "with `key`. With local storage extractd serves the URL itself; with S3 storage it is S3's.",
    response_model=None,
    openapi_extra=json_request_body(JobsUploadUrlRequest),
    responses=created_responses(JobsUploadUrl, 401, 409, 413, 415, 422, 503),
)
async def create_upload_url(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    filename = job_fields.upload_url_filename(body)
    origin = base_url(request, context)

    def create() -> tuple[int, dict[str, Any]]:
        ticket = uploads.new_upload_url(context, caller.environment_id, filename, origin)
        return 201, render.upload_ticket_body(ticket)

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.put(
    "/uploads/{key}",
    summary="Upload a file's bytes to a presigned URL",
    description="The URL from upload-url, as given (no API key: the signature authorises). 403 "
    "UPLOAD_SIGNATURE_INVALID, 410 UPLOAD_EXPIRED or UPLOAD_ALREADY_USED, 404 UPLOAD_NOT_FOUND, 413, 415.",
    responses={200: {"description": "Stored."}, **error_responses(403, 404, 410, 413, 415, 503)},
)
async def put_upload(
    key: str,
    request: Request,
    context: Context,
    expires: Annotated[str, Query(max_length=20)] = "",
    signature: Annotated[str, Query(max_length=128)] = "",
) -> dict[str, Any]:
    content = await read_raw_body(request, context.settings.max_upload_bytes)
    upload = await run_in_threadpool(uploads.receive, context, key, expires, signature, content)
    return {"key": upload.key, "size": len(content)}


@router.post(
    "/jobs/confirm-upload",
    status_code=201,
    summary="Create a job from an uploaded file",
    description="`{key, filename, type, schemaId}`: the job of the file PUT to the upload URL of `key`. "
    "404 UPLOAD_NOT_FOUND (unknown, or another environment's), 410 UPLOAD_EXPIRED (nothing arrived in "
    "time) or UPLOAD_ALREADY_USED, 409 UPLOAD_NOT_RECEIVED (nothing PUT yet).",
    response_model=None,
    openapi_extra=json_request_body(JobsConfirmUpload),
    responses=created_responses(JobsJob, 401, 404, 409, 410, 413, 415, 422, 503),
)
async def confirm_upload(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    key, filename, job_request = job_fields.confirm_upload_fields(body)

    def start(bind: BindJob | None) -> Job:
        return uploads.confirm(context, caller.environment_id, key, filename, job_request, bind=bind)

    return await respond_with_new_job(context, request, caller.environment_id, idempotency_key, body, start)
