"""Poll rate limit (shared by API processes through the database) and the synchronous endpoint's limits."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from api_support import Api, b64

from extractd.api.app import create_app

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"


async def _queued_job(api: Api, content: bytes) -> str:
    async with api.client() as client:
        response = await client.post(
            JOBS, headers=api.auth(), json={"file": b64(content), "templateName": "invoice"}
        )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    return job_id


async def test_polling_one_job_too_fast_is_429_with_retry_after(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True, poll_rate=5)
    job_id = await _queued_job(api, invoice_pdf)
    async with api.client() as client:
        responses = [await client.get(f"{JOBS}/{job_id}", headers=api.auth()) for _ in range(12)]
        other_job = await _queued_job(api, invoice_pdf)
        unaffected = await client.get(f"{JOBS}/{other_job}", headers=api.auth())
    limited = [response for response in responses if response.status_code == 429]
    assert limited, [response.status_code for response in responses]
    assert {response.status_code for response in responses} == {200, 429}
    assert limited[0].json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited[0].headers["Retry-After"]) <= 1
    assert unaffected.status_code == 200  # the limit is per job


async def test_the_limit_is_shared_by_api_processes(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True, poll_rate=6)
    # A second app instance on the same database stands for a second API process.
    second_app = create_app(api.settings)
    first = api.client()
    second = Api(settings=api.settings, app=second_app, key=api.key).client()
    try:
        # Ten polls must fall into one one-second window; on a busy machine an attempt may not.
        for _ in range(5):
            job_id = await _queued_job(api, invoice_pdf)
            await asyncio.sleep(1 - time.time() % 1 + 0.01)
            window = int(time.time())
            codes = []
            for index in range(10):
                client = first if index % 2 == 0 else second
                codes.append((await client.get(f"{JOBS}/{job_id}", headers=api.auth())).status_code)
            if int(time.time()) == window:
                break
        else:
            pytest.fail("the machine was too busy to poll ten times within one second")
    finally:
        await second.aclose()
        second_app.state.context.sessions.kw["bind"].dispose()
    # Each process alone polled 5 times (under the limit of 6); together they went over it.
    assert codes.count(200) == 6, codes
    assert codes.count(429) == 4, codes


async def test_sync_timeout_is_408_and_the_job_continues(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True, sync_timeout_s=0.5)  # no worker on the private data dir
    async with api.client() as client:
        response = await client.post(
            "/api/v1/extractFields",
            headers=api.auth(),
            json={"file": b64(invoice_pdf), "templateName": "invoice"},
        )
        assert response.status_code == 408, response.text
        error = response.json()["error"]
        assert error["code"] == "SYNC_TIMEOUT"
        job_id = error["message"].split("/api/v1/extraction-jobs/")[1]
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert status.status_code == 200
    assert status.json()["job"]["status"] == "queued"


async def test_all_sync_slots_busy_is_429(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True, sync_slots=1, sync_timeout_s=3)
    body = {"file": b64(invoice_pdf), "templateName": "invoice"}
    async with api.client() as client:
        waiting = asyncio.create_task(client.post("/api/v1/extractFields", headers=api.auth(), json=body))
        await asyncio.sleep(0.8)
        refused = await client.post("/api/v1/extractFields", headers=api.auth(), json=body)
        first = await waiting
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "SYNC_CAPACITY"
    assert "Retry-After" in refused.headers
    assert first.status_code == 408
