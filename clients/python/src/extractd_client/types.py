"""Typed views of what the server answers. Each keeps the JSON it was read from in ``raw``, so a field the
server adds later is never lost to a client that does not know it yet."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

FINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "review_required"})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class JobError:
    code: str
    message: str


@dataclass(frozen=True)
class Job:
    """A job in either dialect, its status lowercased (v1 ``queued``, the Jobs dialect ``QUEUED``).

    The v1 reads (``jobs.get``, ``jobs.wait``) show a held-back ``pending`` job as ``queued`` and a
    ``cancelled`` one as ``failed`` with error code ``CANCELLED``; the Jobs dialect reads (``jobs.list``,
    ``jobs.cancel``, ``jobs.restart``, ``reviews.queue``) show both as themselves, and add ``filename``,
    ``template_id`` and ``attempt``.
    """

    id: str
    status: str
    progress: int | None = None
    retry_after_ms: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    error: JobError | None = None
    review_threshold: int | None = None
    flagged_field_count: int | None = None
    result_available: bool | None = None
    filename: str | None = None
    template_id: str | None = None
    attempt: int | None = None
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def is_final(self) -> bool:
        """No further change comes without a person (review) or a restart."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Job:
        error = body.get("error")
        return cls(
            id=str(body["id"]),
            status=str(body["status"]).lower(),
            progress=body.get("progress"),
            retry_after_ms=body.get("retryAfterMs"),
            created_at=body.get("createdAt"),
            updated_at=body.get("updatedAt"),
            completed_at=body.get("completedAt"),
            error=JobError(str(error.get("code")), str(error.get("message")))
            if isinstance(error, dict)
            else None,
            review_threshold=body.get("reviewThreshold"),
            flagged_field_count=body.get("reviewFlaggedFieldCount"),
            result_available=body.get("resultAvailable"),
            filename=body.get("filename"),
            template_id=body.get("schemaId"),
            attempt=body.get("attempt"),
            raw=body,
        )


@dataclass(frozen=True)
class JobPage:
    """One page of a job list, newest first: ``total`` jobs match, ``page`` counts from 1."""

    jobs: list[Job]
    total: int
    page: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> JobPage:
        return cls(
            jobs=[Job.from_json(item) for item in body.get("data") or [] if isinstance(item, dict)],
            total=int(body.get("total") or 0),
            page=int(body.get("page") or 1),
            limit=int(body.get("limit") or 0),
        )


@dataclass(frozen=True)
class Document:
    """One extracted document: ``content`` (field → typed value), with a confidence and where it was found."""

    extracted: bool
    document_name: str | None
    used_template_name: str | None
    source_pages: list[int]
    average_confidence: float
    content: dict[str, Any]
    field_confidence: dict[str, Any]
    field_details: dict[str, Any]
    message: str | None = None
    reason: str | None = None
    returned_text: str | None = None
    returned_document_base64: str | None = None
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Document:
        return cls(
            extracted=bool(body.get("extracted", True)),
            document_name=body.get("documentName"),
            used_template_name=body.get("usedTemplateName"),
            source_pages=list(body.get("sourcePages") or []),
            average_confidence=float(body.get("averageDocumentConfidence") or 0.0),
            content=_dict(body.get("content")),
            field_confidence=_dict(body.get("fieldConfidence")),
            field_details=_dict(body.get("fieldDetails")),
            message=body.get("message"),
            reason=body.get("reason"),
            returned_text=body.get("returnedText"),
            returned_document_base64=body.get("returnedDocumentBase64"),
            raw=body,
        )

    def fields_below(self, threshold: float) -> list[str]:
        """Top-level fields whose confidence is under ``threshold`` (0-1), or that were not found."""
        return [
            name
            for name, value in self.content.items()
            if value is None
            or (
                isinstance(self.field_confidence.get(name), int | float)
                and self.field_confidence[name] < threshold
            )
        ]


@dataclass(frozen=True)
class ExtractionResult:
    """A result's ``data``: the documents found in the file, and (after a review) who changed what."""

    job_id: str | None
    completion_time: float | None
    original_name: str | None
    processed_pages: int | None
    documents: list[Document]
    review: dict[str, Any] | None = None
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any], job_id: str | None = None) -> ExtractionResult:
        return cls(
            job_id=job_id,
            completion_time=data.get("completionTime"),
            original_name=data.get("originalName"),
            processed_pages=data.get("processedPages"),
            documents=[
                Document.from_json(doc) for doc in data.get("documents") or [] if isinstance(doc, dict)
            ],
            review=data.get("review"),
            raw=data,
        )


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    fields: list[dict[str, Any]]
    version: int | None = None
    builtin: bool = False
    id: str | None = None  # a Jobs-dialect job's ``template_id``
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Template:
        return cls(
            name=str(body["name"]),
            description=str(body.get("description") or ""),
            fields=list(body.get("fields") or []),
            version=body.get("version"),
            builtin=bool(body.get("builtin", False)),
            id=body.get("id"),
            raw=body,
        )


@dataclass(frozen=True)
class Filter:
    name: str
    description: str
    rules: list[dict[str, Any]]
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Filter:
        return cls(
            name=str(body["name"]),
            description=str(body.get("description") or ""),
            rules=list(body.get("rules") or []),
            raw=body,
        )


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    signing_secret: str | None = None  # only on create and rotate-secret
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Webhook:
        return cls(
            id=str(body["id"]),
            url=str(body["url"]),
            events=list(body.get("events") or []),
            description=str(body.get("description") or ""),
            enabled=bool(body.get("enabled", True)),
            signing_secret=body.get("signingSecret"),
            raw=body,
        )


@dataclass(frozen=True)
class FlaggedField:
    document: int
    field: str
    value: Any
    confidence: float | None
    page: int | None
    bbox: list[float] | None
    text: str | None
    reasons: list[str]
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> FlaggedField:
        return cls(
            document=int(body.get("document") or 0),
            field=str(body["field"]),
            value=body.get("value"),
            confidence=body.get("confidence"),
            page=body.get("page"),
            bbox=body.get("bbox"),
            text=body.get("text"),
            reasons=list(body.get("reasons") or []),
            raw=body,
        )


@dataclass(frozen=True)
class Review:
    """A job awaiting review: the fields a person must look at."""

    job: Job
    threshold: int | None
    fields: list[FlaggedField]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Review:
        review = _dict(body.get("review"))
        return cls(
            job=Job.from_json(_dict(body.get("job"))),
            threshold=review.get("threshold"),
            fields=[FlaggedField.from_json(item) for item in review.get("fields") or []],
        )


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery: ``data`` is the job as its dialect's status endpoint shows it."""

    id: str
    type: str
    data: dict[str, Any]
    occurred_at: str | None
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> WebhookEvent:
        return cls(
            id=str(body.get("id")),
            type=str(body.get("type")),
            data=_dict(body.get("data")),
            occurred_at=body.get("occurredAt"),
            raw=body,
        )
