"""`retryAfterMs` follows the job's expected duration: its pages, OCR or not, the jobs queued ahead, and
never under the poll limit's floor (1000 / EXTRACTD_POLL_RATE ms). An app with no worker keeps jobs still."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from api_support import Api
from PIL import Image
from tests.conftest import INVOICE_LINES, text_pdf

from extractd.domain.pacing import MAX_RETRY_MS, OCR_PAGE_S
from extractd.store.db import transaction
from extractd.store.models import utcnow
from extractd.store.repositories import JobsRepository

pytestmark = pytest.mark.anyio

JOBS = "/api/v1/extraction-jobs"
# The hint counts from the job's queued time, so the time the create took is already used up.
SLACK_MS = 1000


def _scan(frames: int = 1) -> bytes:
    """A blank 'scan' (no text layer: every page goes to OCR), TIFF frames for several pages."""
    pages = [Image.new("L", (850, 1100), 255) for _ in range(frames)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


async def _create(api: Api, client: httpx.AsyncClient, content: bytes, name: str) -> dict[str, Any]:
    response = await client.post(
        JOBS, headers=api.auth(), files={"file": (name, content)}, data={"templateName": "invoice"}
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()["job"]
    return job


async def _status(api: Api, client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    response = await client.get(f"{JOBS}/{job_id}", headers=api.auth())
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()["job"]
    return job


async def test_a_one_page_text_pdf_is_polled_at_the_floor_and_a_scan_later(make_api: Any) -> None:
    api: Api = make_api(private=True)  # poll rate 5/s: a floor of 200 ms
    async with api.client() as client:
        text_job = await _create(api, client, text_pdf([INVOICE_LINES]), "invoice.pdf")
        assert text_job["retryAfterMs"] == 200
        assert (await _status(api, client, text_job["id"]))["retryAfterMs"] == 200
    other: Api = make_api(private=True)
    async with other.client() as client:
        scan_job = await _create(other, client, _scan(), "scan.tif")
        assert OCR_PAGE_S * 1000 - SLACK_MS <= scan_job["retryAfterMs"] <= MAX_RETRY_MS
        three = await _create(other, client, _scan(frames=3), "scans.tif")
        # Three OCR pages behind one queued scan (less the moments the create itself took).
        assert three["retryAfterMs"] >= (1 + 3) * OCR_PAGE_S * 1000 - SLACK_MS


async def test_jobs_queued_ahead_lengthen_the_hint(make_api: Any) -> None:
    api: Api = make_api(private=True)
    async with api.client() as client:
        hints = [(await _create(api, client, _scan(), f"scan-{n}.png"))["retryAfterMs"] for n in range(3)]
    assert hints[0] < hints[1] < hints[2], hints


async def test_the_floor_follows_the_poll_rate(make_api: Any) -> None:
    api: Api = make_api(private=True, poll_rate=0.5)
    async with api.client() as client:
        job = await _create(api, client, text_pdf([INVOICE_LINES]), "invoice.pdf")
        assert job["retryAfterMs"] == 2000
        assert (await _status(api, client, job["id"]))["retryAfterMs"] == 2000


async def test_a_running_scan_is_hinted_from_its_progress(make_api: Any) -> None:
    api: Api = make_api(private=True)
    sessions = api.app.state.context.sessions
    async with api.client() as client:
        job = await _create(api, client, _scan(frames=4), "scans.tif")
        with transaction(sessions) as session:
            jobs = JobsRepository(session)
            token = jobs.claim(job["id"], "test-worker", 60, utcnow())
            assert token is not None
            assert jobs.renew_lease(token, 60, 99, utcnow())  # all but done
        running = await _status(api, client, job["id"])
    assert running["status"] == "processing"
    assert running["retryAfterMs"] == 200
    assert job["retryAfterMs"] >= 4 * OCR_PAGE_S * 1000 - SLACK_MS
