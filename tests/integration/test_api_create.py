"""POST /api/v1/extraction-jobs: every rejection rule, and the 202 answer (no worker needed)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from api_support import Api, b64

from extractd.store.models import Job
from extractd.store.secrets import unseal

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["message"]


async def _multipart(api: Api, content: bytes, **fields: str) -> Any:
    async with api.client() as client:
        return await client.post(
            JOBS, headers=api.auth(), files={"file": ("invoice.pdf", content, "application/pdf")}, data=fields
        )


async def _json(api: Api, body: Any, headers: dict[str, str] | None = None) -> Any:
    async with api.client() as client:
        return await client.post(JOBS, headers=api.auth() | (headers or {}), json=body)


def _job_row(api: Api, job_id: str) -> Job:
    with api.app.state.context.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


async def test_multipart_create_answers_202_with_the_queued_job(api: Api, invoice_pdf: bytes) -> None:
    response = await _multipart(api, invoice_pdf, templateName="invoice")
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    assert response.json()["success"] is True
    assert set(job) == {"id", "status", "statusUrl", "retryAfterMs"}
    assert job["status"] == "queued"
    assert job["statusUrl"] == f"{JOBS}/{job['id']}"  # relative to the server, as the document shows
    assert job["retryAfterMs"] >= 200
    row = _job_row(api, job["id"])
    assert row.template_name == "invoice"
    assert row.template_definition is not None
    assert row.template_definition["fields"][0]["name"] == "invoice_number"


async def test_json_base64_and_data_url_uploads_are_accepted(api: Api, invoice_pdf: bytes) -> None:
    plain = await _json(api, {"file": b64(invoice_pdf), "filename": "a.pdf", "templateName": "invoice"})
    data_url = await _json(
        api, {"file": f"data:application/pdf;base64,{b64(invoice_pdf)}", "templateName": "invoice"}
    )
    assert plain.status_code == 202, plain.text
    assert data_url.status_code == 202, data_url.text


async def test_fields_are_stored_on_the_job(api: Api, invoice_pdf: bytes) -> None:
    response = await _multipart(
        api,
        invoice_pdf,
        templateName="invoice",
        documentSplitting="1",
        returnText="true",
        returnDocuments="0",
        schemaChunking="combined",
        documentReview="80",
        returnBoundingBoxes="true",
        password="secret",
    )
    assert response.status_code == 202, response.text
    row = _job_row(api, response.json()["job"]["id"])
    # The password is not among the options: the job holds it sealed with the server key (issue 8).
    assert row.secret is not None and "secret" not in row.secret
    assert unseal(api.app.state.context.sessions, row.secret) == "secret"
    # Beside the engine options, the workload estimated for the polling hint (test_api_retry_hint).
    assert row.options.pop("workload")["pages"] == 1
    assert row.options == {
        "documentSplitting": True,
        "returnDocuments": False,
        "returnText": True,
        "schemaChunking": "combined",
    }
    assert row.document_review == 80
    assert row.delivery_mode == "poll"


@pytest.mark.parametrize("field", ["options", "options.ocr", "options.returnText"])
async def test_options_fields_are_refused(api: Api, invoice_pdf: bytes, field: str) -> None:
    _error(
        await _multipart(api, invoice_pdf, templateName="invoice", **{field: "x"}), 400, "UNSUPPORTED_OPTION"
    )


async def test_options_object_in_json_is_refused(api: Api, invoice_pdf: bytes) -> None:
    body = {"file": b64(invoice_pdf), "templateName": "invoice", "options": {"returnText": True}}
    _error(await _json(api, body), 400, "UNSUPPORTED_OPTION")


async def test_unknown_field_is_refused(api: Api, invoice_pdf: bytes) -> None:
    _error(await _multipart(api, invoice_pdf, templateName="invoice", colour="blue"), 400, "VALIDATION_ERROR")
    _error(
        await _json(api, {"file": b64(invoice_pdf), "templateName": "invoice", "x": 1}),
        400,
        "VALIDATION_ERROR",
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"returnText": "yes"}, "VALIDATION_ERROR"),
        ({"documentReview": "0"}, "VALIDATION_ERROR"),
        ({"documentReview": "100"}, "VALIDATION_ERROR"),
        ({"documentReview": "ten"}, "VALIDATION_ERROR"),
        ({"schemaChunking": "split"}, "VALIDATION_ERROR"),
        ({"deliveryMode": "email"}, "INVALID_DELIVERY_MODE"),
        ({"delivery.mode": "carrier-pigeon"}, "INVALID_DELIVERY_MODE"),
    ],
)
async def test_wrong_multipart_values_are_refused(
    api: Api, invoice_pdf: bytes, fields: dict[str, str], code: str
) -> None:
    _error(await _multipart(api, invoice_pdf, templateName="invoice", **fields), 400, code)


@pytest.mark.parametrize(
    "fields",
    [
        {"returnText": "true"},
        {"documentReview": "50"},
        {"documentReview": 50.5},
        {"documentReview": True},
        {"templateName": 7},
        {"delivery": "poll"},
        {"delivery": {"mode": "poll", "url": "x"}},
    ],
)
async def test_wrong_json_types_are_refused(api: Api, invoice_pdf: bytes, fields: dict[str, Any]) -> None:
    body = {"file": b64(invoice_pdf), "templateName": "invoice"} | fields
    _error(await _json(api, body), 400, "VALIDATION_ERROR")


async def test_template_name_is_required(api: Api, invoice_pdf: bytes) -> None:
    _error(await _multipart(api, invoice_pdf), 400, "VALIDATION_ERROR")


async def test_malformed_json_is_400(api: Api) -> None:
    async with api.client() as client:
        response = await client.post(
            JOBS, headers=api.auth() | {"Content-Type": "application/json"}, content=b'{"file": "AAA",'
        )
    _error(response, 400, "MALFORMED_JSON")


async def test_bad_base64_is_400(api: Api) -> None:
    _error(await _json(api, {"file": "%%%not base64%%%", "templateName": "invoice"}), 400, "INVALID_BASE64")
    _error(
        await _json(api, {"file": "data:application/pdf,plain", "templateName": "invoice"}),
        400,
        "INVALID_BASE64",
    )


async def test_empty_file_is_400(api: Api) -> None:
    _error(await _multipart(api, b"", templateName="invoice"), 400, "EMPTY_FILE")
    _error(await _json(api, {"file": "", "templateName": "invoice"}), 400, "EMPTY_FILE")


async def test_file_over_the_limit_is_413(make_api: Any) -> None:
    api = make_api(max_upload_mb=1)
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    _error(await _multipart(api, big, templateName="invoice"), 413, "FILE_TOO_LARGE")
    _error(await _json(api, {"file": b64(big), "templateName": "invoice"}), 413, "FILE_TOO_LARGE")


async def test_unsupported_type_is_415(api: Api) -> None:
    zip_bytes = b"PK\x03\x04" + bytes(range(256)) * 4
    _error(await _multipart(api, zip_bytes, templateName="invoice"), 415, "UNSUPPORTED_TYPE")


async def test_unknown_template_and_filter_are_404(api: Api) -> None:
    _error(await _multipart(api, PNG_1PX, templateName="no-such-template"), 404, "TEMPLATE_NOT_FOUND")
    _error(await _multipart(api, PNG_1PX, filterName="no-such-filter"), 404, "FILTER_NOT_FOUND")


async def test_webhook_delivery_needs_webhook_coverage(api: Api, invoice_pdf: bytes) -> None:
    _error(
        await _multipart(api, invoice_pdf, templateName="invoice", deliveryMode="webhook"),
        400,
        "WEBHOOK_COVERAGE_UNRESOLVED",
    )
    _error(
        await _multipart(api, invoice_pdf, templateName="invoice", **{"delivery.mode": "webhook"}),
        400,
        "WEBHOOK_COVERAGE_UNRESOLVED",
    )
    body = {"file": b64(invoice_pdf), "templateName": "invoice", "delivery": {"mode": "webhook"}}
    _error(await _json(api, body), 400, "WEBHOOK_COVERAGE_UNRESOLVED")


async def test_delivery_mode_alias_poll_is_accepted(api: Api, invoice_pdf: bytes) -> None:
    response = await _json(
        api, {"file": b64(invoice_pdf), "templateName": "invoice", "delivery": {"mode": "poll"}}
    )
    assert response.status_code == 202, response.text


async def test_unsupported_media_type_is_415(api: Api) -> None:
    async with api.client() as client:
        response = await client.post(
            JOBS, headers=api.auth() | {"Content-Type": "text/plain"}, content=b"hello"
        )
    _error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_queued_job_status_result_and_bad_ids(api: Api, invoice_pdf: bytes) -> None:
    created = await _multipart(api, invoice_pdf, templateName="invoice")
    job_id = created.json()["job"]["id"]
    async with api.client() as client:
        status = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
        result = await client.get(f"{JOBS}/{job_id}/result", headers=api.auth())
        not_uuid = await client.get(f"{JOBS}/not-a-uuid", headers=api.auth())
        unknown = await client.get(f"{JOBS}/{uuid.uuid4()}/result", headers=api.auth())
    assert status.status_code == 200
    job = status.json()["job"]
    assert job["status"] in ("queued", "processing", "completed", "failed", "review_required")
    if job["status"] == "queued":
        assert set(job) == {"id", "status", "progress", "retryAfterMs", "createdAt", "updatedAt"}
        _error(result, 409, "RESULT_NOT_READY")
    _error(not_uuid, 404, "JOB_NOT_FOUND")
    _error(unknown, 404, "JOB_NOT_FOUND")


async def test_unknown_route_and_method_use_the_error_shape(api: Api) -> None:
    async with api.client() as client:
        missing = await client.get("/api/v1/nothing-here", headers=api.auth())
        wrong_method = await client.delete(JOBS, headers=api.auth())
    _error(missing, 404, "NOT_FOUND")
    _error(wrong_method, 405, "METHOD_NOT_ALLOWED")


async def test_response_is_json_even_for_json_body_with_unicode(api: Api, invoice_pdf: bytes) -> None:
    response = await _json(
        api, {"file": b64(invoice_pdf), "filename": "Rechnung €.pdf", "templateName": "invoice"}
    )
    assert response.status_code == 202
    row = _job_row(api, response.json()["job"]["id"])
    with api.app.state.context.sessions() as session:
        from extractd.store.models import Document

        document = session.get(Document, row.document_id)
        assert document is not None
        assert document.filename == "Rechnung €.pdf"
        assert document.content_type == "application/pdf"
    assert json.loads(response.text)["success"] is True


async def test_storage_failure_is_a_retryable_503(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True)
    # The blob folder's place is taken by a file: every write under it fails, as a full disk would.
    api.settings.blob_dir.write_bytes(b"not a folder")
    response = await _multipart(api, invoice_pdf, templateName="invoice")
    _error(response, 503, "TRANSIENT_ERROR")
    with api.app.state.context.sessions() as session:
        assert session.query(Job).count() == 0
