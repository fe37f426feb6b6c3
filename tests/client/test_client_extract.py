"""extract(), jobs, templates, filters, review and its queue through the client, against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from extractd_client import AsyncClient, Client, ExtractionResult, WaitTimeout
from tests.conftest import INVOICE_LINES, text_pdf

from conftest import Server

EXAMPLE_INVOICE = Path(__file__).resolve().parents[2] / "examples" / "invoice.pdf"


def test_extract_a_pdf_in_three_lines(client: Client) -> None:
    result = client.extract(EXAMPLE_INVOICE, template="invoice")

    assert isinstance(result, ExtractionResult)
    assert result.job_id and result.original_name == "invoice.pdf" and result.processed_pages == 1
    document = result.documents[0]
    assert document.content["invoice_number"] == "INV-2026-0117"
    assert document.content["total_amount"] == 1487.5
    assert 0 < document.field_confidence["invoice_number"] <= 1
    assert document.field_details["invoice_number"]["page"] == 1
    assert document.used_template_name == "invoice"


def test_jobs_create_get_wait_result(client: Client, invoice_pdf: bytes) -> None:
    created = client.jobs.create(invoice_pdf, "invoice", filename="inv.pdf")
    assert created.status == "queued" and created.retry_after_ms

    final = client.jobs.wait(created.id, timeout=120)
    assert final.status == "completed" and final.result_available
    assert client.jobs.get(created.id).status == "completed"
    result = client.jobs.result(created.id)
    assert result.documents[0].content["invoice_number"] == "INV-2024-0042"
    assert result.original_name == "inv.pdf"


def test_extract_sync_answers_inline(client: Client, invoice_pdf: bytes) -> None:
    result = client.extract_sync(invoice_pdf, "invoice", filename="inv.pdf")
    assert result.documents[0].content["total_amount"] == 1190.0


def test_the_async_client_extracts_in_parallel(server: Server, api_key: str) -> None:
    files = [
        text_pdf([[*INVOICE_LINES[:4], f"Invoice number: PAR-{n:03d}", *INVOICE_LINES[5:]]]) for n in range(4)
    ]

    async def run() -> list[ExtractionResult]:
        async with AsyncClient(server.url, api_key) as client:
            return await asyncio.gather(
                *(client.extract(pdf, "invoice", filename=f"{n}.pdf") for n, pdf in enumerate(files))
            )

    results = asyncio.run(run())

    assert [r.documents[0].content["invoice_number"] for r in results] == [f"PAR-{n:03d}" for n in range(4)]
    assert len({r.job_id for r in results}) == 4
    assert server.count_jobs() >= 4


def test_templates_and_filters(client: Client, invoice_pdf: bytes) -> None:
    names = {template.name for template in client.templates.list()}
    assert {"invoice", "receipt"} <= names
    definition: dict[str, Any] = {
        "name": "tiny",
        "description": "Just the number.",
        "fields": [{"name": "invoice_number", "type": "text", "description": "The invoice's own number."}],
    }
    created = client.templates.create(definition)
    assert created.name == "tiny" and created.version == 1 and not created.builtin
    updated = client.templates.update("tiny", {**definition, "description": "Only the number."})
    assert updated.version == 2 and client.templates.get("tiny").description == "Only the number."
    assert client.extract(invoice_pdf, "tiny").documents[0].content == {"invoice_number": "INV-2024-0042"}

    rule = {"documentName": "Invoice", "description": "An invoice.", "extract": True, "templateName": "tiny"}
    assert client.filters.create({"name": "mail", "rules": [rule]}).rules[0]["templateName"] == "tiny"
    assert [f.name for f in client.filters.list()] == ["mail"]
    result = client.extract(invoice_pdf, filter="mail")
    assert result.documents[0].used_template_name == "tiny"
    client.filters.delete("mail")
    client.templates.delete("tiny")
    assert "tiny" not in {template.name for template in client.templates.list()}


def test_review_queue_approve_and_reject(client: Client, invoice_pdf: bytes) -> None:
    held = [client.jobs.create(invoice_pdf, "invoice", document_review=99) for _ in range(2)]
    for job in held:
        assert client.jobs.wait(job.id, timeout=120).status == "review_required"
    done = client.jobs.create(invoice_pdf, "invoice")
    assert client.jobs.wait(done.id, timeout=120).status == "completed"
    queue = client.reviews.queue()
    assert queue.total == 2 and {job.id for job in queue.jobs} == {job.id for job in held}
    assert all(job.status == "review_required" for job in queue.jobs)
    assert client.reviews.queue(limit=1, page=2).jobs[0].id in {job.id for job in held}

    review = client.reviews.get(held[0].id)
    assert review.job.status == "review_required" and review.threshold == 99 and review.fields
    flagged = {field.field for field in review.fields}
    assert "purchase_order" in flagged  # not in the document: flagged as not found

    result = client.reviews.approve(held[0].id, {"purchase_order": "PO-4711"})
    assert result.documents[0].content["purchase_order"] == "PO-4711"
    assert result.review is not None and result.review["changes"]["purchase_order"]["to"] == "PO-4711"
    assert client.jobs.result(held[0].id).documents[0].content["purchase_order"] == "PO-4711"

    rejected = client.reviews.reject(held[1].id, "not ours")
    assert rejected.status == "failed" and rejected.error is not None
    assert rejected.error.code == "REVIEW_REJECTED"
    assert client.reviews.queue().total == 0  # decided: out of the queue


def test_wait_gives_up_at_its_timeout(client: Client) -> None:
    # Long enough to be unfinished at the first read: an idle worker picks a 1-page job up and ends it
    # within the few milliseconds between the create and that read.
    job = client.jobs.create(text_pdf([INVOICE_LINES] * 400), "invoice")
    with pytest.raises(WaitTimeout) as raised:
        client.jobs.wait(job.id, timeout=0.001)  # read once, right after the create: not final yet
    assert raised.value.job_id == job.id and raised.value.job_status in ("queued", "processing")
    assert client.jobs.wait(job.id, timeout=120).status == "completed"  # it went on on the server
