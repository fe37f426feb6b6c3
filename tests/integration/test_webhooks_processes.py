"""Webhooks with real `extractd worker` processes: the worker's dispatcher delivers the job's events, and
nothing is lost when the worker is restarted, or SIGKILLed while a delivery is in flight."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import Api, wait_for_job
from processes import ManagedProcess, free_port, start_serve, start_worker, wait_until
from receivers import Receiver

from extractd.store.db import transaction
from extractd.store.models import WebhookMessage

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HOOKS = "/api/v1/webhooks"
JOBS = "/api/v1/extraction-jobs"
ENDS = ["job.completed", "job.failed"]
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


def worker(api: Api, tmp_path: Path, cleanup: list[Any], name: str, **env: Any) -> ManagedProcess:
    process = start_worker(api.settings.data_dir, tmp_path / "logs", name=name, env=WORKER_ENV | env)
    cleanup.append(process)
    return process


async def create_job(api: Api, client: httpx.AsyncClient, content: bytes) -> str:
    response = await client.post(
        JOBS,
        headers=api.auth(),
        files={"file": ("invoice.pdf", content, "application/pdf")},
        data={"templateName": "invoice", "deliveryMode": "webhook"},
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job"]["id"]
    return job_id


def messages(api: Api, event_type: str) -> list[tuple[str, str, int]]:
    with transaction(api.app.state.context.sessions) as session:
        rows = session.query(WebhookMessage).filter_by(event_type=event_type).all()
        return [(row.id, row.status, row.attempts) for row in rows]


async def test_the_worker_delivers_the_events_of_a_job(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    api: Api = make_api(private=True, webhook_allow_private=True)
    receiver = Receiver().start()
    cleanup.append(receiver)
    worker(api, tmp_path, cleanup, "worker")
    async with api.client() as client:
        hook = (
            await client.post(HOOKS, headers=api.auth(), json={"url": receiver.url, "events": ["*"]})
        ).json()["webhook"]
        receiver.secret = hook["signingSecret"]
        job_id = await create_job(api, client, invoice_pdf)
        receiver.wait_for(2, timeout=60)
        # Messages are sent concurrently, so they may arrive in any order; occurredAt tells the order.
        by_type = {record.json["type"]: record.json for record in receiver.received}
        completed = by_type["job.completed"]
        result = await client.get(completed["data"]["resultUrl"], headers=api.auth())
    assert sorted(receiver.events()) == ["job.completed", "job.started"]
    assert by_type["job.started"]["occurredAt"] <= completed["occurredAt"]
    assert all(record.verified for record in receiver.received)
    assert completed["data"]["id"] == job_id
    assert result.status_code == 200 and result.json()["data"]["documents"]


async def test_nothing_is_lost_across_a_worker_restart(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    api: Api = make_api(private=True, webhook_allow_private=True)
    port = free_port()  # nothing listens here yet: the receiver is down
    first = worker(api, tmp_path, cleanup, "first")
    async with api.client() as client:
        await client.post(
            HOOKS,
            headers=api.auth(),
            json={"url": f"http://127.0.0.1:{port}/hook", "events": ENDS},
        )
        job_id = await create_job(api, client, invoice_pdf)
        assert (await wait_for_job(client, api, job_id))["status"] == "completed"
        wait_until(
            lambda: any(attempts >= 2 for _, _, attempts in messages(api, "job.completed")), 20, "retries"
        )
        first.stop()
        ((message_id, status, _),) = messages(api, "job.completed")
        assert status == "pending"
        receiver = Receiver().start(port)
        cleanup.append(receiver)
        worker(api, tmp_path, cleanup, "second")
        (got,) = receiver.wait_for(1, timeout=30)
    assert got.headers["webhook-id"] == message_id and got.json["data"]["id"] == job_id
    wait_until(lambda: messages(api, "job.completed")[0][1] == "delivered", 10, "delivered")


async def test_nothing_is_lost_when_the_worker_is_killed_mid_delivery(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    """SIGKILL while the job.completed delivery hangs: the message's lease runs out and the next worker's
    dispatcher delivers it, with the same message id."""
    api: Api = make_api(private=True, webhook_allow_private=True)
    receiver = Receiver(hang=True).start()
    cleanup.append(receiver)
    env = {"webhook_timeout_s": "30", "webhook_lease_s": "3"}
    first = worker(api, tmp_path, cleanup, "first", **env)
    async with api.client() as client:
        await client.post(HOOKS, headers=api.auth(), json={"url": receiver.url, "events": ENDS})
        job_id = await create_job(api, client, invoice_pdf)
        (hung,) = receiver.wait_for(1, timeout=60)
        first.kill()  # the worker and its job processes die with the delivery in flight
    ((message_id, status, _),) = messages(api, "job.completed")
    assert status == "pending"
    receiver.hang = False
    receiver.release.set()
    worker(api, tmp_path, cleanup, "second", webhook_timeout_s="2", webhook_lease_s="3")
    first_try, second_try = receiver.wait_for(2, timeout=40)
    assert hung is first_try
    assert first_try.headers["webhook-id"] == second_try.headers["webhook-id"] == message_id
    assert second_try.json["data"]["id"] == job_id
    wait_until(lambda: messages(api, "job.completed")[0][1] == "delivered", 10, "delivered")


def test_an_api_only_serve_delivers_too(tmp_path: Path, cleanup: list[Any]) -> None:
    """`extractd serve --workers 0` (an API node) runs a dispatcher of its own."""
    receiver = Receiver().start()
    cleanup.append(receiver)
    serve = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=WORKER_ENV)
    cleanup.append(serve)
    auth = {"Authorization": f"api-key {serve.extra['api_key']}"}
    created = httpx.post(
        f"{serve.base_url}{HOOKS}", headers=auth, json={"url": receiver.url, "events": ["*"]}, timeout=10
    )
    hook = created.json()["webhook"]
    receiver.secret = hook["signingSecret"]
    ping = httpx.post(f"{serve.base_url}{HOOKS}/{hook['id']}/ping", headers=auth, timeout=10)
    (got,) = receiver.wait_for(1, timeout=20)
    assert got.verified is True and got.headers["webhook-id"] == ping.json()["message"]["id"]


async def test_review_decisions_are_announced(
    make_api: Any, tmp_path: Path, cleanup: list[Any], invoice_pdf: bytes
) -> None:
    """Approve → job.completed (+ job.updated for corrections); reject → job.failed with REVIEW_REJECTED."""
    api: Api = make_api(private=True, webhook_allow_private=True)
    receiver = Receiver().start()
    cleanup.append(receiver)
    worker(api, tmp_path, cleanup, "worker")
    async with api.client() as client:
        await client.post(HOOKS, headers=api.auth(), json={"url": receiver.url, "events": ["*"]})
        ids = []
        for _ in range(2):
            response = await client.post(
                JOBS,
                headers=api.auth(),
                files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
                data={"templateName": "invoice", "documentReview": "99", "deliveryMode": "webhook"},
            )
            ids.append(response.json()["job"]["id"])
        for job_id in ids:
            assert (await wait_for_job(client, api, job_id))["status"] == "review_required"
        approved, rejected = ids
        decisions = [
            (approved, {"action": "approve", "corrections": {"invoice_number": "INV-FIXED-1"}}),
            (rejected, {"action": "reject", "reason": "not an invoice"}),
        ]
        for job_id, decision in decisions:
            response = await client.post(f"{JOBS}/{job_id}/review", headers=api.auth(), json=decision)
            assert response.status_code == 200, response.text
        receiver.wait_for(7, timeout=30)  # 2 × (started, review_required) + completed, updated, failed
    events = {(record.json["data"]["id"], record.json["type"]): record.json for record in receiver.received}
    for job_id in ids:
        assert (job_id, "job.review_required") in events
    assert events[(approved, "job.completed")]["data"]["resultUrl"] == f"{JOBS}/{approved}/result"
    assert events[(approved, "job.updated")]["data"]["status"] == "completed"
    assert events[(rejected, "job.failed")]["data"]["error"]["code"] == "REVIEW_REJECTED"
    assert (rejected, "job.completed") not in events and (approved, "job.failed") not in events
