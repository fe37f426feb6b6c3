"""End to end through a real `extractd worker`: create → poll → result, sync, review, failures, expiry."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from api_support import Api, b64, wait_for_job

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("worker")]

JOBS = "/api/v1/extraction-jobs"


def _assert_invoice_values(data: dict[str, Any]) -> None:
    assert data["originalName"]
    assert data["processedPages"] == 1
    document = data["documents"][0]
    assert document["extracted"] is True
    content = document["content"]
    assert content["invoice_number"] == "INV-2024-0042"
    assert content["invoice_date"] == "2024-03-15"
    assert content["total_amount"] == pytest.approx(1190.00)


async def _create(api: Api, how: str, content: bytes, **fields: Any) -> str:
    async with api.client() as client:
        if how == "multipart":
            response = await client.post(
                JOBS,
                headers=api.auth(),
                files={"file": ("invoice.pdf", content, "application/pdf")},
                data={key: str(value) for key, value in fields.items()},
            )
        else:
            encoded = b64(content) if how == "base64" else f"data:application/pdf;base64,{b64(content)}"
            response = await client.post(
                JOBS, headers=api.auth(), json={"file": encoded, "filename": "invoice.pdf"} | fields
            )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    return job_id


@pytest.mark.parametrize("how", ["multipart", "base64", "data-url"])
async def test_create_poll_result(api: Api, invoice_pdf: bytes, how: str) -> None:
    job_id = await _create(api, how, invoice_pdf, templateName="invoice")
    async with api.client() as client:
        job = await wait_for_job(client, api, job_id)
        assert job["status"] == "completed", job
        assert set(job) == {
            "id",
            "status",
            "completedAt",
            "resultAvailable",
            "resultUrl",
            "createdAt",
            "updatedAt",
        }
        assert job["resultAvailable"] is True
        assert job["resultUrl"] == f"{JOBS}/{job_id}/result"  # relative, as the document shows
        first = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
        again = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["success"] is True
    assert body["job"] == {"id": job_id, "status": "completed", "completedAt": job["completedAt"]}
    assert body["data"]["originalName"] == "invoice.pdf"
    # completionTime: seconds from the job's creation to its completion.
    created, completed = (_instant(job[key]) for key in ("createdAt", "completedAt"))
    assert body["data"]["completionTime"] == pytest.approx((completed - created).total_seconds(), abs=0.002)
    assert body["data"]["completionTime"] > 0
    _assert_invoice_values(body["data"])
    assert again.json() == body  # reading never consumes the result


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def test_sync_extract_fields(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        response = await client.post(
            "/api/v1/extractFields",
            headers=api.auth(),
            files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice", "returnText": "true"},
        )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"success", "data"}
    data = response.json()["data"]
    _assert_invoice_values(data)
    assert "INV-2024-0042" in data["documents"][0]["returnedText"]
    # The sync answer's completionTime is the seconds the extraction itself took.
    assert isinstance(data["completionTime"], float) and 0 < data["completionTime"] < 60


async def test_sync_refuses_async_only_fields(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        for field, value in [("documentReview", "50"), ("deliveryMode", "poll"), ("delivery.mode", "poll")]:
            response = await client.post(
                "/api/v1/extractFields",
                headers=api.auth(),
                files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
                data={"templateName": "invoice", field: value},
            )
            assert response.status_code == 400, (field, response.text)
            assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_corrupt_file_fails_the_job_and_sync_answers_422(api: Api) -> None:
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref or trailer"
    job_id = await _create(api, "base64", corrupt, templateName="invoice")
    async with api.client() as client:
        job = await wait_for_job(client, api, job_id)
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
        sync = await client.post(
            "/api/v1/extractFields",
            headers=api.auth(),
            json={"file": b64(corrupt), "templateName": "invoice"},
        )
    assert job["status"] == "failed"
    assert set(job) == {"id", "status", "failedAt", "error", "createdAt", "updatedAt"}
    assert job["error"]["code"] == "CORRUPT_FILE"
    assert (result.status_code, result.json()["error"]["code"]) == (409, "JOB_FAILED")
    assert (sync.status_code, sync.json()["error"]["code"]) == (422, "CORRUPT_FILE")


async def test_document_review_holds_the_result(api: Api, invoice_pdf: bytes) -> None:
    job_id = await _create(api, "multipart", invoice_pdf, templateName="invoice", documentReview=99)
    async with api.client() as client:
        job = await wait_for_job(client, api, job_id)
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    assert job["status"] == "review_required", job
    assert set(job) == {
        "id",
        "status",
        "reviewRequiredAt",
        "reviewThreshold",
        "reviewFlaggedFieldCount",
        "resultAvailable",
        "retryAfterMs",
        "createdAt",
        "updatedAt",
    }
    assert job["reviewThreshold"] == 99
    assert job["reviewFlaggedFieldCount"] >= 1
    assert job["resultAvailable"] is False
    assert (result.status_code, result.json()["error"]["code"]) == (409, "REVIEW_REQUIRED")


async def test_result_expires_with_410(api: Api, invoice_pdf: bytes) -> None:
    api.set_result_ttl(1)
    job_id = await _create(api, "base64", invoice_pdf, templateName="invoice")
    async with api.client() as client:
        job = await wait_for_job(client, api, job_id)
        assert job["status"] == "completed"
        await asyncio.sleep(1.5)
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert (result.status_code, result.json()["error"]["code"]) == (410, "RESULT_EXPIRED")
    assert status.json()["job"]["status"] == "completed"
    assert status.json()["job"]["resultAvailable"] is False
