"""Helpers the jobs-dialect tests share: Bearer auth, multipart creates, polling a job to its end."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from api_support import Api

JOBS = "/api/jobs"
FINAL_JOBS = {"COMPLETED", "FAILED", "CANCELLED", "REVIEW_REQUIRED"}
JOB_KEYS = {
    "id",
    "type",
    "status",
    "schemaId",
    "schemaVersion",
    "documentId",
    "filename",
    "parentRunId",
    "progress",
    "attempt",
    "error",
    "createdAt",
    "updatedAt",
    "startedAt",
    "completedAt",
}


def bearer(api: Api, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or api.key}"}


async def create_job(
    client: httpx.AsyncClient,
    api: Api,
    content: bytes,
    schema_id: str = "invoice",
    filename: str = "invoice.pdf",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    return await client.post(
        JOBS,
        headers=(headers or {}) | bearer(api),
        files={"file": (filename, content, "application/pdf")},
        data={"type": "EXTRACTION", "schemaId": schema_id, **fields},
    )


async def wait_for_jobs_job(
    client: httpx.AsyncClient, api: Api, job_id: str, timeout: float = 90
) -> dict[str, Any]:
    """Poll GET /api/jobs/{id} (within the poll limit) until the job is final or awaits review."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await client.get(f"{JOBS}/{job_id}", headers=bearer(api))
        assert response.status_code in (200, 429), response.text
        if response.status_code == 200 and response.json()["status"] in FINAL_JOBS:
            job: dict[str, Any] = response.json()
            return job
        if loop.time() > deadline:
            raise TimeoutError(f"job {job_id} did not finish in {timeout}s")
        await asyncio.sleep(0.4)


def assert_jobs_error(response: httpx.Response, status: int, code: str) -> None:
    """The jobs dialect's error body: NestJS's shape plus our code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"statusCode", "error", "message", "code"}, body
    assert body["statusCode"] == status
    assert body["code"] == code, body
    assert body["message"]
    assert body["error"] == httpx.codes.get_reason_phrase(status)
