"""How each dialect shows a job, as pure data: the status endpoints and webhook events share it.

v1 (DESIGN.md §3) has a shape per status; the jobs dialect (§4) one flat object with upper-case statuses.

The job is anything with the job row's attributes (``JobFacts``), so this module needs no store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from extractd.domain.jobs import JobStatus

JOBS_PATH = "/api/v1/extraction-jobs"


class JobFacts(Protocol):
    """The attributes of a job row the v1 shapes read (``store.models.Job`` has them all)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def progress(self) -> int: ...
    @property
    def document_review(self) -> int | None: ...
    @property
    def review_flagged_count(self) -> int | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def result_expires_at(self) -> datetime | None: ...
    @property
    def result_purged_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def failed_at(self) -> datetime | None: ...
    @property
    def cancelled_at(self) -> datetime | None: ...
    @property
    def review_required_at(self) -> datetime | None: ...


class JobsJobFacts(JobFacts, Protocol):
    """The further attributes the jobs dialect's job object reads."""

    @property
    def document_id(self) -> str: ...
    @property
    def template_id(self) -> str | None: ...
    @property
    def template_version(self) -> int | None: ...
    @property
    def filename(self) -> str | None: ...
    @property
    def parent_run_id(self) -> str | None: ...
    @property
    def attempt(self) -> int: ...
    @property
    def started_at(self) -> datetime | None: ...


def iso_ms(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the v1 document shows its timestamps."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_path(job_id: str, suffix: str = "") -> str:
    """A job's URL relative to the server (the document's ``statusUrl`` / ``resultUrl``)."""
    return f"{JOBS_PATH}/{job_id}{suffix}"


def v1_status(job: JobFacts) -> str:
    status = JobStatus(job.status)
    if status is JobStatus.PENDING:
        return JobStatus.QUEUED.value
    if status is JobStatus.CANCELLED:
        return JobStatus.FAILED.value
    return status.value


def result_available(job: JobFacts, now: datetime) -> bool:
    if job.result_purged_at is not None:
        return False
    return job.result_expires_at is None or job.result_expires_at >= now


def completion_seconds(job: JobFacts) -> float | None:
    """Creation to completion of an async job, in seconds (the result's ``completionTime``)."""
    if job.completed_at is None:
        return None
    return round(max(0.0, (job.completed_at - job.created_at).total_seconds()), 3)


def v1_job(job: JobFacts, now: datetime, retry_after_ms: int | None = None) -> dict[str, Any]:
    """The ``job`` object of GET /api/v1/extraction-jobs/{id} for the job's status.

    ``retry_after_ms`` is the polling hint of a job that is not final; a webhook event leaves it out.
    """
    status = JobStatus(job.status)
    shown: dict[str, Any] = {"id": job.id, "status": v1_status(job)}
    if status in (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING):
        shown["progress"] = job.progress or 0
    elif status is JobStatus.REVIEW_REQUIRED:
        shown |= {
            "reviewRequiredAt": iso_ms(job.review_required_at),
            "reviewThreshold": job.document_review,
            "reviewFlaggedFieldCount": job.review_flagged_count or 0,
            "resultAvailable": False,
        }
    elif status is JobStatus.COMPLETED:
        shown |= {
            "completedAt": iso_ms(job.completed_at),
            "resultAvailable": result_available(job, now),
            "resultUrl": job_path(job.id, "/result"),
        }
    else:
        failed_at = job.failed_at if status is JobStatus.FAILED else job.cancelled_at
        shown |= {
            "failedAt": iso_ms(failed_at),
            "error": {
                "message": job.error_message or "The job failed.",
                "code": job.error_code
                or ("CANCELLED" if status is JobStatus.CANCELLED else "EXTRACTION_FAILED"),
            },
        }
    if retry_after_ms is not None and not status.is_final:
        shown["retryAfterMs"] = retry_after_ms
    shown["createdAt"] = iso_ms(job.created_at)
    shown["updatedAt"] = iso_ms(job.updated_at)
    return shown


JOB_TYPE_EXTRACTION = "EXTRACTION"


def jobs_status(job: JobFacts) -> str:
    """``PENDING|QUEUED|PROCESSING|COMPLETED|FAILED|CANCELLED|REVIEW_REQUIRED``: every status as itself."""
    return JobStatus(job.status).value.upper()


def jobs_error(job: JobFacts) -> dict[str, str] | None:
    """``{code, message}`` of a failed or cancelled job; None otherwise (a retry's note is not an error)."""
    status = JobStatus(job.status)
    if status is JobStatus.FAILED:
        return {
            "code": job.error_code or "EXTRACTION_FAILED",
            "message": job.error_message or "The job failed.",
        }
    if status is JobStatus.CANCELLED:
        return {
            "code": job.error_code or "CANCELLED",
            "message": job.error_message or "The job was cancelled.",
        }
    return None


def jobs_job(job: JobsJobFacts) -> dict[str, Any]:
    """The bare job object of the jobs dialect (DESIGN.md §4); webhook events carry it as ``data``."""
    return {
        "id": job.id,
        "type": JOB_TYPE_EXTRACTION,
        "status": jobs_status(job),
        "schemaId": job.template_id,
        "schemaVersion": job.template_version,
        "documentId": job.document_id,
        "filename": job.filename,
        "parentRunId": job.parent_run_id,
        "progress": job.progress or 0,
        "attempt": job.attempt or 0,
        "error": jobs_error(job),
        "createdAt": iso_ms(job.created_at),
        "updatedAt": iso_ms(job.updated_at),
        "startedAt": iso_ms(job.started_at),
        "completedAt": iso_ms(job.completed_at),
    }


JOBS_DIALECT = "jobs"
JOBS_DIALECT_PATH = "/api/jobs"


def event_data(job: JobsJobFacts, dialect: str, now: datetime) -> dict[str, Any]:
    """A job event's ``data``: the job as the status endpoint of the dialect that created it shows it
    (DESIGN.md §4a), with where to read the result once completed."""
    if dialect != JOBS_DIALECT:
        return v1_job(job, now)
    shown = jobs_job(job)
    if JobStatus(job.status) is JobStatus.COMPLETED:
        shown["resultUrl"] = f"{JOBS_DIALECT_PATH}/{job.id}/extraction"
    return shown
