"""Bounded work (issue 8) with a real `extractd worker`: a backtracking template regex, a runaway job and
a job past the memory ceiling each fail (or finish) alone, and the worker goes on to run the next job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.processes import (
    ManagedProcess,
    prepare_database,
    read_job,
    seed_job,
    settings_for,
    start_worker,
    wait_for_status,
)
from tests.integration.worker_documents import INVOICE_TEMPLATE, scanned_pdf
from tests.unit.engine.conftest import docx_with_body

from extractd.api.app import create_app
from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue
from extractd.services.keys import create_key
from extractd.store.db import transaction

pytestmark = pytest.mark.slow

WORKER_ENV: dict[str, Any] = {"lease_s": 4, "reaper_interval_s": 0.5}
FINAL = {JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED, JobStatus.FAILED}
# The probe: a pattern that backtracks exponentially on Python's `re`, and a short text that
# makes it (48 `a` and a `!`: about 2**48 steps for a backtracking engine).
REDOS_TEMPLATE: dict[str, Any] = {
    "name": "redos",
    "fields": [{"name": "reference", "type": "text", "labels": ["Reference"], "pattern": "^(a+)+$"}],
}
REDOS_TEXT = b"Reference: " + b"a" * 48 + b"!\n"


def _worker(tmp_path: Path, **env: Any) -> tuple[Settings, JobQueue, ManagedProcess]:
    settings = settings_for(tmp_path / "data", **(WORKER_ENV | env))
    prepare_database(settings)
    worker = start_worker(settings.data_dir, tmp_path / "logs", env=WORKER_ENV | env)
    return settings, JobQueue(make_huey(settings), settings), worker


def _run(
    settings: Settings, queue: JobQueue, content: bytes, template: dict[str, Any], timeout: float
) -> Any:
    job_id = seed_job(settings, content, template, filename="document")
    queue.dispatch(job_id)
    return wait_for_status(settings, job_id, FINAL, timeout=timeout)


def test_a_backtracking_template_pattern_does_not_freeze_the_worker(
    tmp_path: Path, invoice_pdf: bytes
) -> None:
    settings, queue, worker = _worker(tmp_path)
    try:
        redos = _run(settings, queue, REDOS_TEXT, REDOS_TEMPLATE, timeout=60)
        normal = _run(settings, queue, invoice_pdf, INVOICE_TEMPLATE, timeout=60)
    finally:
        worker.stop()
    assert redos.status == JobStatus.COMPLETED, (redos.error_code, redos.error_message)
    assert redos.attempt == 1
    assert normal.status == JobStatus.COMPLETED, (normal.error_code, normal.error_message)


def test_a_runaway_job_is_killed_at_the_job_timeout(tmp_path: Path, invoice_pdf: bytes) -> None:
    # Two scanned pages take far longer to OCR than the 2-second limit.
    settings, queue, worker = _worker(tmp_path, job_timeout_s=2)
    try:
        slow = _run(settings, queue, scanned_pdf(12, lines_per_page=12), INVOICE_TEMPLATE, timeout=60)
        logs = worker.logs()
        normal = _run(settings, queue, invoice_pdf, INVOICE_TEMPLATE, timeout=60)
    finally:
        worker.stop()
    assert (slow.status, slow.error_code, slow.attempt) == (JobStatus.FAILED, "JOB_TIMEOUT", 1)
    assert "EXTRACTD_JOB_TIMEOUT_S" in (slow.error_message or "") and "final" in (slow.error_message or "")
    assert slow.failed_at is not None and slow.started_at is not None
    assert (slow.failed_at - slow.started_at).total_seconds() < 15  # killed, not waited on
    assert "killing its process" in logs
    # The killed job process was replaced: the next job runs.
    assert normal.status == JobStatus.COMPLETED, (normal.error_code, normal.error_message)


def test_a_job_past_the_memory_ceiling_fails_and_the_worker_goes_on(
    tmp_path: Path, invoice_pdf: bytes
) -> None:
    # OCR of a scanned page needs about 1.5 GB of address space (measured); 900 MB is too little for it,
    # and plenty for a text PDF.
    settings, queue, worker = _worker(tmp_path, job_memory_mb=900)
    try:
        big = _run(settings, queue, scanned_pdf(1, lines_per_page=12), INVOICE_TEMPLATE, timeout=90)
        normal = _run(settings, queue, invoice_pdf, INVOICE_TEMPLATE, timeout=60)
    finally:
        worker.stop()
    assert (big.status, big.error_code) == (JobStatus.FAILED, "MEMORY_LIMIT_EXCEEDED"), big.error_message
    assert "EXTRACTD_JOB_MEMORY_MB" in (big.error_message or "")
    assert normal.status == JobStatus.COMPLETED, (normal.error_code, normal.error_message)
    assert read_job(settings, normal.id).attempt == 1


def test_a_docx_of_millions_of_empty_paragraphs_is_refused_quickly_in_bounded_memory(
    tmp_path: Path, invoice_pdf: bytes
) -> None:
    # The DOCX: 6.2 million empty paragraphs cost 203 CPU-s and 6.1 GB. Under a 1 GB ceiling and
    # a 60 s limit it must fail DOCUMENT_TOO_LARGE (neither MEMORY_LIMIT_EXCEEDED nor JOB_TIMEOUT).
    bomb = docx_with_body(b"<w:p/>" * 6_200_000)
    settings, queue, worker = _worker(tmp_path, job_memory_mb=1024, job_timeout_s=60)
    try:
        job = _run(settings, queue, bomb, INVOICE_TEMPLATE, timeout=90)
        normal = _run(settings, queue, invoice_pdf, INVOICE_TEMPLATE, timeout=60)
    finally:
        worker.stop()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "DOCUMENT_TOO_LARGE"), job.error_message
    assert "pages" in (job.error_message or "")
    assert normal.status == JobStatus.COMPLETED, (normal.error_code, normal.error_message)


@pytest.mark.anyio
async def test_a_synchronous_extraction_past_the_job_timeout_answers_422(tmp_path: Path) -> None:
    # 12 OCR pages: well past 2 s even with the models preloaded on a quiet machine (2 pages were not).
    settings, _queue, worker = _worker(tmp_path, job_timeout_s=2)
    app = create_app(settings)
    try:
        with transaction(app.state.context.sessions) as session:
            key = create_key(session, "default").secret
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=90) as client:
            response = await client.post(
                "/api/v1/extractFields",
                headers={"Authorization": f"api-key {key}"},
                files={"file": ("scan.pdf", scanned_pdf(12, lines_per_page=12), "application/pdf")},
                data={"templateName": "invoice"},
            )
    finally:
        app.state.context.sessions.kw["bind"].dispose()
        worker.stop()
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "JOB_TIMEOUT"
