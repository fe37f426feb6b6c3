"""Every router of the jobs dialect, mounted under /api (``create_app`` includes this one)."""

from __future__ import annotations

from fastapi import APIRouter

from extractd.api.jobs import jobs

router = APIRouter(prefix="/api")
for resource in (jobs.router,):
    router.include_router(resource)
