"""The extraction-job use cases: create (async), status, result, and the synchronous wait."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from extractd.domain import errors
from extractd.domain.errors import (
    DocumentNotFound,
    ExtractdError,
    JobFailed,
    JobNotFound,
    ResultExpired,
    ResultNotReady,
    ReviewRequired,
    SyncCapacity,
    SyncTimeout,
    TransientError,
    ValidationFailed,
)
from extractd.domain.jobs import JobStatus
from extractd.domain.pacing import WORKLOAD_OPTION, Workload
from extractd.engine.sniff import sniff_type
from extractd.engine.workload import estimate_workload
from extractd.queue import fairness
from extractd.services import filters, templates
from extractd.services.context import ServiceContext
from extractd.services.documents import delete_blob, ensure_content
from extractd.services.ids import valid_id
from extractd.services.webhook_coverage import ensure_webhook_coverage
from extractd.store import secrets
from extractd.store.blobs import BlobStoreError
from extractd.store.db import transaction
from extractd.store.models import Document, Job
from extractd.store.repositories import (
    DocumentsRepository,
    JobsRepository,
    ResultsRepository,
    document_blob_key,
)

logger = logging.getLogger(__name__)

SYNC_POLL_INTERVAL_S = 0.1


@dataclass(frozen=True)
class JobRequest:
    """What to extract and how: the fields of a create request, already validated for shape."""

    template_name: str | None = None  # a template's name or id (the jobs dialect's schemaId)
    filter_name: str | None = None
    document_splitting: bool = False
    return_documents: bool = False
    return_text: bool = False
    document_review: int | None = None
    schema_chunking: str = "auto"
    password: str | None = None
    delivery_mode: str = "poll"

    def fingerprint_fields(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _engine_options(request: JobRequest) -> dict[str, Any]:
    # The keys queue.worker reads back into EngineOptions. The password is not among them: the job
    # holds it sealed (store.secrets) in `secret`, erased when the job ends.
    return {
        "documentSplitting": request.document_splitting,
        "returnDocuments": request.return_documents,
        "returnText": request.return_text,
        "schemaChunking": request.schema_chunking,
    }


def _pin_definitions(
    ctx: ServiceContext, session: Any, environment_id: str, job: Job, request: JobRequest
) -> None:
    """Copy what the job will run with into the job, so later template edits never change it."""
    if request.filter_name:
        job.filter_name = request.filter_name
        job.filter_definition = filters.resolve(session, environment_id, request.filter_name)
    else:
        assert request.template_name is not None
        template = templates.resolve(session, environment_id, request.template_name)
        job.template_id, job.template_name = template.id, template.name
        job.template_version, job.template_definition = template.version, template.definition


def create_job(
    ctx: ServiceContext,
    environment_id: str,
    request: JobRequest,
    upload: Upload,
    dialect: str = "v1",
    bind: Callable[[Session, str], None] | None = None,
    parent_run_id: str | None = None,
) -> Job:
    """Validate, store the document, create the queued job, dispatch it; the job row is returned.

    ``bind`` runs in the transaction that inserts the job (an Idempotency-Key records the job there).
    """
    content_type = sniff_type(upload.content)
    workload = estimate_workload(upload.content, content_type, request.password)

    def document(session: Session, now: datetime) -> Document:
        return _store_document(ctx, session, environment_id, upload, content_type, now)

    return _insert_job(
        ctx, environment_id, request, upload.filename, document, dialect, bind, parent_run_id, workload
    )


def create_job_from_document(
    ctx: ServiceContext,
    environment_id: str,
    document_id: str,
    request: JobRequest,
    dialect: str = "v1",
    bind: Callable[[Session, str], None] | None = None,
) -> Job:
    """A new job on a document stored before (a re-extraction: no upload); it keeps the document's name."""
    document_id = valid_id(document_id, DocumentNotFound)

    def document(session: Session, now: datetime) -> Document:
        found = DocumentsRepository(session).lock(document_id, environment_id)
        if found is None:
            raise DocumentNotFound()
        ensure_content(ctx, found)
        return found

    return _insert_job(ctx, environment_id, request, None, document, dialect, bind)


def _insert_job(
    ctx: ServiceContext,
    environment_id: str,
    request: JobRequest,
    filename: str | None,
    document_for: Callable[[Session, datetime], Document],
    dialect: str,
    bind: Callable[[Session, str], None] | None,
    parent_run_id: str | None = None,
    workload: Workload | None = None,
) -> Job:
    if bool(request.template_name) == bool(request.filter_name):
        raise ValidationFailed("Give exactly one of templateName or filterName.")
    if request.delivery_mode == "webhook":
        ensure_webhook_coverage(ctx.webhook_subscriptions, environment_id)
    sealed_password = secrets.seal(ctx.sessions, request.password) if request.password else None
    now = datetime.now(UTC)
    with transaction(ctx.sessions) as session:
        job = Job(
            environment_id=environment_id,
            # With EXTRACTD_ENV_CONCURRENCY a job waits as pending until its environment has a slot.
            status=(JobStatus.PENDING if ctx.settings.env_concurrency else JobStatus.QUEUED).value,
            dialect=dialect,
            parent_run_id=parent_run_id,
            options=_engine_options(request),
            secret=sealed_password,
            document_review=request.document_review,
            delivery_mode=request.delivery_mode,
            created_at=now,
            queued_at=now,
        )
        _pin_definitions(ctx, session, environment_id, job, request)
        if workload is not None:  # a re-extraction has no upload to estimate from: the default hint
            # With the jobs ahead of it, for the polling hint (domain.pacing): counted before it is added.
            queued, processing = JobsRepository(session).active_counts()
            job.options = job.options | {WORKLOAD_OPTION: workload.behind(queued, processing).to_json()}
        document = document_for(session, now)
        job.document_id, job.filename = document.id, (filename or document.filename)[:500]
        JobsRepository(session).add(job)
        if bind is not None:
            bind(session, job.id)
    start_job(ctx, environment_id, job.id)
    # Under a concurrency limit the admission may have queued it meanwhile: answer what it is now.
    return get_job(ctx, environment_id, job.id) if ctx.settings.env_concurrency else job


def _store_document(
    ctx: ServiceContext,
    session: Session,
    environment_id: str,
    upload: Upload,
    content_type: str,
    now: datetime,
) -> Document:
    """The environment's document with these bytes (one per content), stored now unless it exists.

    Bytes first: a job row must never point at a blob that is not there. An existing document gets its
    bytes written again, as they may have gone with its last expired result.
    """
    documents = DocumentsRepository(session)
    existing = documents.by_content(environment_id, upload.sha256, lock=True)
    if existing is not None:
        _put(ctx, existing.blob_key, upload.content)
        return existing
    document_id = str(uuid.uuid4())
    document = Document(
        id=document_id,
        environment_id=environment_id,
        blob_key=document_blob_key(environment_id, document_id),
        filename=upload.filename[:500],
        content_type=content_type,
        size=len(upload.content),
        sha256=upload.sha256,
        created_at=now,
    )
    _put(ctx, document.blob_key, upload.content)
    stored = documents.add_or_existing(document)
    if stored is not document:  # the same bytes were committed meanwhile by another upload: use those
        delete_blob(ctx, document.blob_key)
    return stored


def _put(ctx: ServiceContext, blob_key: str, content: bytes) -> None:
    try:
        ctx.blobs.put(blob_key, content)
    except BlobStoreError as exc:
        raise TransientError("The document could not be stored; retry shortly.") from exc


def start_job(ctx: ServiceContext, environment_id: str, job_id: str | None) -> None:
    """Hand a new (or restarted) job to the workers: admitted when a slot is free, else dispatched.

    With ``job_id`` None (a slot was freed) only the admission runs.
    """
    if ctx.settings.env_concurrency:
        _admit(ctx, environment_id)
    elif job_id is not None:
        _dispatch(ctx, job_id)


def _admit(ctx: ServiceContext, environment_id: str) -> None:
    try:
        fairness.admit(ctx.sessions, ctx.queue, ctx.settings.env_concurrency, environment_id)
    except Exception:
        # The job is safely pending in the database; the reaper admits it when a slot is free.
        logger.exception("could not admit pending jobs of environment %s; the reaper will", environment_id)


def _dispatch(ctx: ServiceContext, job_id: str) -> None:
    try:
        ctx.queue.dispatch(job_id)
    except Exception:
        # The job is safely queued in the database; the reaper dispatches queued jobs nobody took.
        logger.exception("could not dispatch job %s; the reaper will retry", job_id)


def valid_job_id(job_id: str) -> str:
    return valid_id(job_id, JobNotFound)


def get_job(ctx: ServiceContext, environment_id: str, job_id: str) -> Job:
    with ctx.sessions() as session:
        job = JobsRepository(session).get(valid_job_id(job_id), environment_id)
        if job is None:
            raise JobNotFound()
        return job


def result_available(job: Job, now: datetime) -> bool:
    if job.result_purged_at is not None:
        return False
    return job.result_expires_at is None or job.result_expires_at >= now


def ensure_result_ready(job: Job, now: datetime) -> None:
    status = JobStatus(job.status)
    if status in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise JobFailed(f"The job failed ({job.error_code}): {job.error_message or ''}".strip())
    if status is JobStatus.REVIEW_REQUIRED:
        raise ReviewRequired()
    if status is not JobStatus.COMPLETED:
        raise ResultNotReady()
    if not result_available(job, now):
        raise ResultExpired()


def get_result(ctx: ServiceContext, environment_id: str, job_id: str) -> tuple[Job, dict[str, Any]]:
    """The job and its result payload; reading never consumes it."""
    now = datetime.now(UTC)
    with ctx.sessions() as session:
        job = JobsRepository(session).get(valid_job_id(job_id), environment_id)
        if job is None:
            raise JobNotFound()
        ensure_result_ready(job, now)
        result = ResultsRepository(session).get(job.id)
        if result is None:
            # Completed but purged between the two reads, or purged by the reaper: gone for good.
            raise ResultExpired()
        return job, result.data


_ERRORS_BY_CODE: dict[str, type[ExtractdError]] = {
    cls.code: cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, ExtractdError)
}


def failure_error(job: Job) -> ExtractdError:
    """The error a failed job ended with, as the exception of its code (file faults answer 422)."""
    error_class = _ERRORS_BY_CODE.get(job.error_code or "", errors.ExtractionFailed)
    return error_class(job.error_message or None)


def extract_sync(
    ctx: ServiceContext,
    environment_id: str,
    request: JobRequest,
    upload: Upload,
    job_id: str | None = None,
    bind: Callable[[Session, str], None] | None = None,
) -> tuple[Job, dict[str, Any]]:
    """Create a job and wait for its result, holding one of the EXTRACTD_SYNC_SLOTS while waiting.

    With ``job_id`` (a retry after SYNC_TIMEOUT, or after the first request died) it waits for that job
    instead; ``bind`` runs in the transaction that creates the job (see create_job).
    """
    if not ctx.sync_slots.acquire(blocking=False):
        raise SyncCapacity()
    try:
        if job_id is None:
            job_id = create_job(ctx, environment_id, request, upload, bind=bind).id
        return _wait_for_result(ctx, environment_id, job_id, time.monotonic() + ctx.settings.sync_timeout_s)
    finally:
        ctx.sync_slots.release()


def _wait_for_result(
    ctx: ServiceContext, environment_id: str, job_id: str, deadline: float
) -> tuple[Job, dict[str, Any]]:
    while True:
        job = get_job(ctx, environment_id, job_id)
        status = JobStatus(job.status)
        if status in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise failure_error(job)
        if status in (JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED):
            return job, _completed_result(ctx, environment_id, job)
        if time.monotonic() >= deadline:
            raise SyncTimeout(
                f"The extraction took longer than {ctx.settings.sync_timeout_s:g} s; it continues as job "
                f"{job_id}: GET /api/v1/extraction-jobs/{job_id}",
                job_id=job_id,
            )
        time.sleep(SYNC_POLL_INTERVAL_S)


def _completed_result(ctx: ServiceContext, environment_id: str, job: Job) -> dict[str, Any]:
    with ctx.sessions() as session:
        result = ResultsRepository(session).get(job.id)
    if result is None:
        raise ResultExpired()
    return result.data
