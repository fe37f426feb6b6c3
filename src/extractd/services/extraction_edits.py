"""Manual edits of a completed job's extraction (``PATCH /api/jobs/{id}/extraction``, DESIGN.md §4).

The values are checked against the template the job pinned, as a reviewer's corrections are (unknown
field or wrong type: INVALID_CORRECTION naming it), and written into the result's first extracted
document. Each edit that changes something is kept in the result as ``edits`` (when, which key, each
field's old → new value) and announced as ``job.updated`` through the webhook outbox, all in one
transaction that holds the result's row, so concurrent edits apply one after the other.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from extractd.domain.corrections import apply_corrections
from extractd.domain.errors import InvalidCorrection, JobNotFound, ResultExpired
from extractd.domain.job_view import iso_ms
from extractd.domain.schemas import values_from_schema
from extractd.services.context import ServiceContext
from extractd.services.jobs import ensure_result_ready, valid_job_id
from extractd.services.keys import Caller
from extractd.services.review import document_index, template_of
from extractd.store.db import transaction
from extractd.store.models import Job
from extractd.store.repositories import JobsRepository, ResultsRepository


def patch_extraction(
    ctx: ServiceContext, caller: Caller, job_id: str, fields: Any
) -> tuple[Job, dict[str, Any]]:
    """Apply ``fields`` (field name → value, in the schema form) to the job's result; the job and the
    new result payload. A patch that changes nothing records no edit and announces nothing."""
    if not isinstance(fields, Mapping):
        raise InvalidCorrection("`fields` must be an object of field name → value.", field="fields")
    now = datetime.now(UTC)
    with transaction(ctx.sessions) as session:
        jobs = JobsRepository(session)
        job = jobs.get(valid_job_id(job_id), caller.environment_id)
        if job is None:
            raise JobNotFound()
        ensure_result_ready(job, now)
        results = ResultsRepository(session)
        result = results.get_for_update(job.id)
        if result is None:
            raise ResultExpired()
        data = copy.deepcopy(result.data)
        target = data["documents"][document_index(data, None)]
        template = template_of(job, target)
        changes = apply_corrections(template, target, values_from_schema(template, fields))
        if changes:
            edit = {"at": iso_ms(now), "keyId": caller.key_id, "changes": changes}
            data["edits"] = [*data.get("edits", []), edit]
            results.replace_data(job.id, data)
            jobs.record_update(job.id, now)  # job.updated, in this transaction
        session.flush()
        session.refresh(job)
        return job, data
