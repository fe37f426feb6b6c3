"""How v1 shows a job: the shapes themselves live in ``domain.job_view`` (webhook events reuse them);
this adds the envelope and the polling hint (DESIGN.md §3)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from extractd.config import Settings
from extractd.domain import pacing
from extractd.domain.job_view import completion_seconds, iso_ms, job_path, v1_job
from extractd.domain.jobs import JobStatus
from extractd.domain.pacing import WORKLOAD_OPTION, PollTiming, Workload
from extractd.store.models import Job


def retry_after_ms(job: Job, settings: Settings, now: datetime) -> int:
    """The polling hint: the job's expected time left (domain.pacing), never under the poll limit's floor."""
    timing = PollTiming(
        status=JobStatus(job.status),
        queued_at=job.queued_at,
        started_at=job.started_at,
        progress=job.progress or 0,
        workload=Workload.from_json((job.options or {}).get(WORKLOAD_OPTION)),
    )
    return pacing.retry_after_ms(timing, now, floor_ms=math.ceil(1000 / settings.poll_rate))


def created_body(job: Job, settings: Settings) -> dict[str, Any]:
    return {
        "success": True,
        "job": {
            "id": job.id,
            "status": "queued",
            "statusUrl": job_path(job.id),
            "retryAfterMs": retry_after_ms(job, settings, datetime.now(UTC)),
        },
    }


def status_body(job: Job, settings: Settings) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"success": True, "job": v1_job(job, now, retry_after_ms=retry_after_ms(job, settings, now))}


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
