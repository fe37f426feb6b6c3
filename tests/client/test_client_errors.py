"""Each error code the server answers is raised as its own exception type, under ExtractdError(code,
status, message), by a real server."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pikepdf
import pytest
from extractd_client import Client, ExtractdError, RetryPolicy, errors
from tests.conftest import INVOICE_LINES, text_pdf

from conftest import Server

# Uploads above 1 MB are refused; webhooks to loopback too (the default, kept here on purpose).
SERVER_ENV = {"max_upload_mb": "1", "webhook_allow_private": "false"}
UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"
TINY = {"name": "tiny", "fields": [{"name": "invoice_number", "type": "text"}]}


def encrypted_pdf(pdf: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    return out.getvalue()


def finished(client: Client, pdf: bytes, **options: Any) -> str:
    job = client.jobs.create(pdf, "invoice", **options)
    client.jobs.wait(job.id, timeout=120)
    return job.id


def result_of_failed_job(client: Client, pdf: bytes) -> None:
    client.jobs.result(finished(client, b"%PDF-1.4\n1 0 obj garbage"))


def expired(server: Server) -> Callable[[Client, bytes], None]:
    def run(client: Client, pdf: bytes) -> None:
        job_id = finished(client, pdf)
        server.execute("UPDATE jobs SET result_expires_at = '2000-01-01 00:00:00' WHERE id = :id", id=job_id)
        client.jobs.result(job_id)

    return run


def twice(action: Callable[[Client], Any]) -> Callable[[Client, bytes], None]:
    def run(client: Client, pdf: bytes) -> None:
        action(client)
        action(client)

    return run


CASES: dict[str, tuple[type[ExtractdError], Callable[..., Any]]] = {
    "JOB_NOT_FOUND": (errors.JobNotFound, lambda c, pdf: c.jobs.get(UNKNOWN_ID)),
    "TEMPLATE_NOT_FOUND": (errors.TemplateNotFound, lambda c, pdf: c.jobs.create(pdf, "nope")),
    "FILTER_NOT_FOUND": (errors.FilterNotFound, lambda c, pdf: c.jobs.create(pdf, filter="nope")),
    "WEBHOOK_NOT_FOUND": (errors.WebhookNotFound, lambda c, pdf: c.webhooks.get(UNKNOWN_ID)),
    "TEMPLATE_EXISTS": (errors.TemplateExists, twice(lambda c: c.templates.create(TINY))),
    "FILTER_EXISTS": (
        errors.FilterExists,
        twice(
            lambda c: c.filters.create(
                {"name": "f", "rules": [{"documentName": "x", "templateName": "invoice"}]}
            )
        ),
    ),
    "BUILTIN_TEMPLATE_READ_ONLY": (
        errors.BuiltinTemplateReadOnly,
        lambda c, pdf: c.templates.delete("invoice"),
    ),
    "INVALID_TEMPLATE": (
        errors.InvalidTemplate,
        lambda c, pdf: c.templates.create({"name": "x", "fields": []}),
    ),
    "INVALID_PATTERN": (
        errors.InvalidPattern,
        lambda c, pdf: c.templates.create(
            {"name": "p", "fields": [{"name": "a", "type": "text", "pattern": r"(a)\1"}]}
        ),
    ),
    "EMPTY_FILE": (errors.EmptyFile, lambda c, pdf: c.jobs.create(b"", "invoice")),
    "UNSUPPORTED_TYPE": (
        errors.UnsupportedType,
        lambda c, pdf: c.jobs.create(b"GIF89a\x01\x00\x01\x00\x00\xff", "invoice"),
    ),
    "FILE_TOO_LARGE": (errors.FileTooLarge, lambda c, pdf: c.jobs.create(pdf + b"\n%" * 600_000, "invoice")),
    "VALIDATION_ERROR": (
        errors.ValidationError,
        lambda c, pdf: c.jobs.create(pdf, "invoice", document_review=150),
    ),
    "INVALID_DELIVERY_MODE": (
        errors.InvalidDeliveryMode,
        lambda c, pdf: c.jobs.create(pdf, "invoice", delivery_mode="fax"),
    ),
    "WEBHOOK_COVERAGE_UNRESOLVED": (
        errors.WebhookCoverageUnresolved,
        lambda c, pdf: c.jobs.create(pdf, "invoice", delivery_mode="webhook"),
    ),
    "WEBHOOK_URL_REFUSED": (
        errors.WebhookUrlRefused,
        lambda c, pdf: c.webhooks.create("http://127.0.0.1:9/hook"),
    ),
    "RESULT_NOT_READY": (
        errors.ResultNotReady,
        lambda c, pdf: c.jobs.result(c.jobs.create(text_pdf([INVOICE_LINES] * 80), "invoice").id),
    ),
    "REVIEW_REQUIRED": (
        errors.ReviewRequired,
        lambda c, pdf: c.jobs.result(finished(c, pdf, document_review=99)),
    ),
    "JOB_FAILED": (errors.JobFailed, result_of_failed_job),
    "INVALID_STATE": (errors.InvalidState, lambda c, pdf: c.jobs.cancel(finished(c, pdf))),
    "NOT_AWAITING_REVIEW": (errors.NotAwaitingReview, lambda c, pdf: c.reviews.approve(finished(c, pdf))),
    "INVALID_CORRECTION": (
        errors.InvalidCorrection,
        lambda c, pdf: c.reviews.approve(finished(c, pdf, document_review=99), {"no_such_field": 1}),
    ),
    "IDEMPOTENCY_KEY_REUSED": (
        errors.IdempotencyKeyReused,
        lambda c, pdf: [
            c.jobs.create(content, "invoice", idempotency_key="same-key") for content in (pdf, pdf + b" ")
        ],
    ),
    "CORRUPT_FILE": (
        errors.CorruptFile,
        lambda c, pdf: c.extract_sync(b"%PDF-1.4\n1 0 obj garbage", "invoice"),
    ),
    "PASSWORD_REQUIRED": (
        errors.PasswordRequired,
        lambda c, pdf: c.extract_sync(encrypted_pdf(pdf), "invoice"),
    ),
    "INVALID_PASSWORD": (
        errors.InvalidPassword,
        lambda c, pdf: c.extract_sync(encrypted_pdf(pdf), "invoice", password="wrong"),
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_error_code_is_raised_as_its_type(code: str, client: Client, invoice_pdf: bytes) -> None:
    expected, action = CASES[code]
    with pytest.raises(expected) as raised:
        action(client, invoice_pdf)
    error = raised.value
    assert type(error) is expected and isinstance(error, ExtractdError)
    assert error.code == code and 400 <= error.status < 500 and error.message


def test_result_expired(server: Server, client: Client, invoice_pdf: bytes) -> None:
    with pytest.raises(errors.ResultExpired) as raised:
        expired(server)(client, invoice_pdf)
    assert raised.value.code == "RESULT_EXPIRED" and raised.value.status == 410
    assert isinstance(raised.value, errors.Gone)


def test_a_wrong_key_raises_unauthorized(server: Server) -> None:
    with (
        Client(server.url, "exd_not-a-key", retry=RetryPolicy(0)) as client,
        pytest.raises(errors.Unauthorized) as raised,
    ):
        client.templates.list()
    assert raised.value.code == "UNAUTHORIZED" and raised.value.status == 401


def test_extract_raises_job_failed_carrying_the_jobs_error_code(client: Client) -> None:
    with pytest.raises(errors.JobFailed) as raised:
        client.extract(b"%PDF-1.4\n1 0 obj garbage", "invoice")
    assert raised.value.job_error_code == "CORRUPT_FILE" and raised.value.job_id


def test_extract_raises_review_required_naming_the_job(client: Client, invoice_pdf: bytes) -> None:
    with pytest.raises(errors.ReviewRequired) as raised:
        client.extract(invoice_pdf, "invoice", document_review=99)
    assert raised.value.job_id is not None
    assert client.reviews.get(raised.value.job_id).fields
