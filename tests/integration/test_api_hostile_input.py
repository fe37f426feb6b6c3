"""Hostile and careless input gets a 400 in our error body, never a 500 (issue 8, the API half).

In-process over a real SQLite file: nesting bombs on every JSON endpoint, templates nested too deep,
integers that are not ASCII digits, control characters in every text input, a blob store that fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import Api, b64

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"
TEMPLATE = {"name": "probe", "fields": [{"name": "total", "type": "money"}]}
FILTER = {"name": "route", "rules": [{"documentName": "invoice", "templateName": "invoice"}]}


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    message: str = body["error"]["message"]
    return message


def _nested_sections(depth: int) -> bytes:
    """A template whose sections nest ``depth`` deep, as JSON text (too deep for json.dumps at 1,000)."""
    field = '{"name": "leaf", "type": "text"}'
    for level in range(depth):
        field = f'{{"name": "s{level}", "type": "section", "fields": [{field}]}}'
    return f'{{"name": "deep", "fields": [{field}]}}'.encode()


def _multipart(filename: bytes, fields: dict[str, str], content: bytes) -> tuple[dict[str, str], bytes]:
    """A multipart body written by hand: httpx percent-encodes control characters in file names."""
    boundary = b"xXhostileXx"
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary, name.encode(), value.encode())
        for name, value in fields.items()
    ]
    parts.append(
        b'--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%s\r\n--%s--\r\n" % (boundary, filename, content, boundary)
    )
    return {"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"}, b"".join(parts)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/templates"),
        ("PUT", "/api/v1/templates/probe"),
        ("POST", "/api/v1/filters"),
        ("PUT", "/api/v1/filters/route"),
        ("POST", JOBS),
        ("POST", "/api/v1/extractFields"),
    ],
)
async def test_a_body_nested_100000_deep_is_refused_on_every_json_endpoint(
    api: Api, method: str, path: str
) -> None:
    bomb = b'{"templateName": "invoice", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    async with api.client() as client:
        response = await client.request(
            method, path, headers=api.auth() | {"Content-Type": "application/json"}, content=bomb
        )
    assert "32" in _error(response, 400, "JSON_TOO_DEEP")


async def test_brackets_inside_strings_are_not_nesting(api: Api) -> None:
    body = TEMPLATE | {"description": "[" * 2000 + "{" * 2000 + '\\"]' * 100}
    async with api.client() as client:
        response = await client.post("/api/v1/templates", headers=api.auth(), json=body)
    assert response.status_code == 201, response.text


async def test_templates_nested_too_deep_are_refused_with_a_clear_error(api: Api) -> None:
    async with api.client() as client:
        json_type = api.auth() | {"Content-Type": "application/json"}
        thousand = await client.post("/api/v1/templates", headers=json_type, content=_nested_sections(1000))
        ten = await client.post("/api/v1/templates", headers=json_type, content=_nested_sections(10))
        seven = await client.post("/api/v1/templates", headers=json_type, content=_nested_sections(7))
    _error(thousand, 400, "JSON_TOO_DEEP")
    assert "nest deeper than 8 levels" in _error(ten, 400, "INVALID_TEMPLATE")
    assert seven.status_code == 201, seven.text


@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000, "+5", "5 5"])
async def test_document_review_takes_only_a_few_ascii_digits(
    api: Api, invoice_pdf: bytes, value: str
) -> None:
    async with api.client() as client:
        response = await client.post(
            JOBS,
            headers=api.auth(),
            files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice", "documentReview": value},
        )
    assert "documentReview" in _error(response, 400, "VALIDATION_ERROR")


async def _create_job(client: Any, api: Api, pdf: bytes, multipart: bool, **fields: Any) -> Any:
    filename = fields.pop("filename", "invoice.pdf")
    if multipart:
        headers, body = _multipart(filename.encode(), {"templateName": "invoice"} | fields, pdf)
        return await client.post(JOBS, headers=api.auth() | headers, content=body)
    return await client.post(
        JOBS,
        headers=api.auth(),
        json={"file": b64(pdf), "filename": filename, "templateName": "invoice"} | fields,
    )


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "json"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("filename", "inv\x00oice.pdf"),
        ("filename", "invoice\n.pdf"),
        ("password", "se\x00cret"),
        ("filterName", "ro\x00ute"),
        ("templateName", "invoice\x1b"),
    ],
)
async def test_control_characters_in_job_fields_are_refused(
    api: Api, invoice_pdf: bytes, multipart: bool, field: str, value: str
) -> None:
    fields = {field: value}
    async with api.client() as client:
        if field == "filterName" and multipart:
            response = await client.post(
                JOBS,
                headers=api.auth(),
                files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
                data={"filterName": value},
            )
        elif field == "filterName":
            response = await client.post(
                JOBS, headers=api.auth(), json={"file": b64(invoice_pdf), "filterName": value}
            )
        else:
            response = await _create_job(client, api, invoice_pdf, multipart, **fields)
    assert f"`{field}` contains the control character" in _error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/templates", TEMPLATE | {"description": "a\x00b"}),
        ("/api/v1/templates", TEMPLATE | {"name": "pro\x00be"}),
        ("/api/v1/templates", {"name": "probe", "fields": [{"name": "to\x00tal", "type": "money"}]}),
        ("/api/v1/filters", FILTER | {"name": "ro\x00ute"}),
        ("/api/v1/filters", FILTER | {"description": "\x07"}),
        (
            "/api/v1/filters",
            {"name": "r", "rules": [{"documentName": "in\tvoice", "templateName": "invoice"}]},
        ),
    ],
)
async def test_control_characters_in_templates_and_filters_are_refused(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    async with api.client() as client:
        response = await client.post(path, headers=api.auth(), json=body)
    assert "contains the control character" in _error(response, 400, "VALIDATION_ERROR")


async def test_free_text_keeps_its_line_breaks(api: Api) -> None:
    async with api.client() as client:
        response = await client.post(
            "/api/v1/templates", headers=api.auth(), json=TEMPLATE | {"description": "line one\r\n\tline two"}
        )
    assert response.status_code == 201, response.text
    assert response.json()["template"]["description"] == "line one\r\n\tline two"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/templates/pro%00be", {}),
        ("/api/v1/templates?x=%01", {}),
        ("/api/v1/templates", {"Idempotency-Key": "key\x7f"}),
        ("/api/v1/templates", {"X-Request-ID": "id\x1f"}),
    ],
)
async def test_control_characters_in_path_query_and_headers_are_refused(
    api: Api, path: str, headers: dict[str, str]
) -> None:
    async with api.client() as client:
        response = await client.get(path, headers=api.auth() | headers)
    assert "control character" in _error(response, 400, "MALFORMED_REQUEST")


async def test_a_failing_blob_store_answers_503_with_retry_after(make_api: Any, invoice_pdf: bytes) -> None:
    api = make_api(private=True)
    blob_dir = Path(api.settings.blob_dir)
    blob_dir.mkdir(parents=True, exist_ok=True)
    blob_dir.rmdir()
    blob_dir.write_text("not a folder")  # every write under it fails, as on a full or broken disk
    async with api.client() as client:
        response = await client.post(
            JOBS, headers=api.auth(), json={"file": b64(invoice_pdf), "templateName": "invoice"}
        )
    _error(response, 503, "TRANSIENT_ERROR")
    assert response.headers["Retry-After"] == "1"
