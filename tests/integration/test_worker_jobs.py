"""A real `extractd worker` process runs jobs created through the repositories: outcomes and retries."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from tests.integration.processes import (
    ManagedProcess,
    prepare_database,
    read_job,
    read_result,
    seed_job,
    settings_for,
    start_worker,
    wait_for_status,
    wait_until,
)
from tests.integration.worker_documents import INVOICE_TEMPLATE

from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue
from extractd.store.blobs import open_blob_store
from extractd.store.db import create_db_engine, make_session_factory, transaction
from extractd.store.models import Document, Job

# Each test starts a real worker process and runs the engine: several seconds each.
pytestmark = pytest.mark.slow

# Short leases so the tests see renewals, expiry and reaping within seconds.
WORKER_ENV = {"lease_s": 4, "reaper_interval_s": 0.5, "max_attempts": 3}
REDIS_URL_VAR = "EXTRACTD_TEST_REDIS_URL"
FINAL = {JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED, JobStatus.FAILED}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = settings_for(tmp_path / "data", **WORKER_ENV)
    prepare_database(settings)
    return settings


@pytest.fixture
def queue(settings: Settings) -> JobQueue:
    return JobQueue(make_huey(settings), settings)


def _worker(settings: Settings, tmp_path: Path, **env: Any) -> Iterator[ManagedProcess]:
    process = start_worker(settings.data_dir, tmp_path / "logs", env=WORKER_ENV | env)
    yield process
    process.stop()


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[ManagedProcess]:
    yield from _worker(settings, tmp_path)


def test_dispatched_job_completes(
    settings: Settings, queue: JobQueue, worker: ManagedProcess, invoice_pdf: bytes
) -> None:
    job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE, filename="invoice.pdf")
    queue.dispatch(job_id)
    job = wait_for_status(settings, job_id, FINAL, timeout=120)
    assert job.status == JobStatus.COMPLETED, (job.error_code, job.error_message, worker.logs()[-3000:])
    assert (job.attempt, job.progress, job.lease_until) == (1, 100, None)
    assert job.completed_at is not None and job.started_at is not None
    assert job.result_expires_at is not None
    expected_expiry = job.completed_at + timedelta(seconds=settings.result_ttl)
    assert abs((job.result_expires_at - expected_expiry).total_seconds()) < 5
    result = read_result(settings, job_id)
    assert result is not None and result.attempt == 1
    assert result.data["originalName"] == "invoice.pdf"
    content = result.data["documents"][0]["content"]
    assert content["invoice_number"] == "INV-2024-0042"
    assert content["total_amount"] == pytest.approx(1190.0)


def test_duplicate_messages_run_a_job_once(
    settings: Settings, queue: JobQueue, worker: ManagedProcess, invoice_pdf: bytes
) -> None:
    job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
    for _ in range(3):
        queue.dispatch(job_id)
    assert wait_for_status(settings, job_id, FINAL, timeout=120).status == JobStatus.COMPLETED
    wait_until(lambda: queue.pending_count() == 0, 30, "the duplicate messages to be consumed")
    assert read_job(settings, job_id).attempt == 1
    assert worker.logs().count(f"job {job_id}: attempt 1 started") == 1


@pytest.fixture
def json_logging_worker(settings: Settings, tmp_path: Path) -> Iterator[ManagedProcess]:
    yield from _worker(settings, tmp_path, log_json=True)


def test_json_log_records_inside_a_job_carry_its_id(
    settings: Settings, queue: JobQueue, json_logging_worker: ManagedProcess, invoice_pdf: bytes
) -> None:
    job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
    queue.dispatch(job_id)
    assert wait_for_status(settings, job_id, FINAL, timeout=120).status == JobStatus.COMPLETED
    finished = f"job {job_id}: attempt 1 completed"
    wait_until(lambda: finished in json_logging_worker.logs(), 10, "the completion to be logged")
    lines = json_logging_worker.logs().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    job_records = [r for r in records if f"job {job_id}:" in r["message"]]
    assert job_records[0]["message"].startswith(f"job {job_id}: attempt 1 started by ")
    assert job_records[-1]["message"] == finished
    assert {r["job_id"] for r in job_records} == {job_id}
    assert all(r["request_id"] is None for r in records)
    # Outside a job (start-up, the reaper) records carry no job id.
    assert any(r["job_id"] is None for r in records)


def test_document_review_holds_a_result_with_flagged_fields(
    settings: Settings, queue: JobQueue, worker: ManagedProcess, invoice_pdf: bytes
) -> None:
    template = {
        **INVOICE_TEMPLATE,
        "fields": [*INVOICE_TEMPLATE["fields"], {"name": "purchase_order", "type": "text", "required": True}],
    }
    job_id = seed_job(settings, invoice_pdf, template, document_review=50)
    queue.dispatch(job_id)
    job = wait_for_status(settings, job_id, FINAL, timeout=120)
    assert job.status == JobStatus.REVIEW_REQUIRED, (job.error_code, job.error_message)
    assert job.review_flagged_count is not None and job.review_flagged_count >= 1  # purchase_order is absent
    assert job.review_required_at is not None and job.completed_at is None
    assert read_result(settings, job_id) is not None


def test_a_corrupt_file_fails_with_its_code(
    settings: Settings, queue: JobQueue, worker: ManagedProcess
) -> None:
    job_id = seed_job(settings, b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated", INVOICE_TEMPLATE)
    queue.dispatch(job_id)
    job = wait_for_status(settings, job_id, FINAL, timeout=60)
    assert (job.status, job.error_code, job.attempt) == (JobStatus.FAILED, "CORRUPT_FILE", 1)
    assert job.failed_at is not None and read_result(settings, job_id) is None


def test_storage_fault_is_retried_with_backoff(
    settings: Settings, queue: JobQueue, worker: ManagedProcess, invoice_pdf: bytes
) -> None:
    """The blob is not there on the first attempt (storage fault); it is on the retry."""
    job_id = seed_job(settings, None, INVOICE_TEMPLATE)
    queue.dispatch(job_id)
    first = wait_until(
        lambda: (
            job
            if (job := read_job(settings, job_id)).attempt == 1 and job.status == JobStatus.QUEUED
            else None
        ),
        30,
        "the first attempt to hit the storage fault and requeue",
    )
    assert first.available_at is not None and "not found in storage" in (first.error_message or "")
    assert "documents/" not in (first.error_message or "")  # no storage path for the client
    document_key = _blob_key(settings, job_id)
    open_blob_store(settings).put(document_key, invoice_pdf)
    job = wait_for_status(settings, job_id, FINAL, timeout=120)
    assert job.status == JobStatus.COMPLETED and job.attempt >= 2  # 2, or 3 if the test wrote late
    assert "transient error, retrying" in worker.logs()


def test_storage_fault_on_every_attempt_fails_the_job(
    settings: Settings, queue: JobQueue, worker: ManagedProcess
) -> None:
    job_id = seed_job(settings, None, INVOICE_TEMPLATE)
    queue.dispatch(job_id)
    job = wait_for_status(settings, job_id, FINAL, timeout=60)
    assert (job.status, job.error_code, job.attempt) == (JobStatus.FAILED, "DOCUMENT_MISSING", 3)
    message = job.error_message or ""
    # A final failure says so, and shows no storage path or key.
    assert "final" in message and "retried" not in message, message
    assert "documents/" not in message and "blob" not in message.lower(), message


def test_results_are_purged_after_their_ttl(
    settings: Settings, queue: JobQueue, tmp_path: Path, invoice_pdf: bytes
) -> None:
    worker = start_worker(settings.data_dir, tmp_path / "logs", env=WORKER_ENV | {"result_ttl": 1})
    try:
        job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
        queue.dispatch(job_id)
        assert wait_for_status(settings, job_id, FINAL, timeout=120).status == JobStatus.COMPLETED
        job = wait_until(
            lambda: job if (job := read_job(settings, job_id)).result_purged_at else None,
            30,
            "the reaper to purge the result",
        )
    finally:
        worker.stop()
    assert job.status == JobStatus.COMPLETED  # the job row stays
    assert job.result_expires_at is not None and job.result_purged_at >= job.result_expires_at
    assert read_result(settings, job_id) is None
    # The uploaded document went with its result (no other job uses it).
    assert not open_blob_store(settings).exists(_blob_key(settings, job_id))


def _blob_key(settings: Settings, job_id: str) -> str:
    engine = create_db_engine(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            job = session.get(Job, job_id)
            assert job is not None
            document = session.get(Document, job.document_id)
            assert document is not None
            return document.blob_key
    finally:
        engine.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own (one of the server's numbered databases), emptied afterwards."""
    server_url = os.environ.get(REDIS_URL_VAR)
    if not server_url:
        pytest.skip(f"{REDIS_URL_VAR} is not set: Redis cases not run")
    url = urlsplit(server_url)._replace(path=f"/{secrets.randbelow(15) + 1}").geturl()
    client = redis.Redis.from_url(url)
    client.ping()  # a configured server that cannot be reached fails the test
    yield url
    client.flushdb()
    client.close()


@pytest.mark.redis
def test_job_runs_through_the_redis_queue(tmp_path: Path, redis_url: str, invoice_pdf: bytes) -> None:
    settings = settings_for(tmp_path / "data", redis_url=redis_url, **WORKER_ENV)
    prepare_database(settings)
    queue = JobQueue(make_huey(settings), settings)
    worker = start_worker(settings.data_dir, tmp_path / "logs", env=WORKER_ENV | {"redis_url": redis_url})
    try:
        job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
        queue.dispatch(job_id)
        job = wait_for_status(settings, job_id, FINAL, timeout=120)
    finally:
        worker.stop()
    assert (job.status, job.attempt) == (JobStatus.COMPLETED, 1)
    assert not settings.queue_path.exists()  # nothing went through the SQLite queue


def test_job_processes_load_the_ocr_models_at_start_unless_told_not_to(
    settings: Settings, queue: JobQueue, tmp_path: Path, invoice_pdf: bytes
) -> None:
    loaded = "OCR models loaded"
    preloading = start_worker(settings.data_dir, tmp_path / "logs", concurrency=2, env=WORKER_ENV)
    try:
        # Both job processes, before any job was sent.
        wait_until(lambda: preloading.logs().count(loaded) == 2, 90, "two OCR warm-ups")
        assert "extractd 2026" in preloading.logs()  # the warm-up ran recognition, not only detection
    finally:
        preloading.stop()
    lazy = start_worker(
        settings.data_dir, tmp_path / "logs", name="lazy", env={**WORKER_ENV, "ocr_preload": "false"}
    )
    try:
        job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE, filename="invoice.pdf")
        queue.dispatch(job_id)
        assert wait_for_status(settings, job_id, FINAL, timeout=120).status == JobStatus.COMPLETED
        assert loaded not in lazy.logs()
    finally:
        lazy.stop()
