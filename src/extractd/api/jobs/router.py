"""Every router of the jobs dialect, mounted under /api (``create_app`` includes this one)."""

from __future__ import annotations

from fastapi import APIRouter

from extractd.api.jobs import documents, extraction, jobs, uploads

router = APIRouter(prefix="/api")
for resource in (uploads.router, jobs.router, extraction.router, documents.router):
    router.include_router(resource)
