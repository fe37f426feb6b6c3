"""Batch runs (``POST /api/job-runs``, DESIGN.md §4): several files, one job each, counted together.

Every file is checked (type sniffed from its bytes, not empty) and the schema resolved before anything
is stored, so a bad file refuses the whole run. The run's row, with its total, is written first (and
announced, ``job_run.created``); then each job is created like any jobs-dialect job, carrying the run's
id as ``parentRunId``. The counts follow from the jobs' transitions (``store.repositories.job_runs``).
Should creating a job fail half-way (storage or database unavailable), the run's total is cut to the
jobs it has, so it still completes, and the error is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from extractd.domain.errors import JobRunNotFound, ValidationFailed
from extractd.domain.job_runs import RunStatus
from extractd.domain.job_view import JOB_TYPE_EXTRACTION, JOBS_DIALECT
from extractd.engine.sniff import sniff_type
from extractd.services import jobs, templates
from extractd.services.context import ServiceContext
from extractd.services.jobs import JobRequest, Upload
from extractd.store.db import transaction
from extractd.store.models import JobRun
from extractd.store.repositories.job_runs import JobRunsRepository

logger = logging.getLogger(__name__)

MAX_RUN_FILES = 100


def create_run(ctx: ServiceContext, environment_id: str, schema_id: str, uploads: Sequence[Upload]) -> JobRun:
    """The new run, its jobs created and handed to the workers."""
    if not uploads:
        raise ValidationFailed("A job run needs at least one file in `files[]`.")
    if len(uploads) > MAX_RUN_FILES:
        raise ValidationFailed(f"A job run takes at most {MAX_RUN_FILES} files.")
    for upload in uploads:
        sniff_type(upload.content)  # EMPTY_FILE, UNSUPPORTED_TYPE before anything is stored
    with ctx.sessions() as session:
        schema = templates.resolve(session, environment_id, schema_id)  # TEMPLATE_NOT_FOUND
    now = datetime.now(UTC)
    with transaction(ctx.sessions) as session:
        run = JobRunsRepository(session).add(
            JobRun(
                environment_id=environment_id,
                job_type=JOB_TYPE_EXTRACTION,
                status=RunStatus.QUEUED.value,
                total_jobs=len(uploads),
                created_at=now,
                updated_at=now,
            ),
            now,
        )
    request = JobRequest(template_name=schema.id)
    created = 0
    try:
        for upload in uploads:
            jobs.create_job(ctx, environment_id, request, upload, dialect=JOBS_DIALECT, parent_run_id=run.id)
            created += 1
    except Exception:
        logger.warning("job run %s: %d of %d jobs created before an error", run.id, created, len(uploads))
        with transaction(ctx.sessions) as session:
            JobRunsRepository(session).cut_total(run.id, created, datetime.now(UTC))
        raise
    return get_run(ctx, environment_id, run.id)


def get_run(ctx: ServiceContext, environment_id: str, run_id: str) -> JobRun:
    with ctx.sessions() as session:
        run = JobRunsRepository(session).get(run_id, environment_id)
    if run is None:
        raise JobRunNotFound()
    return run
