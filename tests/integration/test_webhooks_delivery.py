"""Deliveries from the outbox to real receivers on 127.0.0.1, by a real dispatcher thread on the app's
database: signatures that verify, the retry schedule (compressed), one message id across attempts, slow
receivers that hold up nobody else, no redirects, the SSRF guard at send time, disabling, redelivery, and
the job events each transition writes."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_support import Api, metric_sample
from processes import wait_until
from receivers import Receiver, down_url

from extractd.domain.jobs import JobStatus
from extractd.store.db import transaction
from extractd.store.models import WebhookMessage, utcnow
from extractd.store.repositories import JobsRepository
from extractd.webhooks.dispatcher import WebhookDispatcher

pytestmark = pytest.mark.anyio

HOOKS = "/api/v1/webhooks"
JOBS = "/api/v1/extraction-jobs"
FAST = {
    "webhook_allow_private": True,
    "webhook_retry_schedule": "0.3,0.3,0.3",
    "webhook_poll_interval_s": 0.05,
    "webhook_timeout_s": 3,
    "webhook_connect_timeout_s": 1,
    "webhook_lease_s": 10,
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The outbox and its claims on both backends: settings overrides naming the database."""
    if request.param == "sqlite":
        return {}
    return {"database_url": request.getfixturevalue("postgres_database")}


@pytest.fixture()
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def start(receivers: list[Receiver], **behaviour: Any) -> Receiver:
    receiver = Receiver(**behaviour).start()
    receivers.append(receiver)
    return receiver


@pytest.fixture()
def dispatchers() -> Iterator[list[WebhookDispatcher]]:
    running: list[WebhookDispatcher] = []
    yield running
    for dispatcher in running:
        dispatcher.stop()


def make(make_api: Any, dispatchers: list[WebhookDispatcher], count: int = 1, **overrides: Any) -> Api:
    api: Api = make_api(private=True, **(FAST | overrides))
    for _ in range(count):
        dispatchers.append(WebhookDispatcher(api.settings, api.app.state.context.sessions).start())
    return api


async def subscribe(
    api: Api, client: httpx.AsyncClient, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(HOOKS, headers=api.auth(), json={"url": url, "events": events or ["*"]})
    assert response.status_code == 201, response.text
    hook: dict[str, Any] = response.json()["webhook"]
    return hook


async def ping(api: Api, client: httpx.AsyncClient, hook: dict[str, Any]) -> str:
    response = await client.post(f"{HOOKS}/{hook['id']}/ping", headers=api.auth())
    assert response.status_code == 202, response.text
    message_id: str = response.json()["message"]["id"]
    return message_id


async def deliveries(api: Api, client: httpx.AsyncClient, hook: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=api.auth())
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["deliveries"]))  # oldest first


def message_status(api: Api, message_id: str) -> str:
    with transaction(api.app.state.context.sessions) as session:
        message = session.get(WebhookMessage, message_id)
        assert message is not None
        return message.status


async def test_ping_arrives_signed_and_verifies(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers)
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, receiver.url)
        receiver.secret = hook["signingSecret"]
        message_id = await ping(api, client, hook)
        (got,) = receiver.wait_for(1)
        wait_until(lambda: message_status(api, message_id) == "delivered", 5, "delivered status")
        log = await deliveries(api, client, hook)
    assert got.verified is True
    assert got.headers["webhook-id"] == got.headers["x-webhook-id"] == message_id
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert set(body) == {"id", "type", "data", "occurredAt"}
    assert (body["id"], body["type"]) == (message_id, "webhook.ping")
    assert [(row["messageId"], row["succeeded"], row["statusCode"]) for row in log] == [
        (message_id, True, 204)
    ]
    assert log[0]["durationMs"] >= 0 and log[0]["error"] is None


async def test_a_wrong_secret_does_not_verify(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_retry_schedule="")
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, receiver.url)
        rotated = await client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=api.auth())
        receiver.secret = hook["signingSecret"]  # the old secret: no longer signs
        await ping(api, client, hook)
        (got,) = receiver.wait_for(1)
        receiver.secret = rotated.json()["webhook"]["signingSecret"]
        await ping(api, client, hook)
        receiver.wait_for(2)
    assert (got.verified, receiver.received[1].verified) == (False, True)


async def test_retries_follow_the_schedule_with_one_message_id(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_retry_schedule="0.5,1.0,0.5")
    async with api.client() as client:
        receiver = start(receivers, fail_first=2)
        hook = await subscribe(api, client, receiver.url)
        message_id = await ping(api, client, hook)
        got = receiver.wait_for(3)
        wait_until(lambda: message_status(api, message_id) == "delivered", 5, "delivered status")
        log = await deliveries(api, client, hook)
    assert {record.headers["webhook-id"] for record in got} == {message_id}
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(got)]
    # 0.5 s then 1.0 s, each ±10 % jitter, plus at most a poll interval or so.
    assert 0.44 <= gaps[0] <= 0.9 and 0.89 <= gaps[1] <= 1.5, gaps
    assert [(row["attempt"], row["succeeded"], row["statusCode"]) for row in log] == [
        (1, False, 500),
        (2, False, 500),
        (3, True, 204),
    ]
    assert log[0]["error"] == "HTTP 500"
    assert len(receiver.received) == 3  # delivered: no further attempts


async def test_a_message_fails_when_the_schedule_is_exhausted(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_retry_schedule="0.1,0.1")
    async with api.client() as client:
        hook = await subscribe(api, client, down_url())
        message_id = await ping(api, client, hook)
        wait_until(lambda: message_status(api, message_id) == "failed", 10, "failed status")
        log = await deliveries(api, client, hook)
    assert [row["attempt"] for row in log] == [1, 2, 3]
    assert all(row["statusCode"] is None and "Connect" in row["error"] for row in log), log


async def test_a_hanging_receiver_holds_up_only_its_own_delivery(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_timeout_s=2, webhook_retry_schedule="")
    async with api.client() as client:
        hanging = start(receivers, hang=True)
        quick = start(receivers)
        slow_hook = await subscribe(api, client, hanging.url)
        quick_hook = await subscribe(api, client, quick.url)
        slow_id = await ping(api, client, slow_hook)
        hanging.wait_for(1)
        sent = time.monotonic()
        for _ in range(3):
            await ping(api, client, quick_hook)
        quick.wait_for(3, timeout=1.5)
        assert time.monotonic() - sent < 1.5
        assert message_status(api, slow_id) == "pending"  # still in flight
        wait_until(lambda: message_status(api, slow_id) == "failed", 5, "the hanging delivery to time out")
        (row,) = await deliveries(api, client, slow_hook)
    assert row["error"] == "timed out after 2 s" and 1900 <= row["durationMs"] < 3500


async def test_redirects_are_not_followed(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_retry_schedule="")
    async with api.client() as client:
        target = start(receivers)
        redirecting = start(receivers, redirect_to=target.url)
        hook = await subscribe(api, client, redirecting.url)
        message_id = await ping(api, client, hook)
        wait_until(lambda: message_status(api, message_id) == "failed", 5, "failed status")
        (row,) = await deliveries(api, client, hook)
    assert (row["statusCode"], row["error"]) == (302, "redirect not followed")
    assert target.received == []


async def test_private_targets_are_refused_again_at_send_time(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    """A subscription made while private targets were allowed is still refused by a dispatcher that does
    not allow them: the check runs on the address resolved for each attempt."""
    api = make(make_api, dispatchers, count=0, webhook_retry_schedule="")
    strict = api.settings.model_copy(update={"webhook_allow_private": False})
    dispatchers.append(WebhookDispatcher(strict, api.app.state.context.sessions).start())
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, f"http://localhost:{receiver.port}/hook")
        message_id = await ping(api, client, hook)
        wait_until(lambda: message_status(api, message_id) == "failed", 5, "failed status")
        (row,) = await deliveries(api, client, hook)
    assert receiver.received == []
    assert row["statusCode"] is None and "a loopback address" in row["error"]


async def test_an_endpoint_failing_too_long_is_disabled(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(
        make_api, dispatchers, webhook_retry_schedule="0.2,0.2,0.2,0.2,0.2", webhook_disable_after_s=0.5
    )
    async with api.client() as client:
        hook = await subscribe(api, client, down_url())
        await ping(api, client, hook)

        async def disabled() -> dict[str, Any]:
            got: dict[str, Any] = (await client.get(f"{HOOKS}/{hook['id']}", headers=api.auth())).json()[
                "webhook"
            ]
            return got

        deadline = time.monotonic() + 10
        while (shown := await disabled())["enabled"] and time.monotonic() < deadline:
            time.sleep(0.1)
        attempts = len(await deliveries(api, client, hook))
        time.sleep(0.6)
        later = len(await deliveries(api, client, hook))
        reenabled = await client.patch(f"{HOOKS}/{hook['id']}", headers=api.auth(), json={"enabled": True})
    assert shown["enabled"] is False
    assert shown["disabledAt"] and "failed for" in shown["disabledReason"]
    assert 3 <= attempts < 6 and later == attempts  # disabled: no more attempts
    assert reenabled.json()["webhook"]["disabledReason"] is None


async def test_redeliver_sends_the_same_message_again(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers)
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, receiver.url)
        message_id = await ping(api, client, hook)
        receiver.wait_for(1)
        wait_until(lambda: message_status(api, message_id) == "delivered", 5, "delivered status")
        again = await client.post(
            f"{HOOKS}/{hook['id']}/deliveries/{message_id}/redeliver", headers=api.auth()
        )
        receiver.wait_for(2)
    assert again.status_code == 202, again.text
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message_id
    assert first.json == second.json


async def test_two_dispatchers_send_each_message_once(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver], database: dict[str, Any]
) -> None:
    api = make(make_api, dispatchers, count=2, **database)
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, receiver.url)
        sent = {await ping(api, client, hook) for _ in range(20)}
        receiver.wait_for(20)
        time.sleep(0.5)
    ids = [record.headers["webhook-id"] for record in receiver.received]
    assert sorted(ids) == sorted(sent)  # each exactly once


async def test_job_transitions_write_their_events(
    make_api: Any,
    dispatchers: list[Any],
    receivers: list[Receiver],
    invoice_pdf: bytes,
    database: dict[str, Any],
) -> None:
    """Each transition writes its event, with the job as the v1 status endpoint shows it (no polling hint),
    and only subscriptions that want the type get it."""
    api = make(make_api, dispatchers, **database)
    sessions = api.app.state.context.sessions
    async with api.client() as client:
        everything = start(receivers)
        ends_only = start(receivers)
        await subscribe(api, client, everything.url)
        await subscribe(api, client, ends_only.url, ["job.completed", "job.failed"])
        created = await client.post(
            JOBS,
            headers=api.auth(),
            files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice", "deliveryMode": "webhook"},
        )
        job_id = created.json()["job"]["id"]
        with transaction(sessions) as session:  # the worker protocol, step by step
            jobs = JobsRepository(session)
            token = jobs.claim(job_id, "test-worker", 60, utcnow())
            assert token is not None
            assert jobs.finish(
                token, JobStatus.COMPLETED, flagged_count=None, result_expires_at=utcnow(), now=utcnow()
            )
        with transaction(sessions) as session:
            assert JobsRepository(session).restart(job_id, JobStatus.QUEUED, utcnow())
        with transaction(sessions) as session:
            token = JobsRepository(session).claim(job_id, "test-worker", 60, utcnow())
            assert token is not None
            assert JobsRepository(session).fail(token, "CORRUPT_FILE", "broken", utcnow())
        with transaction(sessions) as session:
            JobsRepository(session).record_update(job_id, utcnow())
        everything.wait_for(6)
        ends_only.wait_for(2)
        status = (await client.get(f"{JOBS}/{job_id}", headers=api.auth())).json()["job"]
    assert sorted(everything.events()) == sorted(
        ["job.started", "job.completed", "job.queued", "job.started", "job.failed", "job.updated"]
    )
    assert sorted(ends_only.events()) == ["job.completed", "job.failed"]
    by_type = {record.json["type"]: record.json for record in everything.received}
    completed = by_type["job.completed"]["data"]
    assert completed["status"] == "completed" and completed["resultUrl"] == f"{JOBS}/{job_id}/result"
    assert set(completed) == {
        "id",
        "status",
        "completedAt",
        "resultAvailable",
        "resultUrl",
        "createdAt",
        "updatedAt",
    }
    failed = by_type["job.failed"]["data"]
    assert failed["error"] == {"code": "CORRUPT_FILE", "message": "broken"}
    assert by_type["job.started"]["data"]["status"] == "processing"
    assert "retryAfterMs" not in by_type["job.started"]["data"]
    # job.updated carries the job as it is now: what the status endpoint shows, minus the polling hint.
    updated = by_type["job.updated"]["data"]
    assert {key: value for key, value in status.items() if key != "updatedAt"} == {
        key: value for key, value in updated.items() if key != "updatedAt"
    }


async def test_a_rolled_back_transition_writes_no_event(
    make_api: Any,
    dispatchers: list[Any],
    receivers: list[Receiver],
    invoice_pdf: bytes,
    database: dict[str, Any],
) -> None:
    api = make(make_api, dispatchers, count=0, **database)
    sessions = api.app.state.context.sessions
    async with api.client() as client:
        await subscribe(api, client, "http://127.0.0.1:9/hook")
        created = await client.post(
            JOBS,
            headers=api.auth(),
            files={"file": ("invoice.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice"},
        )
        job_id = created.json()["job"]["id"]
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        assert JobsRepository(session).cancel(job_id, utcnow())
        assert session.query(WebhookMessage).count() == 1  # written in the same transaction…
        raise RuntimeError("the transaction fails after the transition")
    with transaction(sessions) as session:
        assert session.query(WebhookMessage).count() == 0  # …and gone with it
        assert JobsRepository(session).cancel(job_id, utcnow())
        assert [m.event_type for m in session.query(WebhookMessage)] == ["job.cancelled"]


async def test_a_host_name_is_resolved_and_kept_in_the_host_header(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers)
    async with api.client() as client:
        receiver = start(receivers)
        hook = await subscribe(api, client, f"http://localhost:{receiver.port}/hook")
        await ping(api, client, hook)
        (got,) = receiver.wait_for(1)
    assert got.headers["host"] == f"localhost:{receiver.port}"


async def test_metrics_count_deliveries_by_outcome(
    make_api: Any, dispatchers: list[Any], receivers: list[Receiver]
) -> None:
    api = make(make_api, dispatchers, webhook_retry_schedule="0.1")
    async with api.client() as client:
        flaky = start(receivers, fail_first=1)  # 500, then 204
        delivered = await ping(api, client, await subscribe(api, client, flaky.url))
        given_up = await ping(api, client, await subscribe(api, client, down_url()))
        wait_until(lambda: message_status(api, delivered) == "delivered", 10, "the delivery")
        wait_until(lambda: message_status(api, given_up) == "failed", 10, "the failure")
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    metrics = answer.text
    assert metric_sample(metrics, "extractd_webhook_deliveries_total", outcome="delivered") == 1
    assert metric_sample(metrics, "extractd_webhook_deliveries_total", outcome="rejected") == 1
    assert metric_sample(metrics, "extractd_webhook_deliveries_total", outcome="unreachable") == 2
    assert metric_sample(metrics, "extractd_webhook_messages", status="delivered") == 1
    assert metric_sample(metrics, "extractd_webhook_messages", status="failed") == 1
    assert metric_sample(metrics, "extractd_webhook_messages", status="pending") == 0
