"""How the jobs dialect shows things: bare objects (no envelope) and ``{data, total, page, limit}`` lists.

The job object itself lives in ``domain.job_view`` (webhook events reuse it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from extractd.domain.job_view import jobs_job
from extractd.store.models import Job


def job_body(job: Job) -> dict[str, Any]:
    """``{id, type, status, schemaId, schemaVersion, documentId, filename, parentRunId, progress, attempt,
    error, createdAt, updatedAt, startedAt, completedAt}``."""
    return jobs_job(job)


def list_body(items: Sequence[dict[str, Any]], total: int, page: int, limit: int) -> dict[str, Any]:
    return {"data": list(items), "total": total, "page": page, "limit": limit}
