"""PATCH /api/jobs/{id}/extraction: edit a completed job's fields, thin over ``services.extraction_edits``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from extractd.api.deps import Context, CurrentCaller
from extractd.api.jobs import render
from extractd.api.jobs.common import error_responses
from extractd.api.jobs.models import JobsExtraction
from extractd.api.v1.common import JsonBody, json_request_body
from extractd.domain.errors import ValidationFailed
from extractd.services.extraction_edits import patch_extraction

router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobsExtractionPatch(BaseModel):
    fields: dict[str, Any] = Field(
        description="Field name → new value, typed as the schema says (an object's or array's value is "
        "replaced whole; null clears a field)."
    )


@router.patch(
    "/{job_id}/extraction",
    summary="Edit a job's extraction",
    description="Each value is checked against the schema version the job ran with: an unknown field or "
    "a wrong type answers 422 INVALID_CORRECTION naming it. A change is kept in `edits` (when, which key, "
    "each field's old and new value) and announced as `job.updated`. 409 before the job completed.",
    response_model=JobsExtraction,
    openapi_extra=json_request_body(JobsExtractionPatch),
    responses=error_responses(400, 401, 404, 409, 410, 413, 415, 422),
)
def edit_extraction(job_id: str, body: JsonBody, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    if not isinstance(body, dict) or set(body) != {"fields"}:
        raise ValidationFailed('The body is {"fields": {field name: value, …}}.')
    job, data = patch_extraction(context, caller, job_id, body["fields"])
    return render.extraction_body(job, data)
