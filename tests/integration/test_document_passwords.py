"""Document passwords at rest (issue 8): sealed with the server key, never in clear in the database, and
erased when the job ends. A real API (in-process) and a real worker process on a private data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import Api
from processes import read_job, start_worker, wait_for_status
from sqlalchemy import select
from tests.unit.engine.conftest import encrypt_pdf

from extractd.domain.jobs import JobStatus
from extractd.store.db import transaction
from extractd.store.models import ServerKey
from extractd.store.secrets import DOCUMENT_PASSWORD_KEY, unseal

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PASSWORD = "pw-Zq8rT4vX2k"  # distinctive: its bytes appear nowhere unless the password itself is stored


def _files_holding(api: Api, needle: bytes) -> list[Path]:
    """Every file of the data dir (database, its write-ahead log, queue, blobs) that holds ``needle``."""
    # Close this process's database connections first: closing any descriptor of a SQLite file (as
    # reading it does) drops the process's POSIX locks on it, under connections still open.
    api.dispose()
    data_dir = api.settings.data_dir
    return [path for path in data_dir.rglob("*") if path.is_file() and needle in path.read_bytes()]


async def test_password_is_sealed_at_rest_and_erased_when_the_job_ends(
    make_api: Any, invoice_pdf: bytes, tmp_path: Path
) -> None:
    api: Api = make_api(private=True)  # no worker yet: the job waits, sealed password and all
    sessions = api.app.state.context.sessions
    async with api.client() as client:
        response = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            files={"file": ("locked.pdf", encrypt_pdf(invoice_pdf, PASSWORD), "application/pdf")},
            data={"templateName": "invoice", "password": PASSWORD},
        )
    assert response.status_code == 202, response.text
    job_id = response.json()["job"]["id"]
    queued = read_job(api.settings, job_id)
    assert "password" not in (queued.options or {})
    assert queued.secret and PASSWORD not in queued.secret
    assert unseal(sessions, queued.secret) == PASSWORD  # kept, but only sealed with the server key
    with transaction(sessions) as session:
        assert session.scalar(select(ServerKey.name)) == DOCUMENT_PASSWORD_KEY
    assert _files_holding(api, PASSWORD.encode()) == []

    worker = start_worker(api.settings.data_dir, tmp_path / "logs")
    try:
        done = wait_for_status(api.settings, job_id, {JobStatus.COMPLETED, JobStatus.FAILED}, timeout=90)
    finally:
        worker.stop()
    assert done.status == JobStatus.COMPLETED, (done.error_code, done.error_message)  # the worker unsealed it
    assert done.secret is None  # erased with the job's end
    assert _files_holding(api, PASSWORD.encode()) == []
