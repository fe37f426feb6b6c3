"""The jobs dialect end to end with a real `extractd worker` and a real webhook receiver on 127.0.0.1:
a batch run is counted to completion and announced (job_run.*), and a completed job's extraction is
edited (PATCH): checked against its schema, kept in `edits`, announced as job.updated."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import Api
from jobs_support import JOBS, assert_jobs_error, bearer, create_job, wait_for_jobs_job
from processes import start_worker
from receivers import Receiver

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

WORKER_ENV = {
    "webhook_allow_private": "true",
    "webhook_poll_interval_s": "0.1",
    "webhook_retry_schedule": ",".join(["0.5"] * 20),
}


@pytest.fixture()
def cleanup() -> Iterator[list[Any]]:
    things: list[Any] = []
    yield things
    for thing in reversed(things):
        thing.stop()


async def setup(make_api: Any, tmp_path: Path, cleanup: list[Any], events: list[str]) -> tuple[Api, Receiver]:
    """An app on its own database, a worker whose dispatcher may reach 127.0.0.1, and a subscribed receiver
    that verifies every signature."""
    api: Api = make_api(private=True, webhook_allow_private=True)
    receiver = Receiver().start()
    cleanup.append(receiver)
    cleanup.append(start_worker(api.settings.data_dir, tmp_path / "logs", env=WORKER_ENV))
    async with api.client() as client:
        hook = await client.post(
            "/api/webhooks", headers=bearer(api), json={"url": receiver.url, "events": events}
        )
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["signingSecret"]
    return api, receiver


async def wait_for_run(
    client: httpx.AsyncClient, api: Api, run_id: str, timeout: float = 120
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        run: dict[str, Any] = (await client.get(f"/api/job-runs/{run_id}", headers=bearer(api))).json()
        if run["status"] == "COMPLETED" or loop.time() > deadline:
            return run
        await asyncio.sleep(0.5)


async def test_a_batch_run_is_counted_to_completion_and_announced(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    api, receiver = await setup(
        make_api,
        tmp_path,
        cleanup,
        ["job_run.created", "job_run.progress", "job_run.completed", "job.completed"],
    )
    files = [
        ("files[]", ("a.pdf", invoice_pdf, "application/pdf")),
        ("files[]", ("b.pdf", invoice_pdf + b"\n% b\n", "application/pdf")),
    ]
    async with api.client() as client:
        created = await client.post(
            "/api/job-runs", headers=bearer(api), files=files, data={"schemaId": "invoice"}
        )
        assert created.status_code == 201, created.text
        run = await wait_for_run(client, api, created.json()["id"])
    assert (run["status"], run["totalJobs"], run["completedJobs"], run["failedJobs"]) == (
        "COMPLETED",
        2,
        2,
        0,
    )
    assert run["completedAt"] is not None
    received = receiver.wait_for(6, timeout=60)  # created, 2 progress, completed, 2 job.completed
    assert all(record.verified for record in received)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in received:
        by_type.setdefault(record.json["type"], []).append(record.json["data"])
    assert len(by_type["job_run.created"]) == 1 and by_type["job_run.created"][0]["totalJobs"] == 2
    assert sorted(data["completedJobs"] for data in by_type["job_run.progress"]) == [1, 2]
    assert by_type["job_run.completed"] == [run | {"updatedAt": by_type["job_run.completed"][0]["updatedAt"]}]
    jobs = by_type["job.completed"]
    assert {job["parentRunId"] for job in jobs} == {run["id"]}
    assert sorted(job["filename"] for job in jobs) == ["a.pdf", "b.pdf"]


async def test_create_complete_patch_shows_the_edit_and_announces_job_updated(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    api, receiver = await setup(make_api, tmp_path, cleanup, ["job.updated"])
    async with api.client() as client:
        created = await create_job(client, api, invoice_pdf)
        job = await wait_for_jobs_job(client, api, created.json()["id"])
        assert job["status"] == "COMPLETED", job
        path = f"{JOBS}/{job['id']}/extraction"
        before = (await client.get(path, headers=bearer(api))).json()
        patched = await client.patch(
            path, headers=bearer(api), json={"fields": {"invoice_number": "INV-EDITED", "total_amount": 99.5}}
        )
        after = (await client.get(path, headers=bearer(api))).json()
        unchanged = await client.patch(
            path, headers=bearer(api), json={"fields": {"invoice_number": "INV-EDITED"}}
        )
        unknown = await client.patch(path, headers=bearer(api), json={"fields": {"shoe_size": 42}})
        wrong_type = await client.patch(path, headers=bearer(api), json={"fields": {"total_amount": "lots"}})
        bad_cell = await client.patch(
            path, headers=bearer(api), json={"fields": {"line_items": [{"quantity": "two"}]}}
        )
        not_fields = await client.patch(path, headers=bearer(api), json={"invoice_number": "X"})
    assert patched.status_code == 200, patched.text
    assert patched.json() == after
    assert after["fields"]["invoice_number"] == "INV-EDITED" and after["fields"]["total_amount"] == 99.5
    assert after["documents"][0]["content"]["invoice_number"] == "INV-EDITED"
    (edit,) = after["edits"]
    assert edit["keyId"] and edit["at"].endswith("Z")
    assert edit["changes"] == {
        "invoice_number": {"from": before["fields"]["invoice_number"], "to": "INV-EDITED"},
        "total_amount": {"from": before["fields"]["total_amount"], "to": 99.5},
    }
    assert unchanged.status_code == 200 and len(unchanged.json()["edits"]) == 1  # no change, no edit
    assert_jobs_error(unknown, 422, "INVALID_CORRECTION")
    assert "shoe_size" in unknown.json()["message"]
    assert_jobs_error(wrong_type, 422, "INVALID_CORRECTION")
    assert "total_amount" in wrong_type.json()["message"]
    assert_jobs_error(bad_cell, 422, "INVALID_CORRECTION")
    assert "line_items[0].quantity" in bad_cell.json()["message"]
    assert_jobs_error(not_fields, 400, "VALIDATION_ERROR")
    (record,) = receiver.wait_for(1, timeout=60)  # one job.updated: the patch that changed something
    assert record.verified and record.json["type"] == "job.updated"
    assert record.json["data"]["id"] == job["id"] and record.json["data"]["status"] == "COMPLETED"
