"""How v1 shows a job: the shapes themselves live in ``domain.job_view`` (webhook events reuse them);
this adds the envelope and the polling hint (DESIGN.md §3)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from extractd.config import Settings
from extractd.domain.job_view import completion_seconds, iso_ms, job_path, v1_job
from extractd.domain.jobs import JobStatus
from extractd.store.models import Job

# How long a client should wait before the next poll: at least the interval the poll limit allows.
QUEUED_RETRY_MS = 1000
REVIEW_RETRY_MS = 5000


def retry_after_ms(settings: Settings, status: JobStatus) -> int:
    floor = math.ceil(1000 / settings.poll_rate)
    return max(floor, REVIEW_RETRY_MS if status is JobStatus.REVIEW_REQUIRED else QUEUED_RETRY_MS)


def created_body(job: Job, settings: Settings) -> dict[str, Any]:
    return {
        "success": True,
        "job": {
            "id": job.id,
            "status": "queued",
            "statusUrl": job_path(job.id),
            "retryAfterMs": retry_after_ms(settings, JobStatus.QUEUED),
        },
    }


def status_body(job: Job, settings: Settings) -> dict[str, Any]:
    hint = retry_after_ms(settings, JobStatus(job.status))
    return {"success": True, "job": v1_job(job, datetime.now(UTC), retry_after_ms=hint)}


def result_body(job: Job, data: dict[str, Any]) -> dict[str, Any]:
    """The async result: ``completionTime`` is creation → completion of the job, in seconds."""
    shown = dict(data)
    seconds = completion_seconds(job)
    if seconds is not None:
        shown["completionTime"] = seconds
    return {
        "success": True,
        "job": {"id": job.id, "status": "completed", "completedAt": iso_ms(job.completed_at)},
        "data": shown,
    }
