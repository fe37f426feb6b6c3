"""The reaper: the periodic sweep that makes lost messages, dead workers and restarts harmless.

Each pass, every step in its own transaction and each conditional, so several reapers (one per worker
machine) can run at once:

1. jobs ``processing`` whose lease expired → ``queued`` and dispatched again, or ``failed`` with
   ``WORKER_LOST`` once they used up ``max_attempts`` or lost their lease a second time (a job that
   froze or killed one worker is not handed to the next to do it again);
2. jobs ``queued`` that nobody claimed for a while → dispatched again (the message may be lost);
3. jobs ``pending`` whose environment has a free slot (EXTRACTD_ENV_CONCURRENCY) → admitted and
   dispatched (normally the worker does it as a run ends; this covers a worker that died meanwhile);
4. results past ``result_expires_at`` → payload deleted, ``result_purged_at`` set, and the uploaded
   document's blob deleted too unless another job still needs it (the document row stays);
5. expired idempotency records → deleted;
6. presigned uploads a day past their URL's expiry → row and any bytes left at its key deleted.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete

from extractd.config import Settings
from extractd.domain.errors import WorkerLost
from extractd.queue.fairness import admit_all
from extractd.queue.tasks import JobQueue
from extractd.store.blobs import BlobStore, open_blob_store
from extractd.store.db import SessionFactory, transaction
from extractd.store.models import IdempotencyRecord, utcnow
from extractd.store.repositories import DocumentsRepository, JobsRepository, ResultsRepository
from extractd.store.repositories.uploads import UploadsRepository

log = logging.getLogger(__name__)

# A queued job with no claim for this long gets a new message (at most once per period).
MIN_STALE_QUEUED_S = 5.0
# How long an expired upload's row (and unconfirmed bytes) is kept: a client whose PUT arrived in time
# can still confirm for this long; afterwards confirm-upload answers UPLOAD_NOT_FOUND.
UPLOAD_KEPT_AFTER_EXPIRY = timedelta(days=1)
# The lease losses after which a job fails WORKER_LOST instead of going back to the queue.
MAX_LEASE_LOSSES = 2


@dataclass
class ReaperReport:
    requeued: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    redispatched: list[str] = field(default_factory=list)
    admitted: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    blobs_deleted: list[str] = field(default_factory=list)
    idempotency_deleted: int = 0
    uploads_blobs_deleted: list[str] = field(default_factory=list)


class Reaper:
    def __init__(
        self, settings: Settings, sessions: SessionFactory, queue: JobQueue, blobs: BlobStore | None = None
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.queue = queue
        self.blobs = blobs or open_blob_store(settings)
        self.stale_after = timedelta(seconds=max(MIN_STALE_QUEUED_S, 2 * settings.reaper_interval_s))

    def run_once(self, now: datetime | None = None) -> ReaperReport:
        now = now or utcnow()
        report = ReaperReport()
        for step in (
            self._expired_leases,
            self._stale_queued,
            self._admit_pending,
            self._expired_results,
            self._idempotency,
            self._expired_uploads,
        ):
            try:
                step(now, report)
            except Exception:
                # One failing step (the database blinked) must not stop the others or the next pass.
                log.exception("reaper step %s failed", step.__name__)
        return report

    def run_forever(self, stop: threading.Event) -> None:
        log.info("reaper running every %.1fs", self.settings.reaper_interval_s)
        while not stop.wait(self.settings.reaper_interval_s):
            report = self.run_once()
            if report.requeued or report.lost or report.redispatched or report.purged:
                log.info(
                    "reaper: requeued %d, lost %d, redispatched %d, purged %d",
                    len(report.requeued),
                    len(report.lost),
                    len(report.redispatched),
                    len(report.purged),
                )

    def _expired_leases(self, now: datetime, report: ReaperReport) -> None:
        with transaction(self.sessions) as session:
            expired = JobsRepository(session).expired_leases(now)
        for job_id, attempt in expired:
            with transaction(self.sessions) as session:
                jobs = JobsRepository(session)
                if attempt < self.settings.max_attempts and jobs.requeue_expired(
                    job_id, attempt, now, max_losses=MAX_LEASE_LOSSES
                ):
                    report.requeued.append(job_id)
                elif jobs.fail_expired(job_id, attempt, WorkerLost.code, _lost_message(attempt), now):
                    report.lost.append(job_id)
            if job_id in report.requeued:
                self.queue.dispatch(job_id)

    def _stale_queued(self, now: datetime, report: ReaperReport) -> None:
        with transaction(self.sessions) as session:
            stale = JobsRepository(session).stale_queued(now - self.stale_after)
        # While the queue still holds at least one message per stale job, the workers are just busy:
        # sending more would only pile up duplicates behind them.
        if not stale or self.queue.pending_count() >= len(stale):
            return
        for job_id in stale:
            with transaction(self.sessions) as session:
                touched = JobsRepository(session).touch_dispatched(job_id, now)
            if touched:
                self.queue.dispatch(job_id)
                report.redispatched.append(job_id)

    def _admit_pending(self, now: datetime, report: ReaperReport) -> None:
        report.admitted = admit_all(self.sessions, self.queue, self.settings.env_concurrency)

    def _expired_results(self, now: datetime, report: ReaperReport) -> None:
        with transaction(self.sessions) as session:
            report.purged = ResultsRepository(session).purge_expired(now)
            free = DocumentsRepository(session).blobs_free_after_purge(report.purged)
        report.blobs_deleted = self._delete_blobs(free, "expired document")

    def _expired_uploads(self, now: datetime, report: ReaperReport) -> None:
        with transaction(self.sessions) as session:
            left = UploadsRepository(session).delete_expired(now - UPLOAD_KEPT_AFTER_EXPIRY)
        report.uploads_blobs_deleted = self._delete_blobs(left, "expired upload")

    def _delete_blobs(self, blob_keys: list[str], what: str) -> list[str]:
        """After the commit that let them go: one whose delete fails is left over, never one still needed."""
        deleted = []
        for blob_key in blob_keys:
            try:
                self.blobs.delete(blob_key)
            except Exception:
                log.warning("reaper: could not delete the %s %s", what, blob_key, exc_info=True)
            else:
                deleted.append(blob_key)
        return deleted

    def _idempotency(self, now: datetime, report: ReaperReport) -> None:
        with transaction(self.sessions) as session:
            result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now))
            report.idempotency_deleted = int(result.rowcount)  # type: ignore[attr-defined]


def _lost_message(attempt: int) -> str:
    return (
        f"The job's worker died or stopped responding while running it (attempt {attempt}), once too "
        "often: it is not handed to another worker again. This failure is final."
    )
