"""Prometheus metrics of an API process.

Job figures (jobs by status, run duration and pages by loader kind, OCR pages) and webhook figures
(delivery attempts by outcome, outbox messages by status) are read from the database at each scrape, so
every API node reports the whole cluster, whichever worker ran or dispatcher sent what; the queue depth
is asked of the queue. HTTP requests are counted in this process, by route template and status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from extractd.domain.jobs import JobStatus
from extractd.logging import ASGIApp, Message, Receive, Scope, Send
from extractd.services.context import ServiceContext
from extractd.store.db import transaction
from extractd.store.repositories import Distribution, MetricsRepository
from extractd.store.repositories.webhooks import DELIVERED, FAILED, PENDING

log = logging.getLogger(__name__)

DURATION_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
PAGE_BUCKETS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)
WEBHOOK_OUTCOMES = ("delivered", "rejected", "unreachable")
WEBHOOK_MESSAGE_STATUSES = (PENDING, DELIVERED, FAILED)


class JobsCollector(Collector):
    """Reads the job figures at scrape time (from the database and the queue)."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def collect(self) -> Iterator[Metric]:
        yield from self._from_database()
        yield from self._from_queue()

    def _from_database(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("extractd_database_up", "1 if the database answered this scrape, else 0.")
        try:
            with transaction(self.context.sessions) as session:
                repository = MetricsRepository(session)
                by_status = repository.jobs_by_status()
                seconds = repository.run_seconds(DURATION_BUCKETS_S)
                pages = repository.run_pages(PAGE_BUCKETS)
                ocr_pages = repository.ocr_pages_total()
                attempts = repository.webhook_attempts()
                messages = repository.webhook_messages()
        except Exception:
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("extractd_jobs", "Jobs in the database, by status.", labels=["status"])
        for status in JobStatus:
            jobs.add_metric([status.value], by_status.get(status.value, 0))
        yield jobs
        yield _histogram(
            "extractd_job_duration_seconds", "Time of finished runs, claim to stored result.", seconds
        )
        yield _histogram("extractd_job_pages", "Pages of finished runs.", pages)
        ocr = CounterMetricFamily("extractd_ocr_pages", "Pages read by OCR in finished runs.")
        ocr.add_metric([], ocr_pages)
        yield ocr
        yield from _webhook_metrics(attempts, messages)

    def _from_queue(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("extractd_queue_depth", "Messages waiting in the queue for a worker.")
        try:
            depth.add_metric([], self.context.queue.pending_count())
        except Exception:
            log.warning("metrics: the queue did not answer", exc_info=True)
            return
        yield depth


def _webhook_metrics(attempts: dict[str, int], messages: dict[str, int]) -> Iterator[Metric]:
    deliveries = CounterMetricFamily(
        "extractd_webhook_deliveries",
        "Webhook delivery attempts by outcome: delivered (2xx), rejected (another HTTP status), "
        "unreachable (no answer).",
        labels=["outcome"],
    )
    for outcome in WEBHOOK_OUTCOMES:
        deliveries.add_metric([outcome], attempts.get(outcome, 0))
    yield deliveries
    outbox = GaugeMetricFamily(
        "extractd_webhook_messages",
        "Webhook messages by status: pending (being tried), delivered, failed (retries exhausted).",
        labels=["status"],
    )
    for status in WEBHOOK_MESSAGE_STATUSES:
        outbox.add_metric([status], messages.get(status, 0))
    yield outbox


def _histogram(name: str, documentation: str, by_kind: dict[str, Distribution]) -> Metric:
    family = HistogramMetricFamily(name, documentation, labels=["loader"])
    for kind, distribution in sorted(by_kind.items()):
        buckets = [(repr(float(bound)), count) for bound, count in distribution.buckets]
        family.add_metric([kind], [*buckets, ("+Inf", distribution.count)], sum_value=distribution.total)
    return family


def metrics_registry(context: ServiceContext) -> tuple[CollectorRegistry, Counter]:
    """A registry of this app's own (not the process-global one, so apps in one process stay apart)."""
    registry = CollectorRegistry()
    registry.register(JobsCollector(context))
    requests = Counter(
        "extractd_http_requests",
        "HTTP requests answered by this process, by method, route template and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    return registry, requests


class HttpMetricsMiddleware:
    """Counts every answered HTTP request under its route's template (``/api/v1/extraction-jobs/{id}``),
    so job ids do not become labels; paths that match no route count as ``unmatched``."""

    def __init__(self, app: ASGIApp, requests: Counter) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"
            self.requests.labels(scope.get("method", ""), template, str(status)).inc()
