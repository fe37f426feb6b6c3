"""Batch runs in the store: counts recounted from the run's jobs in the transaction of each transition,
with their ``job_run.*`` events in the outbox; on SQLite and PostgreSQL (fixtures of test_repositories)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from tests.integration.test_repositories import claim, seed, sessions, settings

from extractd.domain.jobs import JobStatus
from extractd.store.db import SessionFactory, transaction
from extractd.store.models import Job, JobRun, WebhookEndpoint, WebhookMessage, utcnow
from extractd.store.repositories import JobsRepository, LeaseToken
from extractd.store.repositories.job_runs import JobRunsRepository

__all__ = ["sessions", "settings"]  # the parametrised SQLite/PostgreSQL fixtures


def make_run(sessions: SessionFactory, size: int) -> tuple[str, list[str]]:
    """A run of `size` queued jobs in a fresh environment with a webhook receiving every event."""
    first = seed(sessions)
    with transaction(sessions) as session:
        session.add(
            WebhookEndpoint(
                environment_id=first.environment_id, url="https://hooks.example/x", events=["*"], secret="s"
            )
        )
        now = utcnow()
        run = JobRunsRepository(session).add(
            JobRun(
                environment_id=first.environment_id,
                job_type="EXTRACTION",
                status="QUEUED",
                total_jobs=size,
                created_at=now,
                updated_at=now,
            ),
            now,
        )
        job_ids = [first.job_id]
        template = session.get(Job, first.job_id)
        assert template is not None
        template.parent_run_id = run.id
        for _ in range(size - 1):
            job = Job(
                environment_id=first.environment_id,
                document_id=first.document_id,
                status=JobStatus.QUEUED,
                parent_run_id=run.id,
                template_name="invoice",
                template_definition=template.template_definition,
                queued_at=now,
            )
            job_ids.append(JobsRepository(session).add(job).id)
        return run.id, job_ids


def run_row(sessions: SessionFactory, run_id: str) -> JobRun:
    with sessions() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


def run_events(sessions: SessionFactory) -> list[tuple[str, dict[str, object]]]:
    with sessions() as session:
        query = (
            select(WebhookMessage)
            .where(WebhookMessage.event_type.startswith("job_run."))
            .order_by(WebhookMessage.created_at, WebhookMessage.id)
        )
        return [(message.event_type, message.payload["data"]) for message in session.scalars(query)]


def finish(sessions: SessionFactory, token: LeaseToken) -> None:
    with transaction(sessions) as session:
        now = utcnow()
        assert JobsRepository(session).finish(
            token, JobStatus.COMPLETED, flagged_count=None, result_expires_at=now + timedelta(days=1), now=now
        )


def test_a_run_counts_its_jobs_as_they_end_and_announces_it(sessions: SessionFactory) -> None:
    run_id, (done, failing, cancelled) = make_run(sessions, 3)
    assert run_events(sessions)[0][0] == "job_run.created"
    assert run_row(sessions, run_id).status == "QUEUED"

    token = claim(sessions, done)
    assert token is not None
    assert run_row(sessions, run_id).status == "PROCESSING"
    finish(sessions, token)
    failing_token = claim(sessions, failing)
    assert failing_token is not None
    with transaction(sessions) as session:
        assert JobsRepository(session).fail(failing_token, "CORRUPT_FILE", "bad", utcnow())
    run = run_row(sessions, run_id)
    assert (run.status, run.completed_jobs, run.failed_jobs) == ("PROCESSING", 1, 1)
    assert run.completed_at is None

    with transaction(sessions) as session:
        assert JobsRepository(session).cancel(cancelled, utcnow())
    run = run_row(sessions, run_id)
    assert (run.status, run.total_jobs, run.completed_jobs, run.failed_jobs) == ("COMPLETED", 3, 1, 2)
    assert run.completed_at is not None
    events = run_events(sessions)
    assert sorted(event for event, _ in events) == [
        "job_run.completed",
        "job_run.created",
        "job_run.progress",
        "job_run.progress",
        "job_run.progress",
    ]
    completed = next(data for event, data in events if event == "job_run.completed")
    assert completed["completedJobs"] == 1 and completed["failedJobs"] == 2
    assert completed["status"] == "COMPLETED" and completed["id"] == run_id

    # a restarted job makes the run unfinished again
    with transaction(sessions) as session:
        assert JobsRepository(session).restart(failing, JobStatus.QUEUED, utcnow())
    run = run_row(sessions, run_id)
    assert (run.status, run.failed_jobs, run.completed_at) == ("PROCESSING", 1, None)
    assert [event for event, _ in run_events(sessions)].count("job_run.progress") == 4


def test_jobs_of_one_run_ending_at_once_lose_no_count(sessions: SessionFactory) -> None:
    size = 6
    run_id, job_ids = make_run(sessions, size)
    tokens = [claim(sessions, job_id, f"w{index}") for index, job_id in enumerate(job_ids)]
    barrier = threading.Barrier(size)
    failures: list[BaseException] = []

    def end(token: LeaseToken | None) -> None:
        assert token is not None
        barrier.wait()
        try:
            finish(sessions, token)
        except BaseException as exc:  # reported below: a thread's exception would be lost
            failures.append(exc)

    threads = [threading.Thread(target=end, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    run = run_row(sessions, run_id)
    assert (run.status, run.completed_jobs, run.failed_jobs) == ("COMPLETED", size, 0)
    events = [event for event, _ in run_events(sessions)]
    assert events.count("job_run.completed") == 1
    assert events.count("job_run.progress") == size


def test_deleting_a_waiting_job_of_a_run_completes_the_run_without_it(sessions: SessionFactory) -> None:
    run_id, (done, waiting) = make_run(sessions, 2)
    token = claim(sessions, done)
    assert token is not None
    finish(sessions, token)
    assert (run_row(sessions, run_id).status, run_row(sessions, run_id).completed_jobs) == ("PROCESSING", 1)

    with transaction(sessions) as session:
        job = session.get(Job, waiting)
        assert job is not None
        JobsRepository(session).delete(job, utcnow())
    run = run_row(sessions, run_id)
    assert (run.status, run.total_jobs, run.completed_jobs, run.failed_jobs) == ("COMPLETED", 1, 1, 0)
    assert [event for event, _ in run_events(sessions)].count("job_run.completed") == 1
