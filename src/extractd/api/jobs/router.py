"""Every router of the jobs dialect, mounted under /api (``create_app`` includes this one)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from extractd.api.jobs import (
    documents,
    extraction,
    extraction_edits,
    job_runs,
    jobs,
    schemas,
    uploads,
    webhooks,
)
from extractd.api.jobs.common import reject_unknown_query

router = APIRouter(prefix="/api", dependencies=[Depends(reject_unknown_query)])
for resource in (
    uploads.router,
    jobs.router,
    extraction.router,
    extraction_edits.router,
    documents.router,
    schemas.router,
    job_runs.router,
    webhooks.router,
):
    router.include_router(resource)

# The request bodies these routers read themselves, added to the OpenAPI components by ``create_app``.
DOCUMENTED_REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    schemas.JobsSchemaInput,
    webhooks.JobsWebhookInput,
    webhooks.JobsWebhookPatch,
    job_runs.JobsJobRunForm,
    extraction_edits.JobsExtractionPatch,
)
