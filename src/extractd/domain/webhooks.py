"""Webhook events: the catalog both dialects share, and the payload every delivery carries (DESIGN.md §4a)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from extractd.domain.job_view import iso_ms
from extractd.domain.jobs import JobStatus

ALL_EVENTS = "*"
JOB_QUEUED = "job.queued"
JOB_STARTED = "job.started"
JOB_COMPLETED = "job.completed"
JOB_FAILED = "job.failed"
JOB_CANCELLED = "job.cancelled"
JOB_UPDATED = "job.updated"
JOB_REVIEW_REQUIRED = "job.review_required"
WEBHOOK_PING = "webhook.ping"

EVENT_CATALOG: dict[str, str] = {
    JOB_QUEUED: "A job was queued again (restart).",
    JOB_STARTED: "A worker started an attempt of a job.",
    JOB_COMPLETED: "A job completed (also after an approved review).",
    JOB_FAILED: "A job failed (also after a rejected review).",
    JOB_CANCELLED: "A job was cancelled.",
    JOB_UPDATED: "A job's result was edited (review corrections, manual edits).",
    JOB_REVIEW_REQUIRED: "A job finished with fields flagged for review.",
    "job_run.created": "A batch run was created.",
    "job_run.progress": "A batch run's counts changed.",
    "job_run.completed": "Every job of a batch run is final.",
    WEBHOOK_PING: "A test event sent by POST /api/v1/webhooks/{id}/ping.",
}

# The event a job's arrival in a status announces.
EVENT_OF_STATUS: dict[JobStatus, str] = {
    JobStatus.QUEUED: JOB_QUEUED,
    JobStatus.PROCESSING: JOB_STARTED,
    JobStatus.COMPLETED: JOB_COMPLETED,
    JobStatus.REVIEW_REQUIRED: JOB_REVIEW_REQUIRED,
    JobStatus.FAILED: JOB_FAILED,
    JobStatus.CANCELLED: JOB_CANCELLED,
}


def wants(events: list[str] | tuple[str, ...] | frozenset[str], event_type: str) -> bool:
    """Whether a subscription to ``events`` receives ``event_type`` (``*`` receives all)."""
    return ALL_EVENTS in events or event_type in events


def unknown_events(events: list[str]) -> list[str]:
    return [event for event in events if event != ALL_EVENTS and event not in EVENT_CATALOG]


def payload(message_id: str, event_type: str, data: dict[str, Any], occurred_at: datetime) -> dict[str, Any]:
    """The body of one webhook message: ``{id, type, data, occurredAt}``."""
    return {"id": message_id, "type": event_type, "data": data, "occurredAt": iso_ms(occurred_at)}
