"""The status shapes of DESIGN.md §3 for jobs that do not move: a private data dir with no worker.

Jobs are created through the API and then put into each state through the jobs repository (the code the
worker protocol and the state machine use), so each shape is asserted unconditionally.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from api_support import Api

from extractd.domain.jobs import JobStatus
from extractd.store.db import transaction
from extractd.store.models import Job, utcnow
from extractd.store.repositories import JobsRepository

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"
# Every shape carries createdAt and updatedAt (DESIGN.md §3), ISO 8601 UTC with milliseconds and `Z`.
STAMPS = {"createdAt", "updatedAt"}
ACTIVE_KEYS = {"id", "status", "progress", "retryAfterMs"} | STAMPS
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _assert_stamps(job: dict[str, Any], *more: str) -> None:
    for key in (*STAMPS, *more):
        assert ISO_MS.match(job[key]), (key, job[key])
    assert job["updatedAt"] >= job["createdAt"]


async def _create(api: Api, client: httpx.AsyncClient, content: bytes) -> str:
    response = await client.post(
        JOBS,
        headers=api.auth(),
        files={"file": ("invoice.pdf", content, "application/pdf")},
        data={"templateName": "invoice"},
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    return job_id


async def _status_and_result(api: Api, client: httpx.AsyncClient, job_id: str) -> tuple[Any, httpx.Response]:
    status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert status.status_code == 200, status.text
    result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    return status.json()["job"], result


def _error_code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture()
def still_api(make_api: Any) -> Api:
    """An app on its own data dir with no worker: a created job stays queued until the test moves it."""
    api: Api = make_api(private=True)
    return api


async def test_queued_job_shape_and_result_not_ready(still_api: Api, invoice_pdf: bytes) -> None:
    async with still_api.client() as client:
        job_id = await _create(still_api, client, invoice_pdf)
        job, result = await _status_and_result(still_api, client, job_id)
    assert set(job) == ACTIVE_KEYS
    _assert_stamps(job)
    assert (job["id"], job["status"], job["progress"]) == (job_id, "queued", 0)
    assert job["retryAfterMs"] >= 200  # the poll limit's floor (test_api_retry_hint has the figures)
    assert _error_code(result) == (409, "RESULT_NOT_READY")


async def test_pending_job_shows_as_queued(still_api: Api, invoice_pdf: bytes) -> None:
    sessions = still_api.app.state.context.sessions
    async with still_api.client() as client:
        queued_id = await _create(still_api, client, invoice_pdf)
        # A job row that was written but not yet handed to the queue (create's first step).
        with transaction(sessions) as session:
            queued = JobsRepository(session).get(queued_id)
            assert queued is not None
            pending = Job(
                environment_id=queued.environment_id,
                document_id=queued.document_id,
                status=JobStatus.PENDING.value,
                template_name=queued.template_name,
                template_definition=queued.template_definition,
                options={},
            )
            pending_id = JobsRepository(session).add(pending).id
        job, result = await _status_and_result(still_api, client, pending_id)
    assert set(job) == ACTIVE_KEYS
    assert (job["status"], job["progress"]) == ("queued", 0)
    assert _error_code(result) == (409, "RESULT_NOT_READY")


async def test_processing_job_shows_its_progress(still_api: Api, invoice_pdf: bytes) -> None:
    sessions = still_api.app.state.context.sessions
    async with still_api.client() as client:
        job_id = await _create(still_api, client, invoice_pdf)
        with transaction(sessions) as session:
            jobs = JobsRepository(session)
            token = jobs.claim(job_id, "test-worker", 60, utcnow())
            assert token is not None
            assert jobs.renew_lease(token, 60, 40, utcnow())
        job, result = await _status_and_result(still_api, client, job_id)
    assert set(job) == ACTIVE_KEYS
    assert (job["status"], job["progress"]) == ("processing", 40)
    assert job["retryAfterMs"] >= 200  # the poll limit's floor (test_api_retry_hint has the figures)
    assert _error_code(result) == (409, "RESULT_NOT_READY")


async def test_cancelled_job_shows_as_failed_cancelled(still_api: Api, invoice_pdf: bytes) -> None:
    sessions = still_api.app.state.context.sessions
    async with still_api.client() as client:
        job_id = await _create(still_api, client, invoice_pdf)
        with transaction(sessions) as session:
            assert JobsRepository(session).cancel(job_id, utcnow())
        job, result = await _status_and_result(still_api, client, job_id)
    assert set(job) == {"id", "status", "failedAt", "error"} | STAMPS
    _assert_stamps(job, "failedAt")
    assert job["status"] == "failed"
    assert job["failedAt"]
    assert job["error"]["code"] == "CANCELLED"
    assert job["error"]["message"]
    assert _error_code(result) == (409, "JOB_FAILED")
