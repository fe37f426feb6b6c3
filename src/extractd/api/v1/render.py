"""How v1 shows a job: its lowercase statuses and the fields each status carries (DESIGN.md §3)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.services.jobs import result_available
from extractd.store.models import Job

JOBS_PATH = "/api/v1/extraction-jobs"
# How long a client should wait before the next poll: at least the interval the poll limit allows.
QUEUED_RETRY_MS = 1000
REVIEW_RETRY_MS = 5000


def job_url(base_url: str, job_id: str, suffix: str = "") -> str:
    return f"{base_url.rstrip('/')}{JOBS_PATH}/{job_id}{suffix}"


def retry_after_ms(settings: Settings, status: JobStatus) -> int:
    floor = math.ceil(1000 / settings.poll_rate)
    return max(floor, REVIEW_RETRY_MS if status is JobStatus.REVIEW_REQUIRED else QUEUED_RETRY_MS)


def v1_status(job: Job) -> str:
    status = JobStatus(job.status)
    if status is JobStatus.PENDING:
        return JobStatus.QUEUED.value
    if status is JobStatus.CANCELLED:
        return JobStatus.FAILED.value
    return status.value


def created_body(job: Job, base_url: str, settings: Settings) -> dict[str, Any]:
    return {
        "success": True,
        "job": {
            "id": job.id,
            "status": "queued",
            "statusUrl": job_url(base_url, job.id),
            "retryAfterMs": retry_after_ms(settings, JobStatus.QUEUED),
        },
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def status_body(job: Job, base_url: str, settings: Settings) -> dict[str, Any]:
    status = JobStatus(job.status)
    shown: dict[str, Any] = {"id": job.id, "status": v1_status(job)}
    if status in (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING):
        shown |= {"progress": job.progress or 0, "retryAfterMs": retry_after_ms(settings, status)}
    elif status is JobStatus.REVIEW_REQUIRED:
        shown |= {
            "reviewRequiredAt": _iso(job.review_required_at),
            "reviewThreshold": job.document_review,
            "reviewFlaggedFieldCount": job.review_flagged_count or 0,
            "resultAvailable": False,
            "retryAfterMs": retry_after_ms(settings, status),
        }
    elif status is JobStatus.COMPLETED:
        shown |= {
            "completedAt": _iso(job.completed_at),
            "resultAvailable": result_available(job, datetime.now(UTC)),
            "resultUrl": job_url(base_url, job.id, "/result"),
        }
    else:
        failed_at = job.failed_at if status is JobStatus.FAILED else job.cancelled_at
        shown |= {
            "failedAt": _iso(failed_at),
            "error": {
                "message": job.error_message or "The job failed.",
                "code": job.error_code
                or ("CANCELLED" if status is JobStatus.CANCELLED else "EXTRACTION_FAILED"),
            },
        }
    return {"success": True, "job": shown}


def result_body(job: Job, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "success": True,
        "job": {"id": job.id, "status": "completed", "completedAt": _iso(job.completed_at)},
        "data": data,
    }
