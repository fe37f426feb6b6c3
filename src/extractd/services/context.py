"""The small container of everything a use case needs, built once by ``create_app`` (or a CLI command)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from extractd.config import Settings
from extractd.services.rate_limit import PollCounter
from extractd.services.webhook_coverage import WebhookSubscriptionSource
from extractd.store.blobs import BlobStore
from extractd.store.db import SessionFactory


class JobDispatcher(Protocol):
    """Tells the workers that a job may be ready (``extractd.queue.tasks.JobQueue`` implements it)."""

    def dispatch(self, job_id: str) -> None: ...

    def pending_count(self) -> int:
        """Messages waiting for a worker (reaches the queue's storage: /readyz and /metrics use it)."""
        ...


@dataclass
class ServiceContext:
    settings: Settings
    sessions: SessionFactory
    blobs: BlobStore
    queue: JobDispatcher
    poll_counter: PollCounter
    webhook_subscriptions: WebhookSubscriptionSource
    # Synchronous extractions hold one slot each for their whole wait (per API process).
    sync_slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.sync_slots = threading.BoundedSemaphore(self.settings.sync_slots)
