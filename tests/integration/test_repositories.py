"""Repositories and the worker protocol's conditional updates, on SQLite and on PostgreSQL.

The same tests run on both backends (`postgres` cases need EXTRACTD_TEST_POSTGRES_URL; a configured
server that cannot be reached fails the test). Each PostgreSQL case gets a fresh database.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.reaper import Reaper
from extractd.queue.tasks import JobQueue
from extractd.store.blobs import BlobNotFound, LocalBlobStore
from extractd.store.db import SessionFactory, create_db_engine, make_session_factory, transaction
from extractd.store.migrate import upgrade_to_head
from extractd.store.models import Document, Environment, IdempotencyRecord, Job, utcnow
from extractd.store.repositories import (
    DocumentsRepository,
    JobsRepository,
    LeaseToken,
    ResultsRepository,
    document_blob_key,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_database")
    settings = Settings(data_dir=tmp_path / "data", database_url=url, lease_s=2, max_attempts=2)
    settings.data_dir.mkdir(parents=True)
    upgrade_to_head(settings)
    return settings


@pytest.fixture
def sessions(settings: Settings) -> Iterator[SessionFactory]:
    engine = create_db_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


@dataclass
class Seeded:
    environment_id: str
    document_id: str
    job_id: str


def seed(sessions: SessionFactory, status: JobStatus = JobStatus.QUEUED, env_name: str = "default") -> Seeded:
    with transaction(sessions) as session:
        env = session.query(Environment).filter_by(name=env_name).one_or_none()
        if env is None:
            env = Environment(name=env_name)
            session.add(env)
            session.flush()
        document = DocumentsRepository(session).add(
            Document(
                environment_id=env.id,
                blob_key="x",
                filename="a.pdf",
                content_type="application/pdf",
                size=1,
                sha256=secrets.token_hex(32),  # documents are unique by content per environment
            )
        )
        job = JobsRepository(session).add(
            Job(
                environment_id=env.id,
                document_id=document.id,
                status=status,
                template_name="invoice",
                template_definition={"name": "invoice", "fields": [{"name": "total", "type": "money"}]},
                queued_at=utcnow(),
            )
        )
        return Seeded(env.id, document.id, job.id)


def job_row(sessions: SessionFactory, job_id: str) -> Job:
    with transaction(sessions) as session:
        job = JobsRepository(session).get(job_id)
        assert job is not None
        return job


def claim(
    sessions: SessionFactory, job_id: str, worker: str = "w1", lease_s: float = 2.0
) -> LeaseToken | None:
    with transaction(sessions) as session:
        return JobsRepository(session).claim(job_id, worker, lease_s, utcnow())


def test_migrations_create_every_table_and_are_idempotent(settings: Settings) -> None:
    upgrade_to_head(settings)  # a second start is a no-op
    engine = create_db_engine(settings)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "environments",
        "api_keys",
        "templates",
        "template_versions",
        "filters",
        "documents",
        "jobs",
        "job_results",
        "idempotency_keys",
        "alembic_version",
    } <= tables


def test_claim_takes_a_queued_job_once(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    token = claim(sessions, job_id, "w1")
    assert token == LeaseToken(job_id, "w1", 1)
    assert claim(sessions, job_id, "w2") is None
    job = job_row(sessions, job_id)
    assert (job.status, job.attempt, job.worker_id) == (JobStatus.PROCESSING, 1, "w1")
    assert job.lease_until is not None and job.lease_until > utcnow()
    assert job.started_at is not None


def test_concurrent_claims_have_exactly_one_winner(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    barrier = threading.Barrier(8)
    winners: list[LeaseToken] = []

    def contend(index: int) -> None:
        barrier.wait()
        token = claim(sessions, job_id, f"w{index}")
        if token:
            winners.append(token)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert job_row(sessions, job_id).worker_id == winners[0].worker_id


@pytest.mark.parametrize(
    "status", [JobStatus.PENDING, JobStatus.CANCELLED, JobStatus.COMPLETED, JobStatus.FAILED]
)
def test_only_queued_jobs_can_be_claimed(sessions: SessionFactory, status: JobStatus) -> None:
    assert claim(sessions, seed(sessions, status).job_id) is None


def test_claim_waits_for_the_retry_backoff(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    token = claim(sessions, job_id)
    assert token
    with transaction(sessions) as session:
        assert JobsRepository(session).retry_later(
            token, utcnow() + timedelta(hours=1), "blob away", utcnow()
        )
    assert job_row(sessions, job_id).status == JobStatus.QUEUED
    assert claim(sessions, job_id) is None  # still backing off
    with transaction(sessions) as session:
        session.get(Job, job_id).available_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert claim(sessions, job_id) == LeaseToken(job_id, "w1", 2)


def test_heartbeat_needs_the_current_lease(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    token = claim(sessions, job_id)
    assert token
    with transaction(sessions) as session:
        jobs = JobsRepository(session)
        assert jobs.renew_lease(token, 30, 40, utcnow())
        assert not jobs.renew_lease(LeaseToken(job_id, "w1", 2), 30, 50, utcnow())
        assert not jobs.renew_lease(LeaseToken(job_id, "other", 1), 30, 50, utcnow())
    job = job_row(sessions, job_id)
    assert job.progress == 40
    assert job.lease_until is not None and job.lease_until > utcnow() + timedelta(seconds=20)


def test_finish_stores_the_result_only_while_holding_the_lease(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    stale = claim(sessions, job_id, "w1", lease_s=0.01)
    assert stale
    later = utcnow() + timedelta(seconds=1)
    with transaction(sessions) as session:
        assert JobsRepository(session).expired_leases(later) == [(job_id, 1)]
        assert JobsRepository(session).requeue_expired(job_id, 1, later)
    fresh = claim(sessions, job_id, "w2")
    assert fresh == LeaseToken(job_id, "w2", 2)
    expires = utcnow() + timedelta(days=1)
    with transaction(sessions) as session:
        jobs = JobsRepository(session)
        assert not jobs.finish(
            stale, JobStatus.COMPLETED, flagged_count=None, result_expires_at=expires, now=utcnow()
        )
        assert not jobs.fail(stale, "EXTRACTION_FAILED", "late", utcnow())
        assert jobs.finish(
            fresh, JobStatus.REVIEW_REQUIRED, flagged_count=3, result_expires_at=expires, now=utcnow()
        )
        ResultsRepository(session).save(job_id, fresh.attempt, {"documents": []}, utcnow())
    job = job_row(sessions, job_id)
    assert (job.status, job.review_flagged_count, job.progress) == (JobStatus.REVIEW_REQUIRED, 3, 100)
    assert job.review_required_at is not None and job.lease_until is None
    with transaction(sessions) as session:
        result = ResultsRepository(session).get(job_id)
        assert result is not None and result.attempt == 2 and result.data == {"documents": []}
        assert JobsRepository(session).approve_review(job_id, utcnow())
    assert job_row(sessions, job_id).status == JobStatus.COMPLETED


def test_fail_records_the_error(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    token = claim(sessions, job_id)
    assert token
    with transaction(sessions) as session:
        assert JobsRepository(session).fail(token, "CORRUPT_FILE", "The file is damaged.", utcnow())
    job = job_row(sessions, job_id)
    assert (job.status, job.error_code, job.error_message) == (
        JobStatus.FAILED,
        "CORRUPT_FILE",
        "The file is damaged.",
    )
    assert job.failed_at is not None


def test_expired_lease_requeue_is_conditional_on_the_attempt(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    assert claim(sessions, job_id, lease_s=0.01)
    later = utcnow() + timedelta(seconds=1)
    with transaction(sessions) as session:
        jobs = JobsRepository(session)
        assert not jobs.requeue_expired(job_id, 7, later)  # a different attempt: not this one's to touch
        assert not jobs.requeue_expired(job_id, 1, utcnow() - timedelta(seconds=5))  # lease not expired then
        assert jobs.fail_expired(job_id, 1, "WORKER_LOST", "lost", later)
    assert job_row(sessions, job_id).error_code == "WORKER_LOST"


def test_cancel_and_restart(sessions: SessionFactory) -> None:
    queued = seed(sessions).job_id
    running = seed(sessions).job_id
    assert claim(sessions, running)
    with transaction(sessions) as session:
        jobs = JobsRepository(session)
        assert jobs.cancel(queued, utcnow())
        assert not jobs.cancel(running, utcnow())
    assert job_row(sessions, queued).status == JobStatus.CANCELLED
    with transaction(sessions) as session:
        session.get(Job, queued).attempt = 3  # type: ignore[union-attr]  # its retry budget used up
        ResultsRepository(session).save(queued, 1, {"old": True}, utcnow())
        assert JobsRepository(session).restart(queued, JobStatus.QUEUED, utcnow())
        assert not JobsRepository(session).restart(running, JobStatus.QUEUED, utcnow())  # processing
        assert not JobsRepository(session).restart(queued, JobStatus.QUEUED, utcnow())  # queued already
        assert ResultsRepository(session).get(queued) is None
    job = job_row(sessions, queued)
    assert (job.status, job.error_code, job.cancelled_at) == (JobStatus.QUEUED, None, None)
    assert job.attempt == 0  # a restart is a new attempt with a fresh retry budget


def test_stale_queued_jobs_are_found_once_per_period(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    soon = utcnow() + timedelta(seconds=10)
    with transaction(sessions) as session:
        jobs = JobsRepository(session)
        assert jobs.stale_queued(utcnow() - timedelta(seconds=10)) == []
        assert jobs.stale_queued(soon) == [job_id]
        assert jobs.touch_dispatched(job_id, soon)
        assert jobs.stale_queued(soon) == []


def test_results_replace_and_purge(sessions: SessionFactory) -> None:
    job_id = seed(sessions).job_id
    token = claim(sessions, job_id)
    assert token
    with transaction(sessions) as session:
        JobsRepository(session).finish(
            token,
            JobStatus.COMPLETED,
            flagged_count=None,
            result_expires_at=utcnow() + timedelta(seconds=1),
            now=utcnow(),
        )
        results = ResultsRepository(session)
        results.save(job_id, 1, {"v": 1}, utcnow())
        results.save(job_id, 1, {"v": 2}, utcnow())
    with transaction(sessions) as session:
        assert ResultsRepository(session).purge_expired(utcnow()) == []
        assert ResultsRepository(session).get(job_id).data == {"v": 2}  # type: ignore[union-attr]
        assert ResultsRepository(session).purge_expired(utcnow() + timedelta(seconds=2)) == [job_id]
        assert ResultsRepository(session).get(job_id) is None
    job = job_row(sessions, job_id)
    assert job.result_purged_at is not None and job.status == JobStatus.COMPLETED


def test_documents_are_scoped_to_their_environment(sessions: SessionFactory) -> None:
    mine = seed(sessions, env_name="a")
    other = seed(sessions, env_name="b")
    with transaction(sessions) as session:
        documents = DocumentsRepository(session)
        assert documents.get(mine.document_id, mine.environment_id) is not None
        assert documents.get(mine.document_id, other.environment_id) is None
        assert documents.is_referenced(mine.document_id)
        jobs = JobsRepository(session)
        assert jobs.get(mine.job_id, other.environment_id) is None
        assert [job.id for job in jobs.list_for_environment(mine.environment_id)] == [mine.job_id]
    assert document_blob_key("e", "d") == "documents/e/d"


def test_reaper_pass_on_this_backend(settings: Settings, sessions: SessionFactory) -> None:
    """One reaper pass: requeues an expired lease, fails one out of attempts, purges, forgets keys."""
    queue = JobQueue(make_huey(settings), settings)
    second_try = seed(sessions).job_id
    last_try = seed(sessions)
    assert claim(sessions, second_try, lease_s=0.01)
    with transaction(sessions) as session:
        session.get(Job, last_try.job_id).attempt = settings.max_attempts - 1  # type: ignore[union-attr]
        session.add(
            IdempotencyRecord(
                environment_id=last_try.environment_id,
                key="k",
                request_hash="h",
                state="done",
                expires_at=utcnow() - timedelta(seconds=1),
            )
        )
    assert claim(sessions, last_try.job_id, lease_s=0.01)
    report = Reaper(settings, sessions, queue).run_once(utcnow() + timedelta(seconds=1))
    assert report.requeued == [second_try]
    assert report.lost == [last_try.job_id]
    assert report.idempotency_deleted == 1
    assert job_row(sessions, second_try).status == JobStatus.QUEUED
    lost = job_row(sessions, last_try.job_id)
    assert (lost.status, lost.error_code) == (JobStatus.FAILED, "WORKER_LOST")
    assert queue.pending_count() == 1  # the requeued job was dispatched again


def test_local_blob_store(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("documents/e/d", b"%PDF-1.7")
    assert store.exists("documents/e/d")
    assert store.get("documents/e/d") == b"%PDF-1.7"
    store.put("documents/e/d", b"new")  # replaced atomically
    assert store.get("documents/e/d") == b"new"
    assert [p.name for p in (tmp_path / "blobs/documents/e").iterdir()] == ["d"]  # no temp files left
    store.delete("documents/e/d")
    store.delete("documents/e/d")
    assert not store.exists("documents/e/d")
    with pytest.raises(BlobNotFound):
        store.get("documents/e/d")
    for bad in ("../escape", "a//b", "/abs", "a/../b"):
        with pytest.raises(ValueError, match="invalid blob key"):
            store.put(bad, b"")


def test_a_review_is_decided_once(sessions: SessionFactory) -> None:
    """reject_review and approve_review move only a job awaiting review; the first decision wins."""
    rejected = seed(sessions, JobStatus.REVIEW_REQUIRED).job_id
    approved = seed(sessions, JobStatus.REVIEW_REQUIRED).job_id
    queued = seed(sessions).job_id
    with transaction(sessions) as session:
        ResultsRepository(session).save(rejected, 1, {"documents": []}, utcnow())
        jobs = JobsRepository(session)
        assert jobs.reject_review(rejected, "REVIEW_REJECTED", "Rejected in review: wrong vendor", utcnow())
        assert not jobs.approve_review(rejected, utcnow())
        assert not jobs.reject_review(rejected, "REVIEW_REJECTED", "again", utcnow())
        assert jobs.approve_review(approved, utcnow())
        assert not jobs.reject_review(approved, "REVIEW_REJECTED", "late", utcnow())
        assert not jobs.reject_review(queued, "REVIEW_REJECTED", "not in review", utcnow())
        assert ResultsRepository(session).replace_data(rejected, {"documents": [], "review": {"action": "x"}})
        assert not ResultsRepository(session).replace_data(queued, {})
    job = job_row(sessions, rejected)
    assert (job.status, job.error_code, job.error_message) == (
        JobStatus.FAILED,
        "REVIEW_REJECTED",
        "Rejected in review: wrong vendor",
    )
    assert job.failed_at is not None
    assert (job_row(sessions, approved).status, job_row(sessions, queued).status) == (
        JobStatus.COMPLETED,
        JobStatus.QUEUED,
    )
    with transaction(sessions) as session:
        result = ResultsRepository(session).get(rejected)
        assert result is not None and result.data["review"] == {"action": "x"}


# --- bounded work and retention (issue 8) ---------------------------------------------------------
def _settings_with(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


def test_a_job_that_loses_its_lease_twice_is_failed_not_handed_on(
    settings: Settings, sessions: SessionFactory
) -> None:
    settings = _settings_with(settings, max_attempts=5)  # attempts left: only the lease losses stop it
    reaper = Reaper(settings, sessions, JobQueue(make_huey(settings), settings))
    job_id = seed(sessions).job_id
    assert claim(sessions, job_id, "w1", lease_s=0.01)
    assert reaper.run_once(utcnow() + timedelta(seconds=1)).requeued == [job_id]
    assert job_row(sessions, job_id).lease_losses == 1
    assert claim(sessions, job_id, "w2", lease_s=0.01)
    report = reaper.run_once(utcnow() + timedelta(seconds=1))
    assert (report.requeued, report.lost) == ([], [job_id])
    job = job_row(sessions, job_id)
    assert (job.status, job.error_code, job.attempt) == (JobStatus.FAILED, "WORKER_LOST", 2)
    assert "final" in (job.error_message or "")


def test_watchdog_renews_leases_from_outside_and_kills_a_job_past_its_time(
    settings: Settings, sessions: SessionFactory
) -> None:
    import socket
    import subprocess

    from extractd.queue.watchdog import JobWatchdog, worker_id_prefix

    settings = _settings_with(settings, job_timeout_s=30, lease_s=2)
    # Two stand-ins for job processes that never answer: the watchdog must act on them from outside.
    busy, runaway = (subprocess.Popen(["sleep", "60"]) for _ in range(2))
    try:
        fresh, old = seed(sessions).job_id, seed(sessions).job_id
        fresh_token = claim(sessions, fresh, worker_id_prefix(busy.pid) + "a1", lease_s=2)
        old_token = claim(sessions, old, worker_id_prefix(runaway.pid) + "b2", lease_s=2)
        assert fresh_token and old_token
        with transaction(sessions) as session:  # the runaway started 31 s ago
            session.get(Job, old).started_at = utcnow() - timedelta(seconds=31)  # type: ignore[union-attr]
        leased_until = job_row(sessions, fresh).lease_until
        watchdog = JobWatchdog(settings, sessions, lambda: [busy.pid, runaway.pid, 999_999])
        assert socket.gethostname() in fresh_token.worker_id
        stopped = watchdog.run_once(utcnow() + timedelta(seconds=1))
        assert stopped == [old]
        assert runaway.wait(timeout=5) == -9  # SIGKILL
        assert busy.poll() is None
        assert job_row(sessions, fresh).lease_until > leased_until  # renewed, though nobody beat
        assert job_row(sessions, fresh).status == JobStatus.PROCESSING
        timed_out = job_row(sessions, old)
        assert (timed_out.status, timed_out.error_code) == (JobStatus.FAILED, "JOB_TIMEOUT")
    finally:
        for process in (busy, runaway):
            process.kill()
            process.wait()


def _complete_expired(sessions: SessionFactory, job_id: str) -> None:
    token = claim(sessions, job_id)
    assert token is not None
    past = utcnow() - timedelta(seconds=10)
    with transaction(sessions) as session:
        assert JobsRepository(session).finish(
            token, JobStatus.COMPLETED, flagged_count=None, result_expires_at=past, now=past
        )
        ResultsRepository(session).save(job_id, token.attempt, {"documents": []}, past)


def test_expiry_deletes_the_document_blob_once_no_job_needs_it(
    settings: Settings, sessions: SessionFactory, tmp_path: Path
) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    reaper = Reaper(settings, sessions, JobQueue(make_huey(settings), settings), blobs)
    first = seed(sessions)
    second = seed(sessions)  # a second job on the first job's document (as a re-extraction would be)
    alone = seed(sessions)
    with transaction(sessions) as session:
        session.get(Job, second.job_id).document_id = first.document_id  # type: ignore[union-attr]
        for seeded in (first, alone):
            document = session.get(Document, seeded.document_id)
            assert document is not None
            document.blob_key = document_blob_key(seeded.environment_id, seeded.document_id)
            blobs.put(document.blob_key, b"%PDF-1.7")
    shared_key = document_blob_key(first.environment_id, first.document_id)
    alone_key = document_blob_key(alone.environment_id, alone.document_id)
    _complete_expired(sessions, first.job_id)
    _complete_expired(sessions, alone.job_id)
    report = reaper.run_once()
    assert sorted(report.purged) == sorted([first.job_id, alone.job_id])
    assert report.blobs_deleted == [alone_key]
    assert not blobs.exists(alone_key)
    assert blobs.exists(shared_key)  # the second job (still queued) needs it
    _complete_expired(sessions, second.job_id)
    assert reaper.run_once().blobs_deleted == [shared_key]
    assert not blobs.exists(shared_key)


# --- fairness: EXTRACTD_ENV_CONCURRENCY -------------------------------------------------------------
def admit(sessions: SessionFactory, environment_id: str, limit: int) -> list[str]:
    with transaction(sessions) as session:
        return JobsRepository(session).admit_pending(environment_id, limit, utcnow())


def test_admission_fills_free_slots_with_the_oldest_pending_jobs(sessions: SessionFactory) -> None:
    pending = [seed(sessions, JobStatus.PENDING, env_name="flood") for _ in range(5)]
    other = seed(sessions, JobStatus.PENDING, env_name="other")
    env = pending[0].environment_id
    assert admit(sessions, env, 2) == [pending[0].job_id, pending[1].job_id]
    assert admit(sessions, env, 2) == []  # both slots taken (queued counts as well as processing)
    assert claim(sessions, pending[0].job_id) is not None
    assert admit(sessions, env, 2) == []
    assert job_row(sessions, other.job_id).status == JobStatus.PENDING  # another environment's job
    token = claim(sessions, pending[1].job_id)
    assert token is not None
    with transaction(sessions) as session:
        assert JobsRepository(session).fail(token, "X", "x", utcnow())
    assert admit(sessions, env, 2) == [pending[2].job_id]  # a slot freed: exactly one more
    assert job_row(sessions, pending[2].job_id).status == JobStatus.QUEUED
    assert admit(sessions, env, 0) == [pending[3].job_id, pending[4].job_id]  # 0: no limit


def test_concurrent_admissions_never_exceed_the_limit(sessions: SessionFactory) -> None:
    pending = [seed(sessions, JobStatus.PENDING, env_name="flood") for _ in range(10)]
    env = pending[0].environment_id
    barrier = threading.Barrier(8)
    admitted: list[str] = []

    def contend() -> None:
        barrier.wait()
        admitted.extend(admit(sessions, env, 3))

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(admitted) == sorted(job.job_id for job in pending[:3])
    statuses = [job_row(sessions, job.job_id).status for job in pending]
    assert statuses.count(JobStatus.QUEUED) == 3 and statuses.count(JobStatus.PENDING) == 7


def test_reaper_admits_pending_jobs_into_free_slots(settings: Settings, sessions: SessionFactory) -> None:
    settings = settings.model_copy(update={"env_concurrency": 1})
    first = seed(sessions, JobStatus.PENDING, env_name="flood")
    second = seed(sessions, JobStatus.PENDING, env_name="flood")
    queue = JobQueue(make_huey(settings), settings)
    report = Reaper(settings, sessions, queue).run_once()
    assert report.admitted == [first.job_id]
    assert job_row(sessions, second.job_id).status == JobStatus.PENDING
    assert queue.pending_count() == 1  # the admitted job was dispatched, the held-back one was not
