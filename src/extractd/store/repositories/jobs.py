"""Jobs: lookups, and every conditional update of the worker protocol (DESIGN.md §2).

Each state change is one ``UPDATE … WHERE status IN (<allowed sources>)`` (plus, for a worker, the
lease it holds), so concurrent workers, reapers and API calls can never both win. The allowed source
statuses come from ``domain.jobs``; this module adds no rules of its own.

Every transition a client hears about also writes its webhook event (one outbox message per enabled
subscription that wants it) in the same transaction, so the change and its announcement commit together.
Internal requeues (a transient fault, a reaped lease) announce nothing: the next claim says ``job.started``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from extractd.domain.job_view import event_data
from extractd.domain.jobs import JobStatus, sources_of
from extractd.domain.webhooks import EVENT_OF_STATUS, JOB_QUEUED, JOB_UPDATED
from extractd.store.models import Environment, Job, JobResult, utcnow
from extractd.store.repositories.job_runs import JobRunsRepository
from extractd.store.repositories.webhooks import WebhookEndpointsRepository, WebhookMessagesRepository


@dataclass(frozen=True, slots=True)
class LeaseToken:
    """What a worker holds while it runs a job; every write it makes is conditional on it."""

    job_id: str
    worker_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class RunningJob:
    """A job in ``processing``, as the worker watchdog sees it."""

    id: str
    worker_id: str
    attempt: int
    started_at: datetime


@dataclass(frozen=True)
class JobFilter:
    """Which of an environment's jobs a list shows; an empty field does not narrow it."""

    statuses: Sequence[JobStatus] = ()
    parent_run_id: str | None = None
    template: str | None = None  # a template's id or name

    def where(self, environment_id: str) -> ColumnElement[bool]:
        clauses = [Job.environment_id == environment_id]
        if self.statuses:
            clauses.append(Job.status.in_([status.value for status in self.statuses]))
        if self.parent_run_id is not None:
            clauses.append(Job.parent_run_id == self.parent_run_id)
        if self.template is not None:
            clauses.append(or_(Job.template_id == self.template, Job.template_name == self.template))
        return and_(*clauses)


def _status_in(target: JobStatus) -> ColumnElement[bool]:
    return Job.status.in_([status.value for status in sources_of(target)])


class JobsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- reads -----------------------------------------------------------------------------------
    def get(self, job_id: str, environment_id: str | None = None) -> Job | None:
        query = select(Job).where(Job.id == job_id)
        if environment_id is not None:
            query = query.where(Job.environment_id == environment_id)
        return self.session.scalars(query).one_or_none()

    def list_for_environment(
        self, environment_id: str, *, statuses: Sequence[JobStatus] = (), offset: int = 0, limit: int = 50
    ) -> list[Job]:
        query = select(Job).where(Job.environment_id == environment_id)
        if statuses:
            query = query.where(Job.status.in_([status.value for status in statuses]))
        query = query.order_by(Job.created_at.desc(), Job.id).offset(offset).limit(limit)
        return list(self.session.scalars(query))

    def page(self, environment_id: str, where: JobFilter, offset: int, limit: int) -> tuple[list[Job], int]:
        """One page of the matching jobs, newest first, and how many match in all."""
        condition = where.where(environment_id)
        total = self.session.scalar(select(func.count()).select_from(Job).where(condition))
        query = select(Job).where(condition).order_by(Job.created_at.desc(), Job.id.desc())
        return list(self.session.scalars(query.offset(offset).limit(limit))), int(total or 0)

    def add(self, job: Job) -> Job:
        self.session.add(job)
        self.session.flush()
        return job

    def delete(self, job: Job, now: datetime) -> None:
        """The job row; its result and run statistics go with it (ON DELETE CASCADE), and its batch run
        no longer counts it."""
        run_id = job.parent_run_id
        self.session.delete(job)
        self.session.flush()
        if run_id is not None:
            JobRunsRepository(self.session).forget_job(run_id, now)

    # --- API-side transitions --------------------------------------------------------------------
    def restart(self, job_id: str, target: JobStatus, now: datetime) -> bool:
        """completed|failed|cancelled → ``target`` (queued, or pending under a concurrency limit): a new
        attempt with a fresh retry budget (``attempt`` back to 0), the old result dropped; job.queued."""
        restartable = [JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value]
        changed = self._update(
            and_(Job.id == job_id, Job.status.in_(restartable), _status_in(target)),
            status=target,
            attempt=0,
            queued_at=now,
            available_at=None,
            lease_until=None,
            worker_id=None,
            progress=0,
            lease_losses=0,
            error_code=None,
            error_message=None,
            review_flagged_count=None,
            result_expires_at=None,
            result_purged_at=None,
            started_at=None,
            completed_at=None,
            failed_at=None,
            cancelled_at=None,
            review_required_at=None,
        )
        if changed:
            self.session.execute(delete(JobResult).where(JobResult.job_id == job_id))
            self._announce(job_id, now, JOB_QUEUED)
        return changed

    def cancel(self, job_id: str, now: datetime) -> bool:
        return self._announced(
            job_id,
            now,
            self._update(
                and_(Job.id == job_id, _status_in(JobStatus.CANCELLED)),
                status=JobStatus.CANCELLED,
                cancelled_at=now,
                secret=None,
                error_code="CANCELLED",
                error_message="The job was cancelled.",
            ),
        )

    def approve_review(self, job_id: str, now: datetime) -> bool:
        """review_required → completed (a reviewer approved, possibly after editing the result)."""
        return self._announced(
            job_id,
            now,
            self._update(
                and_(
                    Job.id == job_id, Job.status == JobStatus.REVIEW_REQUIRED, _status_in(JobStatus.COMPLETED)
                ),
                status=JobStatus.COMPLETED,
                completed_at=now,
            ),
        )

    def reject_review(self, job_id: str, code: str, message: str, now: datetime) -> bool:
        """review_required → failed (a reviewer rejected the result)."""
        changed = self._update(
            and_(Job.id == job_id, Job.status == JobStatus.REVIEW_REQUIRED, _status_in(JobStatus.FAILED)),
            status=JobStatus.FAILED,
            error_code=code,
            error_message=message,
            failed_at=now,
        )
        return self._announced(job_id, now, changed)

    def record_update(self, job_id: str, now: datetime) -> None:
        """The job's result was edited (review corrections, a manual edit): announce ``job.updated``."""
        self._update(Job.id == job_id)
        self._announce(job_id, now, JOB_UPDATED)

    # --- fairness (EXTRACTD_ENV_CONCURRENCY) -------------------------------------------------------
    def admit_pending(self, environment_id: str, limit: int, now: datetime) -> list[str]:
        """pending → queued for the environment's oldest pending jobs while it has a free slot.

        A slot is a job ``queued`` or ``processing`` (``limit`` 0: no limit). The environment's row is
        locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so admissions
        by several workers and API nodes at once never exceed the limit. Returns the admitted job ids.
        """
        self.session.execute(select(Environment.id).where(Environment.id == environment_id).with_for_update())
        pending = select(Job.id).where(Job.environment_id == environment_id, Job.status == JobStatus.PENDING)
        if limit > 0:
            active = self.session.scalar(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.environment_id == environment_id,
                    Job.status.in_([JobStatus.QUEUED.value, JobStatus.PROCESSING.value]),
                )
            )
            free = limit - int(active or 0)
            if free <= 0:
                return []
            pending = pending.limit(free)
        admitted = list(self.session.scalars(pending.order_by(Job.created_at, Job.id)))
        if admitted:
            self._update(
                and_(Job.id.in_(admitted), Job.status == JobStatus.PENDING, _status_in(JobStatus.QUEUED)),
                status=JobStatus.QUEUED,
                queued_at=now,
                available_at=None,
            )
        return admitted

    def active_counts(self) -> tuple[int, int]:
        """Jobs ``queued`` and ``processing`` across the cluster (from the status index alone)."""
        active = (JobStatus.QUEUED.value, JobStatus.PROCESSING.value)
        rows = self.session.execute(
            select(Job.status, func.count()).where(Job.status.in_(active)).group_by(Job.status)
        )
        counts = {str(status): int(count) for status, count in rows}
        return counts.get(active[0], 0), counts.get(active[1], 0)

    def environments_with_pending(self, limit: int = 100) -> list[str]:
        query = select(Job.environment_id).where(Job.status == JobStatus.PENDING).distinct().limit(limit)
        return list(self.session.scalars(query))

    def environment_of(self, job_id: str) -> str | None:
        return self.session.scalar(select(Job.environment_id).where(Job.id == job_id))

    # --- worker protocol -------------------------------------------------------------------------
    def claim(self, job_id: str, worker_id: str, lease_s: float, now: datetime) -> LeaseToken | None:
        """queued → processing for this worker, or None when someone else has it (or it is gone)."""
        claimable = and_(
            Job.id == job_id,
            _status_in(JobStatus.PROCESSING),
            Job.status == JobStatus.QUEUED,
            or_(Job.available_at.is_(None), Job.available_at <= now),
        )
        if not self._update(
            claimable,
            status=JobStatus.PROCESSING,
            attempt=Job.attempt + 1,
            lease_until=now + timedelta(seconds=lease_s),
            worker_id=worker_id,
            started_at=now,
            progress=0,
            available_at=None,
        ):
            return None
        attempt = self.session.scalar(select(Job.attempt).where(Job.id == job_id))
        assert attempt is not None
        self._announce(job_id, now)
        return LeaseToken(job_id, worker_id, attempt)

    def renew_lease(self, token: LeaseToken, lease_s: float, progress: int, now: datetime) -> bool:
        """Heartbeat: extend the lease and record progress; False once the lease was lost."""
        return self._update(
            self._held(token), lease_until=now + timedelta(seconds=lease_s), progress=progress
        )

    def extend_lease(self, token: LeaseToken, lease_s: float, now: datetime) -> bool:
        """The watchdog's renewal from outside the job process: the lease only, never the progress."""
        return self._update(self._held(token), lease_until=now + timedelta(seconds=lease_s))

    def running_on(self, worker_id_prefixes: Sequence[str]) -> list[RunningJob]:
        """Jobs in ``processing`` whose worker id starts with one of the prefixes (one per job process)."""
        if not worker_id_prefixes:
            return []
        query = select(Job.id, Job.worker_id, Job.attempt, Job.started_at).where(
            Job.status == JobStatus.PROCESSING,
            or_(*(Job.worker_id.startswith(prefix, autoescape=True) for prefix in worker_id_prefixes)),
        )
        return [
            RunningJob(row.id, row.worker_id, row.attempt, row.started_at)
            for row in self.session.execute(query)
            if row.worker_id is not None and row.started_at is not None
        ]

    def finish(
        self,
        token: LeaseToken,
        status: JobStatus,
        *,
        flagged_count: int | None,
        result_expires_at: datetime,
        now: datetime,
    ) -> bool:
        """processing → completed | review_required, only while this worker still holds the lease."""
        when = {"completed_at": now} if status is JobStatus.COMPLETED else {"review_required_at": now}
        changed = self._update(
            and_(self._held(token), _status_in(status)),
            status=status,
            progress=100,
            lease_until=None,
            review_flagged_count=flagged_count,
            result_expires_at=result_expires_at,
            result_purged_at=None,
            error_code=None,
            error_message=None,
            secret=None,
            **when,
        )
        return self._announced(token.job_id, now, changed)

    def fail(self, token: LeaseToken, code: str, message: str, now: datetime) -> bool:
        changed = self._update(
            and_(self._held(token), _status_in(JobStatus.FAILED)),
            status=JobStatus.FAILED,
            lease_until=None,
            error_code=code,
            error_message=message,
            failed_at=now,
            secret=None,
        )
        return self._announced(token.job_id, now, changed)

    def retry_later(self, token: LeaseToken, available_at: datetime, message: str, now: datetime) -> bool:
        """processing → queued after a transient fault; not claimable before ``available_at``."""
        return self._update(
            and_(self._held(token), _status_in(JobStatus.QUEUED)),
            status=JobStatus.QUEUED,
            lease_until=None,
            worker_id=None,
            queued_at=now,
            available_at=available_at,
            error_message=message,
        )

    # --- reaper ----------------------------------------------------------------------------------
    def expired_leases(self, now: datetime, limit: int = 100) -> list[tuple[str, int]]:
        query = (
            select(Job.id, Job.attempt)
            .where(Job.status == JobStatus.PROCESSING, Job.lease_until < now)
            .limit(limit)
        )
        return [(row.id, row.attempt) for row in self.session.execute(query)]

    def requeue_expired(
        self, job_id: str, attempt: int, now: datetime, max_losses: int | None = None
    ) -> bool:
        """Hand an expired job back to the queue, counting the loss; not once it has lost ``max_losses``."""
        where = and_(self._expired(job_id, attempt, now), _status_in(JobStatus.QUEUED))
        if max_losses is not None:
            where = and_(where, Job.lease_losses < max_losses - 1)
        return self._update(
            where,
            lease_losses=Job.lease_losses + 1,
            status=JobStatus.QUEUED,
            lease_until=None,
            worker_id=None,
            queued_at=now,
            available_at=None,
        )

    def fail_expired(self, job_id: str, attempt: int, code: str, message: str, now: datetime) -> bool:
        changed = self._update(
            and_(self._expired(job_id, attempt, now), _status_in(JobStatus.FAILED)),
            status=JobStatus.FAILED,
            lease_until=None,
            error_code=code,
            error_message=message,
            failed_at=now,
            secret=None,
        )
        return self._announced(job_id, now, changed)

    def stale_queued(self, cutoff: datetime, limit: int = 100) -> list[str]:
        """Queued jobs nobody claimed since ``cutoff``: their message may be lost."""
        last_dispatch = func.coalesce(Job.available_at, Job.queued_at, Job.created_at)
        query = select(Job.id).where(Job.status == JobStatus.QUEUED, last_dispatch < cutoff).limit(limit)
        return list(self.session.scalars(query))

    def touch_dispatched(self, job_id: str, now: datetime) -> bool:
        """Record a re-dispatch so the reaper waits a full period before sending another message."""
        return self._update(
            and_(Job.id == job_id, Job.status == JobStatus.QUEUED),
            available_at=now,
        )

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _held(token: LeaseToken) -> ColumnElement[bool]:
        return and_(
            Job.id == token.job_id,
            Job.status == JobStatus.PROCESSING,
            Job.worker_id == token.worker_id,
            Job.attempt == token.attempt,
        )

    @staticmethod
    def _expired(job_id: str, attempt: int, now: datetime) -> ColumnElement[bool]:
        return and_(
            Job.id == job_id,
            Job.status == JobStatus.PROCESSING,
            Job.attempt == attempt,
            Job.lease_until < now,
        )

    def _announced(self, job_id: str, now: datetime, changed: bool) -> bool:
        if changed:
            self._announce(job_id, now)
        return changed

    def _announce(self, job_id: str, now: datetime, event_type: str | None = None) -> None:
        """Write the job's event for each subscription that wants it (its dialect's job shape as ``data``),
        and recount the job's batch run, if it is in one."""
        job = self.session.scalars(
            select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
        ).one()
        event = event_type or EVENT_OF_STATUS[JobStatus(job.status)]
        endpoints = WebhookEndpointsRepository(self.session).receiving(job.environment_id, event)
        if endpoints:
            WebhookMessagesRepository(self.session).publish(
                endpoints, event, event_data(job, job.dialect, now), now
            )
        if job.parent_run_id is not None:  # its batch run's counts change with it
            JobRunsRepository(self.session).refresh(job.parent_run_id, now)

    def _update(self, where: ColumnElement[bool], **values: Any) -> bool:
        values["updated_at"] = utcnow()
        result = self.session.execute(
            update(Job).where(where).values(**values).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
