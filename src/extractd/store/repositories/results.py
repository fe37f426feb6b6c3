"""Result payloads (the ``data`` object of GET result), one row per job, kept until they expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from extractd.domain.jobs import JobStatus
from extractd.store.models import Job, JobResult


class ResultsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, job_id: str, attempt: int, data: dict[str, Any], now: datetime) -> None:
        """Store (or replace, after a restart or an edit) the result of a job."""
        existing = self.session.get(JobResult, job_id)
        if existing is None:
            self.session.add(JobResult(job_id=job_id, attempt=attempt, data=data, created_at=now))
        else:
            existing.attempt = attempt
            existing.data = data
            existing.created_at = now
        self.session.flush()

    def get(self, job_id: str) -> JobResult | None:
        return self.session.get(JobResult, job_id)

    def get_for_update(self, job_id: str) -> JobResult | None:
        """The payload, locked until the transaction ends (PostgreSQL; SQLite serialises writers), so
        concurrent edits apply one after the other instead of the later overwriting the earlier."""
        query = (
            select(JobResult)
            .where(JobResult.job_id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one_or_none()

    def replace_data(self, job_id: str, data: dict[str, Any]) -> bool:
        """Overwrite a stored payload (a reviewer's corrections); False when there is none."""
        result = self.session.execute(
            update(JobResult)
            .where(JobResult.job_id == job_id)
            .values(data=data)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def purge_expired(self, now: datetime, limit: int = 500) -> list[str]:
        """Delete the payloads whose time is up and mark their jobs; the job rows stay."""
        due = list(
            self.session.scalars(
                select(Job.id)
                .where(Job.result_expires_at < now, Job.result_purged_at.is_(None))
                .where(Job.status.in_([JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED, JobStatus.FAILED]))
                .limit(limit)
            )
        )
        if due:
            self.session.execute(delete(JobResult).where(JobResult.job_id.in_(due)))
            self.session.execute(
                update(Job)
                .where(Job.id.in_(due), Job.result_purged_at.is_(None))
                .values(result_purged_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        return due
