"""Batch runs: the row, and its counts recounted from its jobs in the transaction of each transition.

``refresh`` locks the run's row before counting (PostgreSQL; SQLite serialises writers already), so two
workers finishing two jobs of one run at once count one after the other and the second sees the first's
job: no count is lost and ``job_run.completed`` is announced once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extractd.domain.job_runs import (
    JOB_RUN_CREATED,
    RunCounts,
    RunStatus,
    counts_of,
    events_between,
    run_body,
)
from extractd.domain.jobs import JobStatus
from extractd.store.models import Job, JobRun
from extractd.store.repositories.webhooks import WebhookEndpointsRepository, WebhookMessagesRepository


class JobRunsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: JobRun, now: datetime) -> JobRun:
        """The new run, announced (``job_run.created``) in the same transaction."""
        self.session.add(run)
        self.session.flush()
        self._announce(run, [JOB_RUN_CREATED], now)
        return run

    def get(self, run_id: str, environment_id: str) -> JobRun | None:
        query = select(JobRun).where(JobRun.id == run_id, JobRun.environment_id == environment_id)
        return self.session.scalars(query).one_or_none()

    def cut_total(self, run_id: str, total: int, now: datetime) -> None:
        """A run whose creation stopped part-way: it has only ``total`` jobs (recounted at once)."""
        self.refresh(run_id, now, total=total)

    def forget_job(self, run_id: str, now: datetime) -> None:
        """One of the run's jobs was deleted: the run no longer waits for it."""
        self.refresh(run_id, now, removed=1)

    def refresh(self, run_id: str, now: datetime, *, total: int | None = None, removed: int = 0) -> None:
        """Recount the run's jobs (of a new ``total``, or ``removed`` fewer, read under the run's lock);
        announce progress and completion when they changed."""
        run = self.session.scalars(
            select(JobRun)
            .where(JobRun.id == run_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if run is None:
            return
        rows = self.session.execute(
            select(Job.status, func.count()).where(Job.parent_run_id == run_id).group_by(Job.status)
        )
        new_total = (run.total_jobs if total is None else total) - removed
        after = counts_of(new_total, {JobStatus(status): count for status, count in rows})
        started = run.status != RunStatus.QUEUED
        before = RunCounts(run.total_jobs, run.completed_jobs, run.failed_jobs, started)
        if after == before:
            return
        run.total_jobs, run.completed_jobs, run.failed_jobs = after.total, after.completed, after.failed
        run.status = after.status.value
        run.completed_at = now if after.status is RunStatus.COMPLETED else None
        run.updated_at = now
        self.session.flush()
        self._announce(run, events_between(before, after), now)

    def _announce(self, run: JobRun, events: list[str], now: datetime) -> None:
        endpoints = WebhookEndpointsRepository(self.session)
        messages = WebhookMessagesRepository(self.session)
        for event in events:
            receivers = endpoints.receiving(run.environment_id, event)
            if receivers:
                messages.publish(receivers, event, run_body(run), now)
