"""Jobs that pick their template through a filter, and jobs on the built-in `receipt`, run by a worker."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_support import Api, wait_for_job
from tests.unit.engine.conftest import make_pdf

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("worker")]

JOBS = "/api/v1/extraction-jobs"
RULES = [
    {
        "documentName": "Supplier invoice",
        "description": "Invoices from suppliers with totals and VAT",
        "templateName": "invoice",
        "extract": True,
    },
    {
        "documentName": "Staff newsletter",
        "description": "Internal newsletter with staff announcements and events",
        "extract": False,
    },
]
NEWSLETTER_LINES = (
    "Staff Newsletter - Spring edition",
    "Announcements for all staff",
    "The summer party takes place on the terrace.",
    "Welcome to the three new colleagues in the events team.",
)
RECEIPT_LINES = (
    "Corner Cafe",
    "12 Station Road, Leeds",
    "Date: 2024-05-02   Time: 08:41",
    "Flat white        1    3.20",
    "Croissant         1    2.30",
    "VAT 20%                0.92",
    "TOTAL                  5.50",
    "Paid by card",
)


async def _finished_result(
    api: Api, client: httpx.AsyncClient, content: bytes, **fields: str
) -> dict[str, Any]:
    created = await client.post(
        JOBS, headers=api.auth(), files={"file": ("doc.pdf", content, "application/pdf")}, data=fields
    )
    assert created.status_code == 202, created.text
    job = await wait_for_job(client, api, created.json()["job"]["id"])
    assert job["status"] == "completed", job
    result = await client.get(f"{JOBS}/{job['id']}/result", headers=api.auth())
    assert result.status_code == 200, result.text
    data: dict[str, Any] = result.json()["data"]
    return data


async def test_filter_extracts_the_matching_rule_and_skips_the_other(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        created = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": RULES}
        )
        assert created.status_code == 201, created.text
        invoice = await _finished_result(api, client, invoice_pdf, filterName="inbox")
        newsletter = await _finished_result(api, client, make_pdf([NEWSLETTER_LINES]), filterName="inbox")

    [extracted] = invoice["documents"]
    assert extracted["extracted"] is True
    assert (extracted["documentName"], extracted["usedTemplateName"]) == ("Supplier invoice", "invoice")
    assert extracted["content"]["invoice_number"] == "INV-2024-0042"

    [skipped] = newsletter["documents"]
    assert skipped["extracted"] is False
    assert skipped["documentName"] == "Staff newsletter"
    assert "Staff newsletter" in skipped["reason"]
    assert not skipped.get("content")


async def test_a_job_on_the_builtin_receipt_template_completes(api: Api) -> None:
    async with api.client() as client:
        data = await _finished_result(api, client, make_pdf([RECEIPT_LINES]), templateName="receipt")
    [document] = data["documents"]
    assert document["extracted"] is True
    assert document["usedTemplateName"] == "receipt"
    content = document["content"]
    assert {"merchant_name", "date", "total", "line_items"} <= set(content)
    assert content["total"] == pytest.approx(5.50)
    assert content["date"] == "2024-05-02"
