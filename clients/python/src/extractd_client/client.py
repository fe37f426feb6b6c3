"""``Client``: the flows of ``operations`` driven by httpx's blocking client.

Every method is one line handing a flow to ``run``; ``aio.AsyncClient`` mirrors it with ``await``.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar, Unpack

import httpx

from extractd_client.operations import (
    FILTERS,
    TEMPLATES,
    WEBHOOKS,
    FileInput,
    JobFields,
    JobFilters,
    JobOptions,
    JobQuery,
    Kind,
    Operations,
    PageFields,
)
from extractd_client.protocol import Flow, Outcome, RetryPolicy, Sleep
from extractd_client.settings import Connection, build_request, dropped, outcome_of
from extractd_client.types import ExtractionResult, Filter, Job, JobPage, Review, Template, Webhook

T = TypeVar("T")
D = TypeVar("D")


class Client:
    """A blocking client: ``Client(url, api_key).extract("invoice.pdf", template="invoice")``.

    ``url``/``api_key`` default to ``EXTRACTD_URL``/``EXTRACTD_API_KEY``; ``timeout`` is per request.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        poll_interval: float = 1.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.connection = Connection.resolve(url, api_key, timeout)
        self.ops = Operations(retry or RetryPolicy(), poll_interval)
        connection = self.connection
        self._http = http or httpx.Client(
            base_url=connection.base_url, headers=connection.headers(), timeout=connection.timeout
        )
        self.jobs = Jobs(self)
        self.templates: Definitions[Template] = Definitions(self, TEMPLATES)
        self.filters: Definitions[Filter] = Definitions(self, FILTERS)
        self.webhooks = Webhooks(self)
        self.reviews = Reviews(self)

    def run(self, flow: Flow[T]) -> T:
        step = next(flow)
        outcome: Outcome
        while True:
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
                outcome = None
            else:
                try:
                    outcome = outcome_of(self._http.send(build_request(self._http, step)))
                except httpx.TransportError as exc:
                    outcome = dropped(exc)
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    def extract(
        self,
        file: FileInput,
        template: str | None = None,
        *,
        filename: str | None = None,
        timeout: float | None = 600.0,
        idempotency_key: str | None = None,
        **options: Unpack[JobFields],
    ) -> ExtractionResult:
        """Create a job, wait for it and return its result; ``options`` are ``JobOptions`` fields."""
        job_options = JobOptions(template=template, **options)
        return self.run(self.ops.extract(file, job_options, filename, timeout, idempotency_key))

    def extract_sync(
        self,
        file: FileInput,
        template: str | None = None,
        *,
        filename: str | None = None,
        **options: Unpack[JobFields],
    ) -> ExtractionResult:
        """One ``extractFields`` request (the server waits up to its sync limit; a 408 is retried)."""
        return self.run(self.ops.extract_sync(file, JobOptions(template=template, **options), filename))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Part:
    def __init__(self, client: Client) -> None:
        self._client = client
        self._ops = client.ops
        self.run = client.run


class Jobs(_Part):
    def create(
        self,
        file: FileInput,
        template: str | None = None,
        *,
        filename: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[JobFields],
    ) -> Job:
        job_options = JobOptions(template=template, **options)
        return self.run(self._ops.create_job(file, job_options, filename, idempotency_key))

    def get(self, job_id: str) -> Job:
        return self.run(self._ops.get_job(job_id))

    def result(self, job_id: str) -> ExtractionResult:
        return self.run(self._ops.job_result(job_id))

    def wait(self, job_id: str, timeout: float | None = 600.0) -> Job:
        return self.run(self._ops.wait(job_id, timeout))

    def list(self, **query: Unpack[JobFilters]) -> JobPage:
        """A page of the jobs, newest first: ``status`` (one or several), ``template``, ``parent_run_id``,
        ``page`` (from 1), ``limit`` (at most 100)."""
        return self.run(self._ops.list_jobs(JobQuery(**query)))

    def cancel(self, job_id: str) -> Job:
        """A pending or queued job ends ``cancelled``; any other raises ``InvalidState``."""
        return self.run(self._ops.control_job(job_id, "cancel"))

    def restart(self, job_id: str) -> Job:
        """A completed, failed or cancelled job runs again (same id, a new attempt)."""
        return self.run(self._ops.control_job(job_id, "restart"))


class Definitions(_Part, Generic[D]):
    """Templates and filters: JSON definitions kept under a name (built-in templates are read-only)."""

    def __init__(self, client: Client, kind: Kind[D]) -> None:
        super().__init__(client)
        self._kind = kind

    def list(self) -> builtins.list[D]:
        return self.run(self._ops.list_of(self._kind))

    def get(self, name: str) -> D:
        return self.run(self._ops.one(self._kind, "GET", name))

    def create(self, definition: Mapping[str, Any]) -> D:
        return self.run(self._ops.one(self._kind, "POST", None, dict(definition)))

    def update(self, name: str, definition: Mapping[str, Any]) -> D:
        return self.run(self._ops.one(self._kind, "PUT", name, dict(definition)))

    def delete(self, name: str) -> None:
        self.run(self._ops.delete(self._kind, name))


class Webhooks(_Part):
    def list(self) -> list[Webhook]:
        return self.run(self._ops.list_of(WEBHOOKS))

    def get(self, webhook_id: str) -> Webhook:
        return self.run(self._ops.one(WEBHOOKS, "GET", webhook_id))

    def create(
        self, url: str, events: Iterable[str] = ("*",), description: str = "", enabled: bool = True
    ) -> Webhook:
        return self.run(self._ops.create_webhook(url, events, description, enabled))

    def update(self, webhook_id: str, **changes: Any) -> Webhook:
        return self.run(self._ops.one(WEBHOOKS, "PATCH", webhook_id, changes))

    def delete(self, webhook_id: str) -> None:
        self.run(self._ops.delete(WEBHOOKS, webhook_id))

    def rotate_secret(self, webhook_id: str) -> Webhook:
        return self.run(self._ops.rotate_secret(webhook_id))

    def ping(self, webhook_id: str) -> dict[str, Any]:
        return self.run(self._ops.webhook_call(webhook_id, "ping"))

    def deliveries(self, webhook_id: str) -> builtins.list[dict[str, Any]]:
        return self.run(self._ops.deliveries(webhook_id))

    def redeliver(self, webhook_id: str, message_id: str) -> dict[str, Any]:
        return self.run(self._ops.webhook_call(webhook_id, f"deliveries/{message_id}/redeliver"))


class Reviews(_Part):
    def queue(self, **query: Unpack[PageFields]) -> JobPage:
        """The jobs awaiting review, newest first (``template``, ``page``, ``limit``)."""
        return self.run(self._ops.review_queue(query))

    def get(self, job_id: str) -> Review:
        return self.run(self._ops.review(job_id))

    def approve(
        self, job_id: str, corrections: Mapping[str, Any] | None = None, document: int | None = None
    ) -> ExtractionResult:
        return self.run(self._ops.approve(job_id, corrections, document))

    def reject(self, job_id: str, reason: str = "") -> Job:
        return self.run(self._ops.reject(job_id, reason))
