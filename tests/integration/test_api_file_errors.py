"""Encrypted PDFs through the API: a missing or wrong password fails the job (async) or answers 422 (sync)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_support import Api, b64, wait_for_job
from tests.unit.engine.conftest import encrypt_pdf

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("worker")]

JOBS = "/api/v1/extraction-jobs"
PASSWORD = "s3cret-pw"


@pytest.fixture()
def encrypted_invoice(invoice_pdf: bytes) -> bytes:
    return encrypt_pdf(invoice_pdf, PASSWORD)


async def _run_job(api: Api, client: httpx.AsyncClient, content: bytes, **fields: str) -> dict[str, Any]:
    response = await client.post(
        JOBS,
        headers=api.auth(),
        files={"file": ("locked.pdf", content, "application/pdf")},
        data={"templateName": "invoice", **fields},
    )
    assert response.status_code == 202, response.text
    return await wait_for_job(client, api, response.json()["job"]["id"])


@pytest.mark.parametrize(
    ("fields", "code"),
    [({}, "PASSWORD_REQUIRED"), ({"password": "not-the-password"}, "INVALID_PASSWORD")],
    ids=["no-password", "wrong-password"],
)
async def test_locked_pdf_fails_the_job_with_the_password_code(
    api: Api, encrypted_invoice: bytes, fields: dict[str, str], code: str
) -> None:
    async with api.client() as client:
        job = await _run_job(api, client, encrypted_invoice, **fields)
        result = await client.get(f"{JOBS}/{job['id']}/result", headers=api.auth())
    assert job["status"] == "failed", job
    assert job["error"]["code"] == code
    assert (result.status_code, result.json()["error"]["code"]) == (409, "JOB_FAILED")


async def test_the_right_password_opens_the_pdf(api: Api, encrypted_invoice: bytes) -> None:
    async with api.client() as client:
        job = await _run_job(api, client, encrypted_invoice, password=PASSWORD)
        result = await client.get(f"{JOBS}/{job['id']}/result", headers=api.auth())
    assert job["status"] == "completed", job
    assert result.status_code == 200, result.text
    content = result.json()["data"]["documents"][0]["content"]
    assert content["invoice_number"] == "INV-2024-0042"


@pytest.mark.parametrize(
    ("password", "status", "code"),
    [(None, 422, "PASSWORD_REQUIRED"), ("not-the-password", 422, "INVALID_PASSWORD"), (PASSWORD, 200, None)],
    ids=["no-password", "wrong-password", "right-password"],
)
async def test_sync_extract_answers_422_for_a_locked_pdf(
    api: Api, encrypted_invoice: bytes, password: str | None, status: int, code: str | None
) -> None:
    body: dict[str, Any] = {"file": b64(encrypted_invoice), "templateName": "invoice"}
    if password is not None:
        body["password"] = password
    async with api.client() as client:
        response = await client.post("/api/v1/extractFields", headers=api.auth(), json=body)
    assert response.status_code == status, response.text
    if code is None:
        assert response.json()["data"]["documents"][0]["content"]["invoice_number"] == "INV-2024-0042"
    else:
        assert response.json()["error"]["code"] == code
