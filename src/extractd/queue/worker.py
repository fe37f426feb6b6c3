"""Running one job: claim → lease + heartbeat → engine → persist (DESIGN.md §2).

Every write after the claim is conditional on the lease this worker holds (worker id + attempt), so a
worker that lost its lease (it stalled, the reaper gave the job to another) can never overwrite the
newer attempt's outcome.
"""

from __future__ import annotations

import contextvars
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from extractd.config import Settings
from extractd.domain.errors import (
    DocumentMissing,
    ExtractdError,
    ExtractionFailed,
    MemoryLimitExceeded,
    TransientError,
)
from extractd.domain.jobs import JobStatus
from extractd.domain.review import review_flags
from extractd.domain.templates import Template, parse_template
from extractd.engine import extract
from extractd.engine.types import EngineOptions, FilterRule, LoadedFile
from extractd.logging import job_context, note_environment
from extractd.queue.fairness import admit_after
from extractd.store import secrets as sealed_secrets
from extractd.store.blobs import BlobNotFound, BlobStore, BlobStoreError, open_blob_store
from extractd.store.db import SessionFactory, create_db_engine, make_session_factory, transaction
from extractd.store.models import Environment, Job, utcnow
from extractd.store.repositories import (
    DocumentsRepository,
    JobsRepository,
    LeaseToken,
    MetricsRepository,
    ResultsRepository,
)

if TYPE_CHECKING:
    from extractd.queue.tasks import JobQueue

log = logging.getLogger(__name__)

# Faults worth another attempt: the database or the blob store was briefly unreachable. (Not every
# DBAPIError: an IntegrityError, say, will not go away by trying again.)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BlobStoreError,
    TransientError,
)
RETRY_BASE_DELAY_S = 1.0
# Set in a job process when its stop signal arrives (queue.consumer installs the handler), so a job whose
# run breaks at that moment is handed back rather than failed.
STOP_REQUESTED = threading.Event()


@dataclass
class WorkerRuntime:
    """What one worker process needs; built once per process (never shared across fork)."""

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    blobs: BlobStore
    queue: JobQueue
    worker_id: str

    @classmethod
    def create(cls, settings: Settings, queue: JobQueue) -> WorkerRuntime:
        engine = create_db_engine(settings)
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        return cls(
            settings, engine, make_session_factory(engine), open_blob_store(settings), queue, worker_id
        )


@dataclass(frozen=True)
class JobInput:
    """Everything the engine call needs, read from the job row and its document."""

    content: bytes
    filename: str
    template: Template | None
    filter_rules: tuple[FilterRule, ...] | None
    options: EngineOptions
    document_review: int | None
    result_ttl_s: int


def process_job(job_id: str, runtime: WorkerRuntime) -> None:
    """Handle one "job X may be ready" message; every record logged meanwhile carries the job id."""
    with job_context(job_id):
        _process_job(job_id, runtime)


def _process_job(job_id: str, runtime: WorkerRuntime) -> None:
    with transaction(runtime.sessions) as session:
        token = JobsRepository(session).claim(job_id, runtime.worker_id, runtime.settings.lease_s, utcnow())
    if token is None:
        log.debug("job %s: not claimable (taken, cancelled, finished or backing off)", job_id)
        return
    log.info("job %s: attempt %d started by %s", job_id, token.attempt, runtime.worker_id)
    run = RunFacts()
    with Heartbeat(runtime.sessions, token, runtime.settings.lease_s) as heartbeat:
        try:
            job_input = load_input(runtime, token)
            data = extract(
                job_input.content,
                job_input.template,
                filter_rules=job_input.filter_rules,
                filename=job_input.filename,
                options=job_input.options,
                progress=heartbeat.report_progress,
                on_loaded=run.note_loaded,
            )
            heartbeat.stop()
            persist_result(runtime, token, job_input, data, run)
        except KeyboardInterrupt:
            # The worker is being stopped: hand the job back at once instead of waiting for the lease.
            heartbeat.stop()
            _give_back(runtime, token, "the worker stopped while running the job", retry_delay_s=0)
            raise
        except Exception as exc:
            heartbeat.stop()
            if STOP_REQUESTED.is_set() or caused_by_interrupt(exc):
                # The stop signal came while a library ran, which turned it into an error of its own (or
                # swallowed it and then failed): still a stop, not a failure of the job.
                _give_back(runtime, token, "the worker stopped while running the job", retry_delay_s=0)
                raise KeyboardInterrupt from exc
            _settle_failure(runtime, token, exc)
    # The run left its slot (unless it was handed back for a retry): the next pending job may start.
    admit_after(runtime.sessions, runtime.queue, runtime.settings.env_concurrency, job_id)


@dataclass
class RunFacts:
    """What /metrics counts about a run: the loaded file's kind and pages, and the time it took."""

    started: float = field(default_factory=time.monotonic)
    loader_kind: str = "unknown"
    pages: int = 0
    ocr_pages: int = 0

    def note_loaded(self, loaded: LoadedFile) -> None:
        self.loader_kind = loaded.kind
        self.pages = len(loaded.pages)
        self.ocr_pages = sum(1 for page in loaded.pages if page.source == "ocr")


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt (the worker's stop signal) is somewhere in ``exc``'s chain of causes."""
    return caused_by(exc, KeyboardInterrupt)


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether an exception of ``kind`` is ``exc`` or somewhere in its chain of causes."""
    return any(isinstance(link, kind) for link in _chain(exc))


# How C++ libraries (onnxruntime, pdfium) report a failed allocation through their Python errors.
_ALLOCATION_FAILURES = ("std::bad_alloc", "failed to allocate memory")


def ran_out_of_memory(exc: BaseException) -> bool:
    """Whether an allocation failed somewhere in ``exc``'s chain (Python's MemoryError or a library's)."""
    return any(
        isinstance(link, MemoryError) or any(text in str(link).lower() for text in _ALLOCATION_FAILURES)
        for link in _chain(exc)
    )


def _chain(exc: BaseException) -> list[BaseException]:
    links: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not link for link in links):
        links.append(current)
        current = current.__cause__ or current.__context__
    return links


def _settle_failure(runtime: WorkerRuntime, token: LeaseToken, exc: Exception) -> None:
    """Retry a transient fault; fail the job with the error's code, or EXTRACTION_FAILED if unexpected."""
    if ran_out_of_memory(exc):
        # The address-space ceiling of this job process (EXTRACTD_JOB_MEMORY_MB) refused an allocation.
        limit = runtime.settings.job_memory_mb
        log.warning("job %s: ran out of memory (limit %d MB)", token.job_id, limit, exc_info=exc)
        message = (
            f"The job needed more memory than the limit of {limit} MB per job (EXTRACTD_JOB_MEMORY_MB); "
            "this failure is final."
        )
        _fail(runtime, token, MemoryLimitExceeded.code, message)
    elif isinstance(exc, TRANSIENT_ERRORS):
        _retry_or_fail(runtime, token, exc)
    elif isinstance(exc, ExtractdError):
        log.info("job %s: failed with %s: %s", token.job_id, exc.code, exc.message)
        _fail(runtime, token, exc.code, exc.message)
    else:
        log.error("job %s: unexpected error", token.job_id, exc_info=exc)
        _fail(runtime, token, ExtractionFailed.code, ExtractionFailed().message)


def load_input(runtime: WorkerRuntime, token: LeaseToken) -> JobInput:
    with transaction(runtime.sessions) as session:
        job = JobsRepository(session).get(token.job_id)
        if job is None:
            raise ExtractionFailed("The job disappeared while it was running.")
        document = DocumentsRepository(session).get(job.document_id)
        if document is None:
            raise ExtractionFailed("The job's document is missing.")
        environment = session.get(Environment, job.environment_id)
        if environment is not None:
            note_environment(environment.name)  # the job's later log records name its environment
        ttl = (environment.result_ttl if environment else None) or runtime.settings.result_ttl
        template, rules = engine_templates(job)
        job_options, sealed = dict(job.options or {}), job.secret
        # A document is shared by every upload of its bytes; the job keeps the name it came with.
        filename = job.filename or document.filename
        blob_key, review = document.blob_key, job.document_review
    options = engine_options(job_options, runtime.settings, _password(runtime, sealed, job_options))
    content = runtime.blobs.get(blob_key)
    return JobInput(content, filename, template, rules, options, review, ttl)


def engine_templates(job: Job) -> tuple[Template | None, tuple[FilterRule, ...] | None]:
    """The template, or the filter's rules, pinned on the job when it was created."""
    if job.filter_definition is not None:
        rules = tuple(
            FilterRule(
                document_name=str(rule.get("documentName") or ""),
                description=str(rule.get("description") or ""),
                extract=bool(rule.get("extract", True)),
                template=parse_template(rule["template"]) if rule.get("template") else None,
            )
            for rule in job.filter_definition.get("rules", [])
        )
        return None, rules
    if job.template_definition is None:
        raise ExtractionFailed("The job names neither a template nor a filter.")
    return parse_template(job.template_definition), None


def _password(runtime: WorkerRuntime, sealed: str | None, options: dict[str, Any]) -> str | None:
    """The job's document password, unsealed (jobs of older versions kept it in their options)."""
    if sealed is None:
        return options.get("password") or None
    try:
        return sealed_secrets.unseal(runtime.sessions, sealed)
    except sealed_secrets.SecretUnreadable as exc:
        raise ExtractionFailed("The job's document password does not decrypt with the server key.") from exc


def engine_options(options: dict[str, Any], settings: Settings, password: str | None = None) -> EngineOptions:
    return EngineOptions(
        password=password,
        document_splitting=bool(options.get("documentSplitting", False)),
        return_documents=bool(options.get("returnDocuments", False)),
        return_text=bool(options.get("returnText", False)),
        einvoice=settings.einvoice,
        max_pages=settings.max_pages,
    )


def persist_result(
    runtime: WorkerRuntime,
    token: LeaseToken,
    job_input: JobInput,
    data: dict[str, Any],
    run: RunFacts | None = None,
) -> None:
    """Store the result and finish the job in one transaction, if this worker still holds the lease."""
    status, flagged = JobStatus.COMPLETED, None
    if job_input.document_review is not None:
        templates = [job_input.template] if job_input.template else []
        templates += [rule.template for rule in job_input.filter_rules or () if rule.template]
        flagged = review_flags(data, templates, job_input.document_review).count
        if flagged:
            status = JobStatus.REVIEW_REQUIRED
    now = utcnow()
    with transaction(runtime.sessions) as session:
        expires = now + timedelta(seconds=job_input.result_ttl_s)
        if not JobsRepository(session).finish(
            token, status, flagged_count=flagged, result_expires_at=expires, now=now
        ):
            log.warning("job %s: attempt %d lost its lease; result discarded", token.job_id, token.attempt)
            return
        ResultsRepository(session).save(token.job_id, token.attempt, data, now)
        if run is not None:
            MetricsRepository(session).record_run(
                token.job_id,
                token.attempt,
                run.loader_kind,
                run.pages,
                run.ocr_pages,
                time.monotonic() - run.started,
            )
    log.info("job %s: attempt %d %s", token.job_id, token.attempt, status.value)


def _retry_or_fail(runtime: WorkerRuntime, token: LeaseToken, exc: BaseException) -> None:
    message = _public_message(exc)
    if token.attempt >= runtime.settings.max_attempts:
        log.warning("job %s: transient error on the last attempt: %r", token.job_id, exc)
        if isinstance(exc, BlobNotFound):
            _fail(runtime, token, DocumentMissing.code, DocumentMissing().message)
        else:
            final = (
                f"A temporary fault (storage, database) lasted through all {token.attempt} attempts; "
                f"this failure is final. Last error: {message}"
            )
            _fail(runtime, token, TransientError.code, final)
        return
    delay = RETRY_BASE_DELAY_S * 2 ** (token.attempt - 1)
    log.warning("job %s: transient error, retrying in %.1fs: %s", token.job_id, delay, message)
    _give_back(runtime, token, message, retry_delay_s=delay)


def _public_message(exc: BaseException) -> str:
    """What a fault may tell the client: never a storage path or key (those go to the log)."""
    if isinstance(exc, BlobNotFound):
        return "the document was not found in storage"
    if isinstance(exc, BlobStoreError):
        return "the document storage could not be reached"
    if isinstance(exc, ExtractdError):
        return exc.message
    return f"{type(exc).__name__} from the database"


def _give_back(runtime: WorkerRuntime, token: LeaseToken, message: str, retry_delay_s: float) -> None:
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            available = now + timedelta(seconds=retry_delay_s)
            requeued = JobsRepository(session).retry_later(token, available, message, now)
        if requeued and retry_delay_s > 0:
            runtime.queue.dispatch_later(token.job_id, retry_delay_s)
        elif requeued:
            runtime.queue.dispatch(token.job_id)
    except Exception:
        # The database is still away: the lease will expire and the reaper will requeue the job.
        log.exception("job %s: could not requeue; leaving it to the reaper", token.job_id)


def _fail(runtime: WorkerRuntime, token: LeaseToken, code: str, message: str) -> None:
    try:
        with transaction(runtime.sessions) as session:
            if not JobsRepository(session).fail(token, code, message, utcnow()):
                log.warning("job %s: attempt %d lost its lease before failing", token.job_id, token.attempt)
    except Exception:
        log.exception("job %s: could not record the failure; leaving it to the reaper", token.job_id)


class Heartbeat:
    """Renews the lease every lease_s/3 and writes progress (at most once a second) while a job runs."""

    def __init__(self, sessions: SessionFactory, token: LeaseToken, lease_s: float) -> None:
        self.sessions, self.token, self.lease_s = sessions, token, lease_s
        self.progress = 0
        self.lost = False
        self._written_progress = 0
        self._stopped = threading.Event()
        # Run in a copy of the caller's context, so the heartbeat's log records carry the job id too.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name=f"heartbeat-{token.job_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def report_progress(self, percent: int) -> None:
        """The engine's progress callback: remember the highest percentage, the thread writes it."""
        self.progress = max(self.progress, min(99, int(percent)))

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        renew_every = self.lease_s / 3
        tick = min(renew_every, 1.0)
        last_renewal = utcnow()
        while not self._stopped.wait(tick):
            now = utcnow()
            if self.progress == self._written_progress and (now - last_renewal).total_seconds() < renew_every:
                continue
            if self._beat(now):
                last_renewal = now
            if self.lost:
                return

    def _beat(self, now: datetime) -> bool:
        progress = self.progress
        try:
            with transaction(self.sessions) as session:
                held = JobsRepository(session).renew_lease(self.token, self.lease_s, progress, now)
        except Exception:
            log.warning("job %s: heartbeat failed; retrying", self.token.job_id, exc_info=True)
            return False
        if not held:
            log.warning("job %s: attempt %d lost its lease", self.token.job_id, self.token.attempt)
            self.lost = True
        self._written_progress = progress
        return held
