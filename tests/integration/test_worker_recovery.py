"""Killed workers, lost leases and restarts never lose a job, and never run it twice at once."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.processes import (
    ManagedProcess,
    prepare_database,
    read_job,
    read_result,
    seed_job,
    settings_for,
    start_serve,
    start_worker,
    wait_for_status,
    wait_until,
)
from tests.integration.worker_documents import INVOICE_TEMPLATE, scanned_pdf

from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue

pytestmark = pytest.mark.slow

# Short leases keep the tests quick; 4 s (renewed every 1.3 s) so that a worker starved of CPU on a busy
# machine does not lose a lease it still holds and make an extra attempt.
WORKER_ENV: dict[str, Any] = {"lease_s": 4, "reaper_interval_s": 0.5, "max_attempts": 3}
FINAL = {JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED, JobStatus.FAILED}
# Scanned pages take seconds each to OCR, so the first worker is surely still busy when the test
# kills it (about a second in, after its first lease renewal); more pages only make the test slower.
SLOW_PAGES = 2


@pytest.fixture(scope="module")
def slow_pdf() -> bytes:
    return scanned_pdf(SLOW_PAGES, lines_per_page=12)


def _setup(tmp_path: Path, **env: Any) -> tuple[Settings, JobQueue]:
    settings = settings_for(tmp_path / "data", **(WORKER_ENV | env))
    prepare_database(settings)
    return settings, JobQueue(make_huey(settings), settings)


def _kill_mid_job(settings: Settings, job_id: str, worker: ManagedProcess) -> str:
    """Wait until the worker is running the job (lease renewed at least once), then SIGKILL it."""
    running = wait_for_status(settings, job_id, {JobStatus.PROCESSING}, timeout=60)
    assert running.worker_id is not None
    wait_until(lambda: read_job(settings, job_id).lease_until > running.lease_until, 10, "a lease renewal")
    assert read_job(settings, job_id).status == JobStatus.PROCESSING, "the job finished before the kill"
    worker.kill()
    return running.worker_id


def test_killed_worker_job_is_finished_by_another_worker(tmp_path: Path, slow_pdf: bytes) -> None:
    settings, queue = _setup(tmp_path)
    first = start_worker(settings.data_dir, tmp_path / "logs", name="first", env=WORKER_ENV)
    job_id = seed_job(settings, slow_pdf, INVOICE_TEMPLATE, filename="scan.pdf")
    queue.dispatch(job_id)
    try:
        first_worker_id = _kill_mid_job(settings, job_id, first)
    finally:
        first.stop()
    assert read_job(settings, job_id).status == JobStatus.PROCESSING  # nobody knows yet: the lease runs
    second = start_worker(settings.data_dir, tmp_path / "logs", name="second", env=WORKER_ENV)
    try:
        job = wait_for_status(settings, job_id, FINAL, timeout=240)
    finally:
        second.stop()
    assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message)
    assert job.attempt == 2 and job.worker_id != first_worker_id
    result = read_result(settings, job_id)
    assert result is not None and result.attempt == 2  # written once, by the attempt that held the lease
    # Each attempt ran in exactly one worker, one after the other.
    assert f"job {job_id}: attempt 1 started" in first.logs()
    assert f"job {job_id}: attempt 1 completed" not in first.logs()
    assert f"job {job_id}: attempt 1" not in second.logs()
    assert second.logs().count(f"job {job_id}: attempt 2 started") == 1
    assert f"job {job_id}: attempt 2 completed" in second.logs()


def test_job_fails_worker_lost_after_max_attempts(tmp_path: Path, slow_pdf: bytes) -> None:
    settings, queue = _setup(tmp_path, max_attempts=1)
    env = WORKER_ENV | {"max_attempts": 1}
    first = start_worker(settings.data_dir, tmp_path / "logs", name="first", env=env)
    job_id = seed_job(settings, slow_pdf, INVOICE_TEMPLATE)
    queue.dispatch(job_id)
    try:
        _kill_mid_job(settings, job_id, first)
    finally:
        first.stop()
    reaper = start_worker(settings.data_dir, tmp_path / "logs", name="reaper", env=env)
    try:
        job = wait_for_status(settings, job_id, FINAL, timeout=60)
    finally:
        reaper.stop()
    assert (job.status, job.error_code, job.attempt) == (JobStatus.FAILED, "WORKER_LOST", 1)


def test_serve_restart_completes_queued_and_interrupted_jobs(
    tmp_path: Path, slow_pdf: bytes, invoice_pdf: bytes
) -> None:
    settings, queue = _setup(tmp_path)
    serve = start_serve(settings.data_dir, tmp_path / "logs", name="serve-1", workers=1, env=WORKER_ENV)
    assert serve.extra["api_key"], serve.logs()  # the first start prints the key of `default`
    assert httpx.get(f"{serve.base_url}/openapi.json", timeout=5).status_code == 200
    interrupted = seed_job(settings, slow_pdf, INVOICE_TEMPLATE)
    queue.dispatch(interrupted)
    wait_for_status(settings, interrupted, {JobStatus.PROCESSING}, timeout=60)
    assert serve.stop() == 0
    # SIGTERM made the worker hand its job back instead of leaving it to the lease.
    assert read_job(settings, interrupted).status == JobStatus.QUEUED

    dispatched = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
    queue.dispatch(dispatched)  # waits in the queue while nothing runs
    undispatched = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)  # its message was lost
    serve = start_serve(settings.data_dir, tmp_path / "logs", name="serve-2", workers=1, env=WORKER_ENV)
    try:
        assert serve.extra["api_key"] is None  # not a first start: no new key
        jobs = [
            wait_for_status(settings, job_id, FINAL, timeout=300)
            for job_id in (dispatched, undispatched, interrupted)
        ]
    finally:
        serve.stop()
    assert [job.status for job in jobs] == [JobStatus.COMPLETED] * 3, [
        (j.error_code, j.error_message) for j in jobs
    ]
    assert jobs[2].attempt == 2


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()} if path.exists() else set()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie waiting for its parent to reap it is gone too.
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def test_serve_restarts_a_worker_that_died(tmp_path: Path, invoice_pdf: bytes) -> None:
    settings, queue = _setup(tmp_path)
    serve = start_serve(settings.data_dir, tmp_path / "logs", workers=1, env=WORKER_ENV)
    try:
        [consumer] = serve.consumer_pids()
        job_processes = _children(consumer)
        assert job_processes
        os.kill(consumer, signal.SIGKILL)
        wait_until(lambda: len(serve.consumer_pids()) == 2, 60, "serve to start a new worker")
        # The dead consumer's job processes did not linger as orphans.
        wait_until(lambda: all(_gone(pid) for pid in job_processes), 10, "the orphaned job processes to exit")
        job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
        queue.dispatch(job_id)
        assert wait_for_status(settings, job_id, FINAL, timeout=120).status == JobStatus.COMPLETED
    finally:
        assert serve.stop() == 0
