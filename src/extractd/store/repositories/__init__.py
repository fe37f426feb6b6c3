"""Repositories: the only place that builds queries. Each wraps one Session (one unit of work)."""

from __future__ import annotations

from extractd.store.repositories.documents import DocumentsRepository, document_blob_key
from extractd.store.repositories.jobs import JobsRepository, LeaseToken
from extractd.store.repositories.metrics import Distribution, MetricsRepository
from extractd.store.repositories.results import ResultsRepository

__all__ = [
    "Distribution",
    "DocumentsRepository",
    "JobsRepository",
    "LeaseToken",
    "MetricsRepository",
    "ResultsRepository",
    "document_blob_key",
]
