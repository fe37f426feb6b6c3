"""The create-request rules of the v1 API, as pure functions (no HTTP)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from extractd.api.v1 import job_fields
from extractd.api.v1.uploads import decode_base64_file
from extractd.domain.errors import (
    EmptyFile,
    ExtractdError,
    FileTooLarge,
    InvalidBase64,
    InvalidDeliveryMode,
    UnsupportedOption,
    ValidationFailed,
)
from extractd.services.jobs import JobRequest


def test_form_fields_become_a_typed_request() -> None:
    request = job_fields.from_form(
        {
            "templateName": "invoice",
            "documentSplitting": "TRUE",
            "returnDocuments": "1",
            "returnText": "0",
            "documentReview": "75",
            "schemaChunking": "combined",
            "password": "",
            "returnBoundingBoxes": "true",
            "delivery.mode": "poll",
        }
    )
    assert request == JobRequest(
        template_name="invoice",
        document_splitting=True,
        return_documents=True,
        return_text=False,
        document_review=75,
        schema_chunking="combined",
        password="",
        delivery_mode="poll",
    )


def test_json_fields_become_a_typed_request() -> None:
    request = job_fields.from_json(
        {"filterName": "inbox", "returnText": True, "delivery": {"mode": "webhook"}, "documentReview": None}
    )
    assert request == JobRequest(filter_name="inbox", return_text=True, delivery_mode="webhook")


def test_defaults() -> None:
    assert job_fields.from_form({"templateName": "t"}) == JobRequest(template_name="t")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"templateName": "t", "options": "{}"}, UnsupportedOption),
        ({"templateName": "t", "options.returnText": "true"}, UnsupportedOption),
        ({"templateName": "t", "shoeSize": "42"}, ValidationFailed),
        ({}, ValidationFailed),
        ({"templateName": "t", "filterName": "f"}, ValidationFailed),
        ({"templateName": "  "}, ValidationFailed),
        ({"templateName": "t", "returnText": "yes"}, ValidationFailed),
        ({"templateName": "t", "documentReview": "0"}, ValidationFailed),
        ({"templateName": "t", "documentReview": "100"}, ValidationFailed),
        ({"templateName": "t", "documentReview": "5.5"}, ValidationFailed),
        ({"templateName": "t", "schemaChunking": "none"}, ValidationFailed),
        ({"templateName": "t", "deliveryMode": "fax"}, InvalidDeliveryMode),
        ({"templateName": "t", "deliveryMode": "poll", "delivery.mode": "webhook"}, ValidationFailed),
    ],
)
def test_form_rules(fields: dict[str, str], error: type[ExtractdError]) -> None:
    with pytest.raises(error):
        job_fields.from_form(fields)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"templateName": "t", "options": {"ocr": True}}, UnsupportedOption),
        ({"templateName": "t", "returnText": "true"}, ValidationFailed),
        ({"templateName": "t", "returnText": 1}, ValidationFailed),
        ({"templateName": "t", "documentReview": "50"}, ValidationFailed),
        ({"templateName": "t", "documentReview": True}, ValidationFailed),
        ({"templateName": "t", "documentReview": 12.0}, ValidationFailed),
        ({"templateName": ["t"]}, ValidationFailed),
        ({"templateName": "t", "schemaChunking": ["auto"]}, ValidationFailed),
        ({"templateName": "t", "deliveryMode": ["poll"]}, InvalidDeliveryMode),
        ({"templateName": "t", "delivery": {"mode": "poll", "extra": 1}}, ValidationFailed),
        ({"templateName": "t", "delivery": "poll"}, ValidationFailed),
        ({"templateName": "t", "password": 1234}, ValidationFailed),
    ],
)
def test_json_rules(body: dict[str, Any], error: type[ExtractdError]) -> None:
    with pytest.raises(error):
        job_fields.from_json(body)


@pytest.mark.parametrize("field", ["documentReview", "deliveryMode", "delivery.mode"])
def test_sync_endpoint_refuses_async_only_fields(field: str) -> None:
    value = "50" if field == "documentReview" else "poll"
    assert job_fields.from_form({"templateName": "t", field: value}).template_name == "t"
    with pytest.raises(ValidationFailed, match="synchronous"):
        job_fields.from_form({"templateName": "t", field: value}, sync=True)


def test_base64_and_data_urls_decode() -> None:
    content = b"%PDF-1.4 hello"
    encoded = base64.b64encode(content).decode()
    assert decode_base64_file(encoded, 100) == content
    assert decode_base64_file(f"  {encoded[:8]}\n{encoded[8:]}  ", 100) == content
    assert decode_base64_file(f"data:application/pdf;base64,{encoded}", 100) == content
    assert decode_base64_file(f"data:application/pdf;name=a.pdf;base64,{encoded}", 100) == content


@pytest.mark.parametrize(
    ("encoded", "error"),
    [
        ("not base64!", InvalidBase64),
        ("QUJ", InvalidBase64),
        ("data:application/pdf,plain-text", InvalidBase64),
        ("Zm9v€", InvalidBase64),
        ("", EmptyFile),
        ("data:application/pdf;base64,", EmptyFile),
        (base64.b64encode(b"x" * 101).decode(), FileTooLarge),
        (base64.b64encode(b"x" * 1000).decode(), FileTooLarge),
    ],
)
def test_base64_rules(encoded: str, error: type[ExtractdError]) -> None:
    with pytest.raises(error):
        decode_base64_file(encoded, 100)
