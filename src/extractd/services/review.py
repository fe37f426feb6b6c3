"""The review gate's use cases (DESIGN.md §4a "Review", §5.6): what to look at, approve, reject.

A job that ran with ``documentReview`` and had flagged fields waits in ``review_required``. A reviewer
(an API key of the job's environment, through the API or the console) either approves it, optionally
correcting fields (checked against the template the job pinned), or rejects it. Either way the decision
is kept in the result payload as ``review``: who (the key id), when, and each field's old → new value;
approve moves the job to ``completed``, reject to ``failed`` with ``REVIEW_REJECTED``. Both are one
conditional UPDATE, so two reviewers deciding at once cannot both win.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extractd.domain.corrections import apply_corrections
from extractd.domain.errors import (
    CorruptFile,
    InvalidCorrection,
    InvalidPassword,
    JobNotFound,
    NotAwaitingReview,
    PageImageUnavailable,
    PasswordRequired,
    ReviewRejected,
    TransientError,
)
from extractd.domain.jobs import JobStatus
from extractd.domain.review import document_flags
from extractd.domain.templates import Template, parse_template
from extractd.engine.page_images import PageImage, render_page
from extractd.engine.page_images import page_sizes as engine_page_sizes
from extractd.services.context import ServiceContext
from extractd.services.jobs import get_job, result_available, valid_job_id
from extractd.services.keys import Caller
from extractd.store.blobs import BlobNotFound, BlobStoreError
from extractd.store.db import transaction
from extractd.store.models import Job
from extractd.store.repositories import DocumentsRepository, JobsRepository, ResultsRepository

MAX_REASON_LENGTH = 2000


@dataclass(frozen=True)
class FlaggedField:
    """One field a reviewer must look at, with what the engine saw and why it was flagged."""

    document: int  # index in the result's ``documents``
    name: str
    value: Any
    confidence: float | None
    page: int | None
    bbox: list[float] | None
    text: str | None  # the text the value was read from
    text_around: str | None  # the lines around it on the page
    reasons: tuple[str, ...]  # low_confidence, required_missing, or a failed check's name
    checks: tuple[dict[str, Any], ...] = ()  # the failed checks naming this field, as the engine gave them

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "field": self.name,
            "value": self.value,
            "confidence": self.confidence,
            "page": self.page,
            "bbox": self.bbox,
            "text": self.text,
            "textAround": self.text_around,
            "reasons": list(self.reasons),
            "failedChecks": list(self.checks),
        }


@dataclass(frozen=True)
class JobReview:
    """A job with its result and the fields flagged in it (empty for a job no longer in review)."""

    job: Job
    data: dict[str, Any]
    flagged: list[FlaggedField] = field(default_factory=list)

    def templates(self) -> dict[str, Template]:
        return job_templates(self.job)


def job_templates(job: Job) -> dict[str, Template]:
    """The templates the job pinned at create time (its template, or its filter's), by name."""
    definitions: list[dict[str, Any]] = []
    if job.template_definition is not None:
        definitions.append(job.template_definition)
    for rule in (job.filter_definition or {}).get("rules", []):
        if rule.get("template"):
            definitions.append(rule["template"])
    templates = [parse_template(definition) for definition in definitions]
    return {template.name: template for template in templates}


def flagged_fields(
    data: dict[str, Any], templates: dict[str, Template], threshold: int
) -> list[FlaggedField]:
    """Every flagged field of every extracted document, in document then template order."""
    flagged: list[FlaggedField] = []
    for index, document in enumerate(data.get("documents") or []):
        if not document.get("extracted", True):
            continue
        template = templates.get(document.get("usedTemplateName") or "")
        reasons = document_flags(document, template, threshold)
        order = [spec.name for spec in template.fields] if template else []
        for name in sorted(reasons, key=lambda n: (order.index(n) if n in order else len(order), n)):
            flagged.append(_flagged(index, document, name, reasons[name]))
    return flagged


def _flagged(index: int, document: dict[str, Any], name: str, reasons: list[str]) -> FlaggedField:
    details = (document.get("fieldDetails") or {}).get(name) or {}
    checks = tuple(check for check in document.get("checks") or [] if name in (check.get("fields") or []))
    return FlaggedField(
        document=index,
        name=name,
        value=(document.get("content") or {}).get(name),
        confidence=(document.get("fieldConfidence") or {}).get(name),
        page=details.get("page"),
        bbox=details.get("bbox"),
        text=details.get("text"),
        text_around=details.get("textAround"),
        reasons=tuple(sorted(set(reasons))),
        checks=checks,
    )


def get_review(ctx: ServiceContext, environment_id: str, job_id: str) -> JobReview:
    """The job awaiting review, its held-back result and its flagged fields; 409 when not in review."""
    job = get_job(ctx, environment_id, job_id)
    if job.status != JobStatus.REVIEW_REQUIRED:
        raise NotAwaitingReview(f"The job is {job.status}, not awaiting review.")
    data = _result_data(ctx, job)
    return JobReview(job, data, flagged_fields(data, job_templates(job), job.document_review or 0))


def get_job_view(ctx: ServiceContext, environment_id: str, job_id: str) -> JobReview:
    """Any job of the environment with its result when one is stored (the console's read-only view)."""
    job = get_job(ctx, environment_id, job_id)
    if job.status == JobStatus.REVIEW_REQUIRED:
        try:
            return get_review(ctx, environment_id, job_id)
        except NotAwaitingReview:  # decided meanwhile, or its result expired while waiting
            job = get_job(ctx, environment_id, job_id)
            if job.status == JobStatus.REVIEW_REQUIRED:
                return JobReview(job, {})
    data: dict[str, Any] = {}
    if job.status == JobStatus.COMPLETED and result_available(job, datetime.now(UTC)):
        data = _result_data(ctx, job, missing_ok=True)
    return JobReview(job, data)


def list_awaiting_review(ctx: ServiceContext, environment_id: str, limit: int = 100) -> list[Job]:
    with ctx.sessions() as session:
        return JobsRepository(session).list_for_environment(
            environment_id, statuses=[JobStatus.REVIEW_REQUIRED], limit=limit
        )


def list_recent(ctx: ServiceContext, environment_id: str, limit: int = 50) -> list[Job]:
    with ctx.sessions() as session:
        return JobsRepository(session).list_for_environment(environment_id, limit=limit)


def _result_data(ctx: ServiceContext, job: Job, missing_ok: bool = False) -> dict[str, Any]:
    with ctx.sessions() as session:
        result = ResultsRepository(session).get(job.id)
    if result is None:
        if missing_ok:
            return {}
        raise NotAwaitingReview("The job's result is gone (expired), so there is nothing to review.")
    return dict(result.data)


def approve(
    ctx: ServiceContext,
    caller: Caller,
    job_id: str,
    corrections: dict[str, Any] | None = None,
    document: int | None = None,
) -> tuple[Job, dict[str, Any]]:
    """review_required → completed, with the corrections applied to the result; the new result is
    returned. ``document`` picks the result document the corrections are for (default: the first
    extracted one)."""
    now = datetime.now(UTC)
    with transaction(ctx.sessions) as session:
        job, data = _awaiting_review(session, caller.environment_id, job_id)
        changes: dict[str, dict[str, Any]] = {}
        index = document_index(data, document) if corrections or document is not None else None
        if corrections and index is not None:
            target = data["documents"][index]
            changes = apply_corrections(template_of(job, target), target, corrections)
        data["review"] = _review_record("approved", caller, now, changes, index if changes else None)
        jobs = JobsRepository(session)
        if not jobs.approve_review(job.id, now):  # announces job.completed
            raise NotAwaitingReview("The job is no longer awaiting review.")
        ResultsRepository(session).replace_data(job.id, data)
        if changes:
            jobs.record_update(job.id, now)  # the corrected result: job.updated
    return get_job(ctx, caller.environment_id, job_id), data


def reject(ctx: ServiceContext, caller: Caller, job_id: str, reason: str) -> Job:
    """review_required → failed with REVIEW_REJECTED; the reason becomes the job's error message."""
    reason = " ".join(str(reason or "").split())[:MAX_REASON_LENGTH]
    now = datetime.now(UTC)
    message = f"Rejected in review: {reason}" if reason else ReviewRejected().message
    with transaction(ctx.sessions) as session:
        job, data = _awaiting_review(session, caller.environment_id, job_id)
        data["review"] = _review_record("rejected", caller, now, {}, None) | {"reason": reason}
        if not JobsRepository(session).reject_review(job.id, ReviewRejected.code, message, now):
            raise NotAwaitingReview("The job is no longer awaiting review.")
        ResultsRepository(session).replace_data(job.id, data)
    return get_job(ctx, caller.environment_id, job_id)


def _awaiting_review(session: Any, environment_id: str, job_id: str) -> tuple[Job, dict[str, Any]]:
    """The job and a copy of its result, if it awaits review (the decision's UPDATE re-checks that)."""
    job = JobsRepository(session).get(valid_job_id(job_id), environment_id)
    if job is None:
        raise JobNotFound()
    if job.status != JobStatus.REVIEW_REQUIRED:
        raise NotAwaitingReview(f"The job is {job.status}, not awaiting review.")
    result = ResultsRepository(session).get(job.id)
    if result is None:
        raise NotAwaitingReview("The job's result is gone (expired), so there is nothing to review.")
    return job, copy.deepcopy(result.data)


def document_index(data: dict[str, Any], document: int | None) -> int:
    documents = data.get("documents") or []
    extracted = [i for i, doc in enumerate(documents) if doc.get("extracted", True)]
    if document is None:
        if not extracted:
            raise InvalidCorrection("The result has no extracted document to correct.")
        return extracted[0]
    if document not in extracted:
        raise InvalidCorrection(f"The result has no extracted document {document}.", field="document")
    return document


def template_of(job: Job, document: dict[str, Any]) -> Template:
    template = job_templates(job).get(document.get("usedTemplateName") or "")
    if template is None:
        raise InvalidCorrection("The job's template is not known, so corrections cannot be checked.")
    return template


def _review_record(
    action: str, caller: Caller, now: datetime, changes: dict[str, Any], document: int | None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "action": action,
        "keyId": caller.key_id,
        "reviewedAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "changes": changes,
    }
    if document is not None:
        record["document"] = document
    return record


def page_image(ctx: ServiceContext, environment_id: str, job_id: str, page: int) -> PageImage:
    """A picture of page ``page`` of the job's document, for drawing its fields' boxes on."""
    job = get_job(ctx, environment_id, job_id)
    return render_page(_document_bytes(ctx, job), page, password=_password(job))


def page_sizes(ctx: ServiceContext, job: Job) -> list[tuple[float, float]]:
    """The size in points of each page of the job's document; empty when it has no page pictures."""
    try:
        return engine_page_sizes(_document_bytes(ctx, job), password=_password(job))
    except (PageImageUnavailable, CorruptFile, PasswordRequired, InvalidPassword):
        return []


def _password(job: Job) -> str | None:
    return (job.options or {}).get("password") or None


def _document_bytes(ctx: ServiceContext, job: Job) -> bytes:
    with ctx.sessions() as session:
        document = DocumentsRepository(session).get(job.document_id)
    if document is None:
        raise PageImageUnavailable("The job's document is gone.")
    try:
        content = ctx.blobs.get(document.blob_key)
    except BlobNotFound as exc:
        raise PageImageUnavailable("The job's document is gone.") from exc
    except BlobStoreError as exc:
        raise TransientError("The document could not be read; retry shortly.") from exc
    return content
