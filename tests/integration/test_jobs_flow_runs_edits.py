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
from jobs_support import bearer
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
