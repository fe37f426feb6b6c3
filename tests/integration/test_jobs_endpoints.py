"""The jobs dialect's job and document endpoints, without a worker (jobs stay queued until a test moves
them): list with filters, cancel, restart, delete, from-document, extraction before completion,
documents, and another environment's ids answering 404 on every path."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from api_support import Api
from jobs_support import JOB_KEYS, JOBS, assert_jobs_error, bearer, create_job

from extractd.services.templates import builtin_template_id
from extractd.store.db import transaction
from extractd.store.models import Document, Job, WebhookMessage

pytestmark = pytest.mark.anyio


@pytest.fixture
def idle_api(make_api: Any) -> Api:
    """An API on a data dir of its own, with no worker: created jobs stay queued."""
    api: Api = make_api(private=True, webhook_allow_private=True)
    return api


def _pdf(invoice_pdf: bytes, tag: str) -> bytes:
    """The invoice with a distinct trailer comment, so each upload is a document of its own."""
    return invoice_pdf + f"\n% {tag}\n".encode()


async def _job(client: httpx.AsyncClient, api: Api, content: bytes, **kwargs: Any) -> dict[str, Any]:
    response = await create_job(client, api, content, **kwargs)
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()
    return job


def _set_status(api: Api, job_id: str, status: str, **values: Any) -> None:
    with transaction(api.app.state.context.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status = status
        for name, value in values.items():
            setattr(job, name, value)


async def test_list_pages_newest_first_with_total(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        created = [(await _job(client, idle_api, _pdf(invoice_pdf, str(n))))["id"] for n in range(3)]
        first = await client.get(JOBS, params={"limit": 2}, headers=bearer(idle_api))
        second = await client.get(JOBS, params={"limit": 2, "page": 2}, headers=bearer(idle_api))
        default = await client.get(JOBS, headers=bearer(idle_api))
    assert first.status_code == 200, first.text
    assert {key: first.json()[key] for key in ("total", "page", "limit")} == {
        "total": 3,
        "page": 1,
        "limit": 2,
    }
    assert [job["id"] for job in first.json()["data"] + second.json()["data"]] == created[::-1]
    assert set(first.json()["data"][0]) == JOB_KEYS
    assert default.json()["limit"] == 10 and default.json()["total"] == 3


async def test_list_filters_by_status_schema_and_run(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        invoice = await _job(client, idle_api, _pdf(invoice_pdf, "a"))
        receipt = await _job(client, idle_api, _pdf(invoice_pdf, "b"), schema_id="receipt")
        failed = await _job(client, idle_api, _pdf(invoice_pdf, "c"))
        _set_status(idle_api, failed["id"], "failed", parent_run_id="run-1")

        async def ids(**params: str) -> list[str]:
            response = await client.get(JOBS, params=params, headers=bearer(idle_api))
            assert response.status_code == 200, response.text
            assert response.json()["total"] == len(response.json()["data"])
            return [job["id"] for job in response.json()["data"]]

        assert await ids(status="FAILED") == [failed["id"]]
        assert await ids(status="QUEUED,FAILED") == [failed["id"], receipt["id"], invoice["id"]]
        assert await ids(schemaId="receipt") == [receipt["id"]]
        assert await ids(schemaId=builtin_template_id("receipt")) == [receipt["id"]]
        assert await ids(parentRunId="run-1") == [failed["id"]]
        assert await ids(type="EXTRACTION", status="QUEUED") == [receipt["id"], invoice["id"]]
        assert await ids(status="CANCELLED") == []


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"limit": "0"}, {"limit": "101"}, {"page": "x"}, {"status": "DONE"}, {"type": "OCR"}],
)
async def test_list_refuses_bad_parameters(idle_api: Api, params: dict[str, str]) -> None:
    async with idle_api.client() as client:
        response = await client.get(JOBS, params=params, headers=bearer(idle_api))
    assert_jobs_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", [JOBS, "/api/documents", "/api/schema"])
async def test_lists_refuse_a_query_parameter_they_do_not_read(idle_api: Api, path: str) -> None:
    # A misspelt filter must not silently list everything.
    async with idle_api.client() as client:
        response = await client.get(path, params={"staus": "FAILED"}, headers=bearer(idle_api))
    assert_jobs_error(response, 400, "VALIDATION_ERROR")
    assert "'staus'" in response.json()["message"]


async def test_cancel_only_pending_or_queued(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        job = await _job(client, idle_api, invoice_pdf)
        cancelled = await client.post(f"{JOBS}/{job['id']}/cancel", headers=bearer(idle_api))
        again = await client.post(f"{JOBS}/{job['id']}/cancel", headers=bearer(idle_api))
        v1_view = await client.get(f"/api/v1/extraction-jobs/{job['id']}", headers=idle_api.auth())
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["error"]["code"] == "CANCELLED"
    assert_jobs_error(again, 409, "INVALID_STATE")
    assert v1_view.json()["job"]["status"] == "failed"  # v1 shows a cancelled job as failed, code CANCELLED
    assert v1_view.json()["job"]["error"]["code"] == "CANCELLED"


async def test_pending_shows_as_pending_here_and_queued_in_v1(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True, env_concurrency=1)
    async with api.client() as client:
        first = await _job(client, api, _pdf(invoice_pdf, "1"))
        second = await _job(client, api, _pdf(invoice_pdf, "2"))
        v1_view = await client.get(f"/api/v1/extraction-jobs/{second['id']}", headers=api.auth())
        cancelled = await client.post(f"{JOBS}/{second['id']}/cancel", headers=bearer(api))
    assert (first["status"], second["status"]) == ("QUEUED", "PENDING")
    assert v1_view.json()["job"]["status"] == "queued"
    assert cancelled.json()["status"] == "CANCELLED"  # a pending job can be cancelled too


async def test_restart_is_a_new_attempt_announced_as_queued(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        hook = await client.post(
            "/api/v1/webhooks", headers=idle_api.auth(), json={"url": "http://127.0.0.1:9/h", "events": ["*"]}
        )
        job = await _job(client, idle_api, invoice_pdf)
        queued = await client.post(f"{JOBS}/{job['id']}/restart", headers=bearer(idle_api))
        _set_status(idle_api, job["id"], "failed", attempt=3, error_code="WORKER_LOST", error_message="lost")
        restarted = await client.post(f"{JOBS}/{job['id']}/restart", headers=bearer(idle_api))
    assert_jobs_error(queued, 409, "INVALID_STATE")
    assert restarted.status_code == 200, restarted.text
    shown = restarted.json()
    assert (shown["id"], shown["status"], shown["attempt"], shown["error"]) == (job["id"], "QUEUED", 0, None)
    with idle_api.app.state.context.sessions() as session:
        events = session.query(WebhookMessage).filter_by(endpoint_id=hook.json()["webhook"]["id"]).all()
    assert [(event.event_type, event.payload["data"]["status"]) for event in events] == [
        ("job.queued", "QUEUED")
    ]


async def test_restart_needs_the_documents_bytes(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        job = await _job(client, idle_api, invoice_pdf)
        _set_status(idle_api, job["id"], "completed")
        idle_api.app.state.context.blobs.delete(_blob_key(idle_api, job["documentId"]))
        response = await client.post(f"{JOBS}/{job['id']}/restart", headers=bearer(idle_api))
    assert_jobs_error(response, 410, "DOCUMENT_CONTENT_EXPIRED")


def _blob_key(api: Api, document_id: str) -> str:
    with api.app.state.context.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.blob_key


async def test_delete_removes_the_job_and_its_unshared_document(idle_api: Api, invoice_pdf: bytes) -> None:
    blobs = idle_api.app.state.context.blobs
    async with idle_api.client() as client:
        shared_a = await _job(client, idle_api, invoice_pdf)
        shared_b = await _job(client, idle_api, invoice_pdf)
        alone = await _job(client, idle_api, _pdf(invoice_pdf, "alone"))
        shared_key, alone_key = (
            _blob_key(idle_api, shared_a["documentId"]),
            _blob_key(idle_api, alone["documentId"]),
        )
        for job in (shared_a, alone):
            response = await client.delete(f"{JOBS}/{job['id']}", headers=bearer(idle_api))
            assert response.status_code == 204, response.text
        gone = await client.get(f"{JOBS}/{shared_a['id']}", headers=bearer(idle_api))
        twice = await client.delete(f"{JOBS}/{shared_a['id']}", headers=bearer(idle_api))
        shared_document = await client.get(
            f"/api/documents/{shared_b['documentId']}", headers=bearer(idle_api)
        )
        alone_document = await client.get(f"/api/documents/{alone['documentId']}", headers=bearer(idle_api))
    assert_jobs_error(gone, 404, "JOB_NOT_FOUND")
    assert_jobs_error(twice, 404, "JOB_NOT_FOUND")
    assert shared_document.status_code == 200 and blobs.exists(shared_key)  # shared_b still uses it
    assert_jobs_error(alone_document, 404, "DOCUMENT_NOT_FOUND")
    assert not blobs.exists(alone_key)


async def test_from_document_extracts_again_without_upload(idle_api: Api, invoice_pdf: bytes) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with idle_api.client() as client:
        original = await _job(client, idle_api, invoice_pdf, filename="march.pdf")
        path = f"{JOBS}/from-document/{original['documentId']}"
        body = {"type": "EXTRACTION", "schemaId": "receipt"}
        again = await client.post(path, json=body, headers=bearer(idle_api) | key)
        replay = await client.post(path, json=body, headers=bearer(idle_api) | key)
        unknown = await client.post(
            f"{JOBS}/from-document/{uuid.uuid4()}", json=body, headers=bearer(idle_api)
        )
        not_uuid = await client.post(f"{JOBS}/from-document/nope", json=body, headers=bearer(idle_api))
        bad_body = await client.post(path, json={"schemaId": "receipt", "extra": 1}, headers=bearer(idle_api))
        no_schema = await client.post(
            path, json={"type": "EXTRACTION", "schemaId": "nope"}, headers=bearer(idle_api)
        )
    assert again.status_code == 201, again.text
    job = again.json()
    assert job["id"] != original["id"]
    assert (job["documentId"], job["filename"]) == (original["documentId"], "march.pdf")
    assert job["schemaId"] == builtin_template_id("receipt")
    assert replay.status_code == 200 and replay.headers["X-Idempotent-Replay"] == "true"
    assert replay.json()["id"] == job["id"]
    assert_jobs_error(unknown, 404, "DOCUMENT_NOT_FOUND")
    assert_jobs_error(not_uuid, 404, "DOCUMENT_NOT_FOUND")
    assert_jobs_error(bad_body, 400, "VALIDATION_ERROR")
    assert_jobs_error(no_schema, 404, "TEMPLATE_NOT_FOUND")


async def test_extraction_before_completion_is_409(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        job = await _job(client, idle_api, invoice_pdf)
        queued = await client.get(f"{JOBS}/{job['id']}/extraction", headers=bearer(idle_api))
        _set_status(idle_api, job["id"], "failed", error_code="CORRUPT_FILE", error_message="broken")
        failed = await client.get(f"{JOBS}/{job['id']}/extraction", headers=bearer(idle_api))
        _set_status(idle_api, job["id"], "review_required")
        review = await client.get(f"{JOBS}/{job['id']}/extraction", headers=bearer(idle_api))
    assert_jobs_error(queued, 409, "RESULT_NOT_READY")
    assert_jobs_error(failed, 409, "JOB_FAILED")
    assert_jobs_error(review, 409, "REVIEW_REQUIRED")


async def test_documents_list_get_content_delete(idle_api: Api, invoice_pdf: bytes) -> None:
    other = _pdf(invoice_pdf, "other")
    async with idle_api.client() as client:
        first = await _job(client, idle_api, invoice_pdf, filename="a b ü.pdf")
        await _job(client, idle_api, invoice_pdf, filename="again.pdf")
        second = await _job(client, idle_api, other, filename="other.pdf")
        listed = await client.get("/api/documents", headers=bearer(idle_api))
        read = await client.get(f"/api/documents/{first['documentId']}", headers=bearer(idle_api))
        content = await client.get(f"/api/documents/{first['documentId']}/content", headers=bearer(idle_api))
        in_use = await client.delete(f"/api/documents/{second['documentId']}", headers=bearer(idle_api))
        _set_status(idle_api, second["id"], "completed")
        deleted = await client.delete(f"/api/documents/{second['documentId']}", headers=bearer(idle_api))
        after = await client.get("/api/documents", headers=bearer(idle_api))
        its_job = await client.get(f"{JOBS}/{second['id']}", headers=bearer(idle_api))
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 2 and listed.json()["page"] == 1 and listed.json()["limit"] == 10
    assert [d["id"] for d in listed.json()["data"]] == [second["documentId"], first["documentId"]]
    document = read.json()
    assert set(document) == {"id", "filename", "contentType", "size", "sha256", "createdAt"}
    assert (document["filename"], document["contentType"], document["size"]) == (
        "a b ü.pdf",
        "application/pdf",
        len(invoice_pdf),
    )
    assert content.status_code == 200 and content.content == invoice_pdf
    assert content.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''a%20b%20%C3%BC.pdf" in content.headers["content-disposition"]
    assert_jobs_error(in_use, 409, "DOCUMENT_IN_USE")
    assert deleted.status_code == 204
    assert after.json()["total"] == 1
    assert_jobs_error(its_job, 404, "JOB_NOT_FOUND")  # its jobs went with it


async def test_document_content_gone_with_its_bytes(idle_api: Api, invoice_pdf: bytes) -> None:
    async with idle_api.client() as client:
        job = await _job(client, idle_api, invoice_pdf)
        idle_api.app.state.context.blobs.delete(_blob_key(idle_api, job["documentId"]))
        content = await client.get(f"/api/documents/{job['documentId']}/content", headers=bearer(idle_api))
        again = await client.post(
            f"{JOBS}/from-document/{job['documentId']}",
            json={"schemaId": "invoice"},
            headers=bearer(idle_api),
        )
        reuploaded = await _job(client, idle_api, invoice_pdf)
        restored = await client.get(f"/api/documents/{job['documentId']}/content", headers=bearer(idle_api))
    assert_jobs_error(content, 410, "DOCUMENT_CONTENT_EXPIRED")
    assert_jobs_error(again, 410, "DOCUMENT_CONTENT_EXPIRED")
    assert reuploaded["documentId"] == job["documentId"]  # the same document, its bytes stored again
    assert restored.status_code == 200 and restored.content == invoice_pdf


@pytest.mark.parametrize("document_id", ["nope", "9b78a93d-dd9b-4e48-a74d-0f561a006002"])
async def test_unknown_documents_are_404(idle_api: Api, document_id: str) -> None:
    async with idle_api.client() as client:
        for method, suffix in (("GET", ""), ("GET", "/content"), ("DELETE", "")):
            response = await client.request(
                method, f"/api/documents/{document_id}{suffix}", headers=bearer(idle_api)
            )
            assert_jobs_error(response, 404, "DOCUMENT_NOT_FOUND")


async def test_another_environments_ids_answer_404_on_every_path(idle_api: Api, invoice_pdf: bytes) -> None:
    intruder = idle_api.new_key()
    async with idle_api.client() as client:
        job = await _job(client, idle_api, invoice_pdf)
        _set_status(idle_api, job["id"], "completed")
        job_id, document_id = job["id"], job["documentId"]
        paths = [
            ("GET", f"{JOBS}/{job_id}", None, "JOB_NOT_FOUND"),
            ("GET", f"{JOBS}/{job_id}/extraction", None, "JOB_NOT_FOUND"),
            ("POST", f"{JOBS}/{job_id}/cancel", None, "JOB_NOT_FOUND"),
            ("POST", f"{JOBS}/{job_id}/restart", None, "JOB_NOT_FOUND"),
            ("DELETE", f"{JOBS}/{job_id}", None, "JOB_NOT_FOUND"),
            ("GET", f"/api/documents/{document_id}", None, "DOCUMENT_NOT_FOUND"),
            ("GET", f"/api/documents/{document_id}/content", None, "DOCUMENT_NOT_FOUND"),
            ("DELETE", f"/api/documents/{document_id}", None, "DOCUMENT_NOT_FOUND"),
            ("POST", f"{JOBS}/from-document/{document_id}", {"schemaId": "invoice"}, "DOCUMENT_NOT_FOUND"),
            ("GET", f"/api/v1/extraction-jobs/{job_id}", None, None),
        ]
        for method, path, body, code in paths:
            response = await client.request(method, path, json=body, headers=bearer(idle_api, intruder))
            if code is None:
                assert response.status_code == 404, (path, response.text)
            else:
                assert_jobs_error(response, 404, code)
        listed = await client.get(JOBS, headers=bearer(idle_api, intruder))
        documents = await client.get("/api/documents", headers=bearer(idle_api, intruder))
        still_there = await client.get(f"{JOBS}/{job_id}", headers=bearer(idle_api))
    assert listed.json()["total"] == 0 and documents.json()["total"] == 0
    assert still_there.status_code == 200
