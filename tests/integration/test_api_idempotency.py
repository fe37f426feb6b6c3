"""Idempotency-Key on the create endpoints: replay, in progress, reuse, scope, and a race of ten."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, b64
from processes import start_worker

from extractd.services.idempotency import request_fingerprint
from extractd.services.jobs import JobRequest
from extractd.store.models import IdempotencyRecord, Job
from extractd.store.repositories import idempotency as records

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"
SYNC = "/api/v1/extractFields"


def _jobs_of(api: Api) -> list[Job]:
    from extractd.store.models import Environment

    with api.app.state.context.sessions() as session:
        environment = session.query(Environment).filter_by(name=api.environment).one()
        return session.query(Job).filter_by(environment_id=environment.id).all()


async def _create(api: Api, body: dict[str, Any], key: str, auth_key: str | None = None) -> Any:
    async with api.client() as client:
        return await client.post(JOBS, headers=api.auth(auth_key) | {"Idempotency-Key": key}, json=body)


async def test_same_key_and_request_replays_the_first_answer(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"}
    first = await _create(api, body, "order-1")
    second = await _create(api, body, "order-1")
    assert first.status_code == 202
    assert "X-Idempotent-Replay" not in first.headers
    assert second.status_code == 200
    assert second.headers["X-Idempotent-Replay"] == "true"
    assert second.json() == first.json()
    assert len(_jobs_of(api)) == 1


async def test_same_request_in_multipart_and_json_is_the_same_request(api: Api, invoice_pdf: bytes) -> None:
    first = await _create(
        api, {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"}, "k"
    )
    async with api.client() as client:
        second = await client.post(
            JOBS,
            headers=api.auth() | {"Idempotency-Key": "k"},
            files={"file": ("a.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice"},
        )
    assert second.status_code == 200, second.text
    assert second.json() == first.json()


@pytest.mark.parametrize(
    "change",
    [
        {"templateName": "receipt"},
        {"returnText": True},
        {"filename": "b.pdf"},
        {"file": b64(b"%PDF-1.4 other")},
    ],
)
async def test_same_key_with_a_different_request_is_422(
    api: Api, invoice_pdf: bytes, change: dict[str, Any]
) -> None:
    body = {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"}
    assert (await _create(api, body, "order-2")).status_code == 202
    reused = await _create(api, body | change, "order-2")
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(_jobs_of(api)) == 1


async def test_same_key_while_the_first_is_being_created_is_409(api: Api, invoice_pdf: bytes) -> None:
    from extractd.store.models import Environment

    fingerprint = request_fingerprint(
        "POST",
        JOBS,
        JobRequest(template_name="invoice").fingerprint_fields() | {"filename": "a.pdf"},
        hashlib.sha256(invoice_pdf).hexdigest(),
    )
    with api.app.state.context.sessions() as session:
        environment = session.query(Environment).filter_by(name=api.environment).one()
        # Exactly what a first request holds while it creates the job.
        in_an_hour = datetime.now(UTC) + timedelta(hours=1)
        assert records.try_claim(
            session, environment.id, "busy", fingerprint, in_an_hour, "holder", in_an_hour
        )
    response = await _create(
        api, {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"}, "busy"
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert 3590 <= int(response.headers["Retry-After"]) <= 3600  # when the holder's lock runs out
    assert _jobs_of(api) == []


async def test_keys_are_scoped_per_environment(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "templateName": "invoice"}
    other_key = api.new_key()
    mine = await _create(api, body, "shared-key")
    theirs = await _create(api, body, "shared-key", auth_key=other_key)
    assert mine.status_code == 202
    assert theirs.status_code == 202
    assert mine.json()["job"]["id"] != theirs.json()["job"]["id"]


async def test_a_failed_create_releases_the_key(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "templateName": "not-yet"}
    failed = await _create(api, body, "retry-me")
    assert failed.status_code == 404
    async with api.client() as client:
        template = {"name": "not-yet", "fields": [{"name": "total", "type": "money"}]}
        assert (await client.post("/api/v1/templates", headers=api.auth(), json=template)).status_code == 201
    assert (await _create(api, body, "retry-me")).status_code == 202


async def test_an_expired_key_can_be_used_again(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "templateName": "invoice"}
    first = await _create(api, body, "old")
    with api.app.state.context.sessions() as session:
        record = session.query(IdempotencyRecord).filter_by(key="old").one()
        record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    second = await _create(api, body | {"returnText": True}, "old")
    assert second.status_code == 202, second.text
    assert second.json()["job"]["id"] != first.json()["job"]["id"]


async def test_ten_concurrent_creates_with_one_key_make_one_job(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"}
    async with api.client() as client:
        responses = await asyncio.gather(
            *(
                client.post(JOBS, headers=api.auth() | {"Idempotency-Key": "race"}, json=body)
                for _ in range(10)
            )
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(202) == 1, statuses
    assert set(statuses) <= {200, 202, 409}, statuses
    created_id = next(r.json()["job"]["id"] for r in responses if r.status_code == 202)
    assert all(r.json()["job"]["id"] == created_id for r in responses if r.status_code == 200)
    assert [job.id for job in _jobs_of(api)] == [created_id]


async def test_template_create_is_idempotent_too(api: Api) -> None:
    template = {"name": "t1", "fields": [{"name": "total", "type": "money"}]}
    async with api.client() as client:
        headers = api.auth() | {"Idempotency-Key": "tpl"}
        first = await client.post("/api/v1/templates", headers=headers, json=template)
        second = await client.post("/api/v1/templates", headers=headers, json=template)
        changed = await client.post(
            "/api/v1/templates", headers=headers, json=template | {"description": "x"}
        )
    assert first.status_code == 201
    assert (second.status_code, second.headers.get("X-Idempotent-Replay")) == (200, "true")
    assert second.json() == first.json()
    assert changed.status_code == 422


def _job_id_of_timeout(response: Any) -> str:
    assert response.status_code == 408, response.text
    error = response.json()["error"]
    assert error["code"] == "SYNC_TIMEOUT"
    job_id: str = error["message"].split("/api/v1/extraction-jobs/")[1]
    return job_id


@pytest.mark.slow
async def test_a_sync_retry_after_a_timeout_waits_for_the_same_job(
    make_api: Any, invoice_pdf: bytes, tmp_path: Path
) -> None:
    # No worker on the private data dir at first, so the job outlives every 0.5 s wait.
    api = make_api(private=True, sync_timeout_s=0.5)
    body = {"file": b64(invoice_pdf), "templateName": "invoice"}
    headers = api.auth() | {"Idempotency-Key": "sync-retry"}
    async with api.client() as client:
        first_job = _job_id_of_timeout(await client.post(SYNC, headers=headers, json=body))
        assert _job_id_of_timeout(await client.post(SYNC, headers=headers, json=body)) == first_job
        # A different request under the key is still a reuse, not an attach.
        reused = await client.post(SYNC, headers=headers, json=body | {"returnText": True})
        assert reused.status_code == 422, reused.text
        worker = start_worker(api.settings.data_dir, tmp_path / "logs")
        try:
            answer = await _retry_until_answered(client, headers, body, first_job)
        finally:
            worker.stop()
        replay = await client.post(SYNC, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["documents"][0]["content"]["invoice_number"] == "INV-2024-0042"
    assert replay.status_code == 200
    assert replay.headers["X-Idempotent-Replay"] == "true"
    assert replay.json() == answer.json()
    assert [job.id for job in _jobs_of(api)] == [first_job]


async def _retry_until_answered(
    client: Any, headers: dict[str, str], body: dict[str, Any], job_id: str
) -> Any:
    """Retry as a client would after each 408; every retry must wait for the same job."""
    for _ in range(240):
        response = await client.post(SYNC, headers=headers, json=body)
        if response.status_code != 408:
            return response
        assert _job_id_of_timeout(response) == job_id
    raise AssertionError("the job did not finish within 240 retries")
