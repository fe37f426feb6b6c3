"""Every operation of the client as a flow (see ``protocol``): which request, how its answer reads.

Everything goes through the v1 API (``/api/v1/…``) but what only the Jobs dialect offers: listing jobs
(and so the review queue), cancelling and restarting them (``/api/jobs``; the key works on both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, TypedDict, TypeVar
from urllib.parse import quote

from extractd_client import errors
from extractd_client.protocol import Call, Flow, RetryPolicy, poll, send, send_json
from extractd_client.types import ExtractionResult, Filter, Job, JobPage, Review, Template, Webhook

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
D = TypeVar("D")

V1 = "/api/v1"
JOBS = f"{V1}/extraction-jobs"
JOBS_DIALECT = "/api/jobs"


@dataclass(frozen=True)
class Kind(Generic[D]):
    """A resource under /api/v1: its path, the key of one in an answer, and how one reads."""

    path: str
    one: str
    parse: Callable[[dict[str, Any]], D]


TEMPLATES = Kind("templates", "template", Template.from_json)
FILTERS = Kind("filters", "filter", Filter.from_json)
WEBHOOKS = Kind("webhooks", "webhook", Webhook.from_json)


def _segment(value: str) -> str:
    return quote(value, safe="")


def read_file(source: FileInput, filename: str | None) -> tuple[str, bytes]:
    """The bytes to upload and the name to show; the server sniffs the type from the bytes."""
    if isinstance(source, bytes):
        return filename or "document", source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return filename or path.name, path.read_bytes()
    name = getattr(source, "name", None)
    return filename or (Path(name).name if isinstance(name, str) else "document"), source.read()


@dataclass(frozen=True)
class JobOptions:
    """The fields of a create, as the v1 API names them (None: the server's default)."""

    template: str | None = None
    filter: str | None = None
    document_splitting: bool | None = None
    return_documents: bool | None = None
    return_text: bool | None = None
    document_review: int | None = None
    password: str | None = None
    delivery_mode: str | None = None
    schema_chunking: str | None = None

    def form(self, sync: bool) -> dict[str, str]:
        if self.template is None and self.filter is None:
            raise errors.ValidationError("name a template (or a filter)")
        fields: dict[str, Any] = {
            "templateName": self.template,
            "filterName": self.filter,
            "documentSplitting": self.document_splitting,
            "returnDocuments": self.return_documents,
            "returnText": self.return_text,
            "password": self.password,
            "schemaChunking": self.schema_chunking,
        }
        if not sync:
            fields |= {"documentReview": self.document_review, "deliveryMode": self.delivery_mode}
        return {
            key: (str(value).lower() if isinstance(value, bool) else str(value))
            for key, value in fields.items()
            if value is not None
        }


class JobFields(TypedDict, total=False):
    """The optional create fields, for typed ``**options`` (``Unpack[JobFields]``)."""

    filter: str | None
    document_splitting: bool | None
    return_documents: bool | None
    return_text: bool | None
    document_review: int | None
    password: str | None
    delivery_mode: str | None
    schema_chunking: str | None


@dataclass(frozen=True)
class JobQuery:
    """A page of the environment's jobs, newest first, narrowed by the filters that are set.

    ``status``: one status or several, in either dialect's spelling (``review_required``,
    ``REVIEW_REQUIRED``); ``template``: a template's name or id; ``parent_run_id``: a batch run's jobs.
    """

    status: str | Iterable[str] | None = None
    template: str | None = None
    parent_run_id: str | None = None
    page: int = 1
    limit: int = 10

    def params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "limit": self.limit}
        statuses = [self.status] if isinstance(self.status, str) else list(self.status or ())
        if statuses:
            # The Jobs dialect spells statuses in capitals; the client shows them lowercased.
            params["status"] = ",".join(status.strip().upper() for status in statuses)
        if self.template is not None:
            params["schemaId"] = self.template
        if self.parent_run_id is not None:
            params["parentRunId"] = self.parent_run_id
        return params


class PageFields(TypedDict, total=False):
    """A job list's filters but the status, for typed ``**query`` (``Unpack[PageFields]``)."""

    template: str | None
    parent_run_id: str | None
    page: int
    limit: int


class JobFilters(PageFields, total=False):
    """Every ``JobQuery`` field, for typed ``**query`` (``Unpack[JobFilters]``)."""

    status: str | Iterable[str] | None


REVIEW_REQUIRED = "review_required"


def new_idempotency_key() -> str:
    return f"extractd-client-{uuid.uuid4()}"


@dataclass(frozen=True)
class Operations:
    """The flows, parametrised by the retry policy and the fallback poll interval."""

    policy: RetryPolicy
    poll_interval: float = 1.0

    # --- jobs ------------------------------------------------------------------------------------
    def _upload(
        self,
        path: str,
        source: FileInput,
        filename: str | None,
        options: JobOptions,
        key: str | None,
        sync: bool,
    ) -> Call:
        name, content = read_file(source, filename)
        return Call(
            "POST",
            path,
            files={"file": (name, content, "application/octet-stream")},
            data=options.form(sync=sync),
            # One key per call, reused by every retry: the server creates the job once.
            headers={"Idempotency-Key": key or new_idempotency_key()},
            replayable=True,
            sync_extraction=sync,
        )

    def create_job(
        self,
        source: FileInput,
        options: JobOptions,
        filename: str | None = None,
        idempotency_key: str | None = None,
    ) -> Flow[Job]:
        body = yield from send_json(
            self._upload(JOBS, source, filename, options, idempotency_key, False), self.policy
        )
        return Job.from_json(body["job"])

    def get_job(self, job_id: str) -> Flow[Job]:
        body = yield from send_json(Call("GET", f"{JOBS}/{_segment(job_id)}", replayable=True), self.policy)
        return Job.from_json(body["job"])

    def job_result(self, job_id: str) -> Flow[ExtractionResult]:
        call = Call("GET", f"{JOBS}/{_segment(job_id)}/result", replayable=True)
        body = yield from send_json(call, self.policy)
        return ExtractionResult.from_json(body["data"], job_id=job_id)

    def wait(self, job_id: str, timeout: float | None) -> Flow[Job]:
        return poll(lambda: self.get_job(job_id), timeout, self.poll_interval)

    def extract(
        self,
        source: FileInput,
        options: JobOptions,
        filename: str | None,
        timeout: float | None,
        idempotency_key: str | None = None,
    ) -> Flow[ExtractionResult]:
        """Create → poll → result; a job that failed or waits for review raises."""
        created = yield from self.create_job(source, options, filename, idempotency_key)
        job = yield from self.wait(created.id, timeout)
        if job.status == "completed":
            return (yield from self.job_result(job.id))
        if job.status == "review_required":
            raise errors.ReviewRequired(
                f"job {job.id} waits for review ({job.flagged_field_count} flagged fields)", job_id=job.id
            )
        error = job.error
        raise errors.JobFailed(
            f"job {job.id} {job.status}: {error.message if error else 'no reason given'}",
            job_id=job.id,
            job_error_code=error.code if error else job.status.upper(),
        )

    def extract_sync(
        self, source: FileInput, options: JobOptions, filename: str | None, idempotency_key: str | None = None
    ) -> Flow[ExtractionResult]:
        """``extractFields``: one request that waits; a 408 is retried with the same key (the same job)."""
        call = self._upload(f"{V1}/extractFields", source, filename, options, idempotency_key, True)
        body = yield from send_json(call, self.policy)
        return ExtractionResult.from_json(body["data"])

    def list_jobs(self, query: JobQuery) -> Flow[JobPage]:
        call = Call("GET", JOBS_DIALECT, params=query.params(), replayable=True)
        return JobPage.from_json((yield from send_json(call, self.policy)))

    def control_job(self, job_id: str, action: str) -> Flow[Job]:
        """``cancel`` or ``restart``: the job as it is afterwards. Not resent once it may have arrived (a
        second one would answer 409 INVALID_STATE for a change that was made)."""
        call = Call("POST", f"{JOBS_DIALECT}/{_segment(job_id)}/{action}")
        return Job.from_json((yield from send_json(call, self.policy)))

    # --- templates, filters, webhooks: named resources with one JSON shape each ------------------
    def _resource(
        self, kind: Kind[Any], method: str, key: str | None = None, body: Any = None
    ) -> Flow[dict[str, Any]]:
        path = f"{V1}/{kind.path}" + (f"/{_segment(key)}" if key is not None else "")
        headers = {"Idempotency-Key": new_idempotency_key()} if method == "POST" else {}
        call = Call(method, path, json=body, headers=headers, replayable=method in ("GET", "POST", "PUT"))
        return (yield from send_json(call, self.policy))

    def list_of(self, kind: Kind[D]) -> Flow[list[D]]:
        body = yield from self._resource(kind, "GET")
        return [kind.parse(item) for item in body[kind.path]]

    def one(self, kind: Kind[D], method: str, key: str | None = None, body: Any = None) -> Flow[D]:
        answer = yield from self._resource(kind, method, key, body)
        return kind.parse(answer[kind.one])

    def delete(self, kind: Kind[Any], key: str) -> Flow[None]:
        yield from self._resource(kind, "DELETE", key)

    def create_webhook(
        self, url: str, events: Iterable[str], description: str, enabled: bool
    ) -> Flow[Webhook]:
        body = {"url": url, "events": list(events), "description": description, "enabled": enabled}
        return (yield from self.one(WEBHOOKS, "POST", None, body))

    def webhook_call(self, webhook_id: str, tail: str, method: str = "POST") -> Flow[dict[str, Any]]:
        """ping and deliveries/{id}/redeliver: the message sent."""
        call = Call(method, f"{V1}/webhooks/{_segment(webhook_id)}/{tail}", replayable=method == "GET")
        return (yield from send_json(call, self.policy))

    def rotate_secret(self, webhook_id: str) -> Flow[Webhook]:
        body = yield from self.webhook_call(webhook_id, "rotate-secret")
        return Webhook.from_json(body["webhook"])

    def deliveries(self, webhook_id: str) -> Flow[list[dict[str, Any]]]:
        body = yield from self.webhook_call(webhook_id, "deliveries", "GET")
        return list(body["deliveries"])

    # --- review ------------------------------------------------------------------------------------
    def review_queue(self, query: PageFields) -> Flow[JobPage]:
        """The jobs awaiting a person's review, newest first."""
        return self.list_jobs(JobQuery(status=REVIEW_REQUIRED, **query))

    def review(self, job_id: str) -> Flow[Review]:
        body = yield from send_json(
            Call("GET", f"{JOBS}/{_segment(job_id)}/review", replayable=True), self.policy
        )
        return Review.from_json(body)

    def decide(self, job_id: str, decision: Mapping[str, Any]) -> Flow[dict[str, Any]]:
        call = Call("POST", f"{JOBS}/{_segment(job_id)}/review", json=dict(decision))
        return (yield from send_json(call, self.policy))

    def approve(
        self, job_id: str, corrections: Mapping[str, Any] | None, document: int | None
    ) -> Flow[ExtractionResult]:
        decision: dict[str, Any] = {"action": "approve"}
        if corrections:
            decision["corrections"] = dict(corrections)
        if document is not None:
            decision["document"] = document
        body = yield from self.decide(job_id, decision)
        return ExtractionResult.from_json(body["data"], job_id=job_id)

    def reject(self, job_id: str, reason: str) -> Flow[Job]:
        body = yield from self.decide(job_id, {"action": "reject", "reason": reason})
        return Job.from_json(body["job"])


__all__ = [
    "FILTERS",
    "TEMPLATES",
    "WEBHOOKS",
    "FileInput",
    "JobFields",
    "JobFilters",
    "JobOptions",
    "JobQuery",
    "Kind",
    "Operations",
    "PageFields",
    "send",
]
