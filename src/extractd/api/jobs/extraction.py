"""GET /api/jobs/{id}/extraction: a completed job's fields, thin over ``services.jobs.get_result``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from extractd.api.deps import Context, CurrentCaller
from extractd.api.jobs import render
from extractd.api.jobs.common import error_responses
from extractd.api.jobs.models import JobsExtraction
from extractd.services import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get(
    "/{job_id}/extraction",
    summary="Get a job's extraction",
    description="The first document's `fields` (with `fieldConfidence` and `fieldDetails`), every "
    "document of a split file in `documents`, and the edits made since. 409 RESULT_NOT_READY before "
    "completion (REVIEW_REQUIRED while held for review, JOB_FAILED for a failed or cancelled job); "
    "410 RESULT_EXPIRED.",
    response_model=JobsExtraction,
    responses=error_responses(401, 404, 409, 410),
)
def get_extraction(job_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    job, data = jobs.get_result(context, caller.environment_id, job_id)
    return render.extraction_body(job, data)
