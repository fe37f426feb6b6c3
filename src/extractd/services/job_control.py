"""What clients do to jobs after creating them: list, cancel, restart, delete (both dialects call these).

Each state change is one conditional update in ``store`` (cancel: pending|queued only; restart: a final
job only), so a concurrent worker or a second client can never make both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from extractd.domain.errors import DocumentContentExpired, InvalidTransition, JobNotFound
from extractd.domain.jobs import JobStatus
from extractd.services.context import ServiceContext
from extractd.services.documents import MAX_PAGE_SIZE, delete_blob, ensure_content
from extractd.services.jobs import get_job, start_job, valid_job_id
from extractd.store.db import transaction
from extractd.store.models import Job
from extractd.store.repositories import DocumentsRepository, JobsRepository
from extractd.store.repositories.jobs import JobFilter


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    total: int


@dataclass(frozen=True)
class JobQuery:
    """A page of an environment's jobs, newest first, narrowed by the filters that are set."""

    page: int = 1
    limit: int = 10
    statuses: Sequence[JobStatus] = ()
    parent_run_id: str | None = None
    schema_id: str | None = None  # a template's id or name


def list_jobs(ctx: ServiceContext, environment_id: str, query: JobQuery) -> JobPage:
    where = JobFilter(statuses=query.statuses, parent_run_id=query.parent_run_id, template=query.schema_id)
    limit = min(query.limit, MAX_PAGE_SIZE)
    with ctx.sessions() as session:
        jobs, total = JobsRepository(session).page(environment_id, where, (query.page - 1) * limit, limit)
    return JobPage(jobs, total)


def cancel(ctx: ServiceContext, environment_id: str, job_id: str) -> Job:
    """pending|queued → cancelled (announced as job.cancelled); any other status: INVALID_STATE (409)."""
    job = get_job(ctx, environment_id, job_id)
    with transaction(ctx.sessions) as session:
        if not JobsRepository(session).cancel(job.id, datetime.now(UTC)):
            raise InvalidTransition("Only a pending or queued job can be cancelled.", status=job.status)
    if ctx.settings.env_concurrency:
        start_job(ctx, environment_id, None)  # a queued job gave its slot back: admit the next one
    return get_job(ctx, environment_id, job.id)


def restart(ctx: ServiceContext, environment_id: str, job_id: str) -> Job:
    """completed|failed|cancelled → queued again (pending while its environment has no free slot): a new
    attempt with a fresh retry budget, the old result dropped, announced as job.queued."""
    job = get_job(ctx, environment_id, job_id)
    with ctx.sessions() as session:
        document = DocumentsRepository(session).get(job.document_id)
    if document is None:
        raise DocumentContentExpired()
    ensure_content(ctx, document)
    target = JobStatus.PENDING if ctx.settings.env_concurrency else JobStatus.QUEUED
    with transaction(ctx.sessions) as session:
        if not JobsRepository(session).restart(job.id, target, datetime.now(UTC)):
            raise InvalidTransition("Only a completed, failed or cancelled job can be restarted.")
    start_job(ctx, environment_id, job.id)
    return get_job(ctx, environment_id, job.id)


def delete_job(ctx: ServiceContext, environment_id: str, job_id: str) -> None:
    """The job and its result; its document (row and bytes) too when no other job uses it."""
    with transaction(ctx.sessions) as session:
        job = JobsRepository(session).get(valid_job_id(job_id), environment_id)
        if job is None:
            raise JobNotFound()
        documents = DocumentsRepository(session)
        document = documents.lock(job.document_id)
        JobsRepository(session).delete(job, datetime.now(UTC))
        freed = None
        if document is not None and not documents.is_referenced(document.id):
            freed = document.blob_key
            documents.delete(document)
    if freed is not None:
        delete_blob(ctx, freed)
