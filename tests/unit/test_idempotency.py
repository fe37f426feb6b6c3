"""Idempotency fingerprints: the request's meaning, not its encoding, decides whether it is the same."""

from __future__ import annotations

from extractd.services.idempotency import request_fingerprint
from extractd.services.jobs import JobRequest

PATH = "/api/v1/extraction-jobs"
FILE = "a" * 64


def _fingerprint(**changes: object) -> str:
    fields = JobRequest(template_name="invoice").fingerprint_fields() | {"filename": "a.pdf"}
    return request_fingerprint(
        str(changes.pop("method", "POST")),
        str(changes.pop("path", PATH)),
        fields | changes,
        FILE if "file" not in changes else str(changes.pop("file")),
    )


def test_same_request_same_fingerprint() -> None:
    assert _fingerprint() == _fingerprint()
    assert len(_fingerprint()) == 64


def test_field_order_does_not_matter() -> None:
    first = request_fingerprint("POST", PATH, {"a": 1, "b": 2}, FILE)
    second = request_fingerprint("post", PATH, {"b": 2, "a": 1}, FILE)
    assert first == second


def test_every_part_of_the_request_counts() -> None:
    base = _fingerprint()
    assert _fingerprint(method="PUT") != base
    assert _fingerprint(path="/api/v1/extractFields") != base
    assert _fingerprint(template_name="receipt") != base
    assert _fingerprint(return_text=True) != base
    assert _fingerprint(password="x") != base
    assert _fingerprint(filename="b.pdf") != base
    assert request_fingerprint("POST", PATH, {}, "b" * 64) != request_fingerprint("POST", PATH, {}, FILE)


def test_requests_without_a_file_are_fingerprinted_by_their_body() -> None:
    template = {"name": "t", "fields": [{"name": "x"}]}
    assert request_fingerprint("POST", "/api/v1/templates", template) == request_fingerprint(
        "POST", "/api/v1/templates", dict(reversed(list(template.items())))
    )
    assert request_fingerprint("POST", "/api/v1/templates", template) != request_fingerprint(
        "POST", "/api/v1/templates", template | {"description": "d"}
    )
