"""PATCH /api/jobs/{id}/extraction before a job completed, across environments, and for unknown jobs."""

from __future__ import annotations

import uuid

import pytest
from api_support import Api
from jobs_support import JOBS, assert_jobs_error, bearer

from extractd.store.db import transaction
from extractd.store.models import Job

pytestmark = pytest.mark.anyio


async def test_patch_before_completion_across_environments_and_unknown(api: Api, invoice_pdf: bytes) -> None:
    other = api.new_key()
    async with api.client() as client:
        created = await client.post(
            JOBS,
            headers=bearer(api),
            files={"file": ("a.pdf", invoice_pdf, "application/pdf")},
            data={"type": "EXTRACTION", "schemaId": "invoice"},
        )
        job_id = created.json()["id"]
        with transaction(api.app.state.context.sessions) as session:  # held back: not claimable
            job = session.get(Job, job_id)
            assert job is not None
            job.status = "pending"
        body = {"fields": {"invoice_number": "X"}}
        pending = await client.patch(f"{JOBS}/{job_id}/extraction", headers=bearer(api), json=body)
        foreign = await client.patch(f"{JOBS}/{job_id}/extraction", headers=bearer(api, other), json=body)
        unknown = await client.patch(f"{JOBS}/{uuid.uuid4()}/extraction", headers=bearer(api), json=body)
        not_object = await client.patch(
            f"{JOBS}/{job_id}/extraction", headers=bearer(api), json={"fields": ["invoice_number"]}
        )
    assert_jobs_error(pending, 409, "RESULT_NOT_READY")
    assert_jobs_error(foreign, 404, "JOB_NOT_FOUND")
    assert_jobs_error(unknown, 404, "JOB_NOT_FOUND")
    assert_jobs_error(not_object, 422, "INVALID_CORRECTION")
