"""The review gate over HTTP, with jobs a real `extractd worker` put in `review_required` (DESIGN.md §4a)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_support import Api, wait_for_job

from extractd.services.keys import hash_key
from extractd.store.db import transaction
from extractd.store.repositories import api_keys

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("worker")]

JOBS = "/api/v1/extraction-jobs"
TEMPLATE = {
    "name": "review-invoice",
    "fields": [
        {"name": "invoice_number", "type": "text", "description": "The invoice's own number."},
        {"name": "invoice_date", "type": "date", "description": "Date the invoice was issued."},
        {"name": "total_amount", "type": "money", "description": "Total including tax."},
        {
            "name": "purchase_order",
            "type": "text",
            "description": "The buyer's order number.",
            "required": True,
        },
        {"name": "paid", "type": "boolean", "description": "Whether the invoice is paid."},
    ],
}


async def _job(client: httpx.AsyncClient, api: Api, content: bytes, review: int | None = 99) -> str:
    """A job on ``content``, waited for: with ``review`` it lands in review_required."""
    template = await client.post("/api/v1/templates", headers=api.auth(), json=TEMPLATE)
    assert template.status_code in (201, 409), template.text
    fields = {"templateName": TEMPLATE["name"]} | ({"documentReview": str(review)} if review else {})
    response = await client.post(
        JOBS, headers=api.auth(), files={"file": ("invoice.pdf", content, "application/pdf")}, data=fields
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    job = await wait_for_job(client, api, job_id)
    assert job["status"] == ("review_required" if review else "completed"), job
    return job_id


def _key_id(api: Api, key: str) -> str:
    with transaction(api.app.state.context.sessions) as session:
        row = api_keys.find_active(session, hash_key(key))
        assert row is not None
        return row.id


async def _decide(client: httpx.AsyncClient, api: Api, job_id: str, body: Any, key: str | None = None) -> Any:
    return await client.post(f"{JOBS}/{job_id}/review", headers=api.auth(key), json=body)


async def test_review_lists_the_flagged_fields_with_where_and_why(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        response = await client.get(f"{JOBS}/{job_id}/review", headers=api.auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["job"]["status"] == "review_required"
    review = body["review"]
    assert review["threshold"] == 99
    assert review["flaggedFieldCount"] == len(review["fields"]) == body["job"]["reviewFlaggedFieldCount"]
    by_name = {field["field"]: field for field in review["fields"]}
    # Required and absent from the document: flagged as missing, with no place on the page.
    assert "required_missing" in by_name["purchase_order"]["reasons"]
    assert by_name["purchase_order"]["value"] is None
    found = [field for field in review["fields"] if field["value"] is not None]
    assert found, review
    for field in found:
        assert field["page"] == 1
        assert len(field["bbox"]) == 4 and field["bbox"][0] < field["bbox"][2]
        assert field["text"]
        assert field["text"] in field["textAround"].replace("\n", " ")  # the value's line and neighbours
        assert len(field["textAround"].splitlines()) >= 2
        assert isinstance(field["confidence"], float) and field["confidence"] * 100 < 99
        assert "low_confidence" in field["reasons"]


async def test_approve_without_corrections_completes_and_records_who(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        decided = await _decide(client, api, job_id, {"action": "approve"})
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    assert decided.status_code == 200, decided.text
    assert decided.json()["job"]["status"] == "completed"
    assert status.json()["job"]["status"] == "completed"
    assert result.status_code == 200, result.text
    record = result.json()["data"]["review"]
    assert record["action"] == "approved"
    assert record["keyId"] == _key_id(api, api.key)
    assert record["changes"] == {}
    assert record["reviewedAt"].endswith("Z")
    assert result.json()["data"]["documents"][0]["content"]["invoice_number"] == "INV-2024-0042"


async def test_approve_with_corrections_keeps_old_and_new_values(api: Api, invoice_pdf: bytes) -> None:
    reviewer = api.new_key(api.environment)  # a second key of the same environment decides
    corrections = {"purchase_order": "PO-77", "total_amount": 1200.5, "invoice_date": "2024-03-16"}
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        decided = await _decide(
            client, api, job_id, {"action": "approve", "corrections": corrections}, reviewer
        )
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    assert decided.status_code == 200, decided.text
    answered = decided.json()["data"]
    assert answered["review"] == result.json()["data"]["review"]
    assert answered["documents"][0]["content"] == result.json()["data"]["documents"][0]["content"]
    data = result.json()["data"]
    content = data["documents"][0]["content"]
    assert (content["purchase_order"], content["total_amount"], content["invoice_date"]) == (
        "PO-77",
        1200.5,
        "2024-03-16",
    )
    assert content["invoice_number"] == "INV-2024-0042"  # untouched
    review = data["review"]
    assert review["keyId"] == _key_id(api, reviewer) != _key_id(api, api.key)
    assert review["changes"] == {
        "purchase_order": {"from": None, "to": "PO-77"},
        "total_amount": {"from": 1190.0, "to": 1200.5},
        "invoice_date": {"from": "2024-03-15", "to": "2024-03-16"},
    }


@pytest.mark.parametrize(
    ("corrections", "named"),
    [
        ({"no_such_field": "x"}, "no_such_field"),
        ({"total_amount": "a lot"}, "total_amount"),
        ({"invoice_date": "16.03.2024"}, "invoice_date"),  # the template's dateFormat is YYYY-MM-DD
        ({"paid": "yes"}, "paid"),
        ({"invoice_number": 42}, "invoice_number"),
    ],
)
async def test_a_correction_that_does_not_fit_the_template_is_422_naming_it(
    api: Api, invoice_pdf: bytes, corrections: dict[str, Any], named: str
) -> None:
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        decided = await _decide(client, api, job_id, {"action": "approve", "corrections": corrections})
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert decided.status_code == 422, decided.text
    error = decided.json()["error"]
    assert error["code"] == "INVALID_CORRECTION"
    assert f"`{named}`" in error["message"]
    assert status.json()["job"]["status"] == "review_required"  # nothing was decided


async def test_reject_fails_the_job_with_review_rejected(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        decided = await _decide(client, api, job_id, {"action": "reject", "reason": "Not our invoice."})
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
    assert decided.status_code == 200, decided.text
    job = status.json()["job"]
    assert decided.json()["job"] == job
    assert job["status"] == "failed"
    assert job["error"]["code"] == "REVIEW_REJECTED"
    assert "Not our invoice." in job["error"]["message"]
    assert (result.status_code, result.json()["error"]["code"]) == (409, "JOB_FAILED")


async def test_deciding_a_job_not_awaiting_review_is_409(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        plain = await _job(client, api, invoice_pdf, review=None)  # completed straight away
        reviewed = await _job(client, api, invoice_pdf)
        first = await _decide(client, api, reviewed, {"action": "approve"})
        answers = [
            await client.get(f"{JOBS}/{plain}/review", headers=api.auth()),
            await _decide(client, api, plain, {"action": "approve"}),
            await _decide(client, api, plain, {"action": "reject", "reason": "x"}),
            await _decide(client, api, reviewed, {"action": "reject", "reason": "too late"}),
            await client.get(f"{JOBS}/{reviewed}/review", headers=api.auth()),
        ]
        status = await client.get(f"{JOBS}/{reviewed}", headers=api.auth())
    assert first.status_code == 200
    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(409, "NOT_AWAITING_REVIEW")] * 5
    assert status.json()["job"]["status"] == "completed"


async def test_another_environment_sees_404(api: Api, invoice_pdf: bytes) -> None:
    stranger = api.new_key()  # a key of a new environment
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        answers = [
            await client.get(f"{JOBS}/{job_id}/review", headers=api.auth(stranger)),
            await _decide(client, api, job_id, {"action": "approve"}, stranger),
            await _decide(client, api, job_id, {"action": "reject", "reason": "x"}, stranger),
        ]
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(404, "JOB_NOT_FOUND")] * 3
    assert status.json()["job"]["status"] == "review_required"


async def test_a_malformed_decision_is_400(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        job_id = await _job(client, api, invoice_pdf)
        answers = [
            await _decide(client, api, job_id, {"action": "maybe"}),
            await _decide(client, api, job_id, {"action": "approve", "corrections": ["total_amount"]}),
            await _decide(client, api, job_id, ["approve"]),
        ]
    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(400, "VALIDATION_ERROR")] * 3
