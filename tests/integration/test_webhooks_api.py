"""/api/v1/webhooks: subscriptions per environment, the secret shown on create/rotate only, the SSRF guard
at create time for every address class, and deliveryMode=webhook coverage read from the real store."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_support import Api

pytestmark = pytest.mark.anyio

HOOKS = "/api/v1/webhooks"
JOBS = "/api/v1/extraction-jobs"
RECEIVER = "http://127.0.0.1:9/hook"  # never contacted by these tests (no dispatcher runs)


@pytest.fixture()
def hooks_api(make_api: Any) -> Api:
    api: Api = make_api(private=True, webhook_allow_private=True)
    return api


async def _create(api: Api, client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post(HOOKS, headers=api.auth(), json={"url": RECEIVER, "events": ["*"], **body})


async def test_create_shows_the_secret_once_and_crud_works(hooks_api: Api) -> None:
    api = hooks_api
    async with api.client() as client:
        created = await _create(api, client, events=["job.completed", "job.failed"], description="ops")
        assert created.status_code == 201, created.text
        hook = created.json()["webhook"]
        assert hook["signingSecret"].startswith("whsec_")
        assert {k: hook[k] for k in ("url", "events", "description", "enabled")} == {
            "url": RECEIVER,
            "events": ["job.completed", "job.failed"],
            "description": "ops",
            "enabled": True,
        }
        got = (await client.get(f"{HOOKS}/{hook['id']}", headers=api.auth())).json()["webhook"]
        listed = (await client.get(HOOKS, headers=api.auth())).json()["webhooks"]
        assert "signingSecret" not in got and all("signingSecret" not in item for item in listed)
        assert [item["id"] for item in listed] == [hook["id"]]
        assert hook["signingSecret"] not in (await client.get(HOOKS, headers=api.auth())).text

        patched = await client.patch(
            f"{HOOKS}/{hook['id']}", headers=api.auth(), json={"enabled": False, "events": ["*"]}
        )
        assert patched.status_code == 200, patched.text
        assert (patched.json()["webhook"]["enabled"], patched.json()["webhook"]["events"]) == (False, ["*"])

        rotated = await client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=api.auth())
        assert rotated.status_code == 200
        new_secret = rotated.json()["webhook"]["signingSecret"]
        assert new_secret.startswith("whsec_") and new_secret != hook["signingSecret"]

        deleted = await client.delete(f"{HOOKS}/{hook['id']}", headers=api.auth())
        assert deleted.status_code == 200
        gone = await client.get(f"{HOOKS}/{hook['id']}", headers=api.auth())
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "WEBHOOK_NOT_FOUND")


async def test_webhooks_are_scoped_to_their_environment(hooks_api: Api) -> None:
    api = hooks_api
    other_key = api.new_key()
    async with api.client() as client:
        hook = (await _create(api, client)).json()["webhook"]
        other = api.auth(other_key)
        assert (await client.get(HOOKS, headers=other)).json()["webhooks"] == []
        for method, path in [
            ("GET", ""),
            ("PATCH", ""),
            ("DELETE", ""),
            ("POST", "/rotate-secret"),
            ("POST", "/ping"),
            ("GET", "/deliveries"),
        ]:
            kwargs: dict[str, Any] = {"json": {"enabled": False}} if method == "PATCH" else {}
            response = await client.request(method, f"{HOOKS}/{hook['id']}{path}", headers=other, **kwargs)
            assert response.status_code == 404, (method, path, response.text)
        still = await client.get(f"{HOOKS}/{hook['id']}", headers=api.auth())
    assert still.json()["webhook"]["enabled"] is True


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@example.com/", "events": ["*"]}, "credentials"),
        ({"url": RECEIVER, "events": []}, "events"),
        ({"url": RECEIVER, "events": ["job.exploded"]}, "job.exploded"),
        ({"url": RECEIVER, "events": ["*"], "colour": "red"}, "colour"),
        ({"url": RECEIVER, "events": ["*"], "enabled": "yes"}, "enabled"),
    ],
)
async def test_invalid_webhooks_answer_400(hooks_api: Api, body: dict[str, Any], fragment: str) -> None:
    async with hooks_api.client() as client:
        response = await client.post(HOOKS, headers=hooks_api.auth(), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert fragment in response.json()["error"]["message"]


REFUSED = [
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://localhost:8000/hook", "loopback"),
    ("http://[::1]:8000/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://172.16.5.4/hook", "private"),
    ("http://192.168.1.10/hook", "private"),
    ("http://[fd12:3456::1]/hook", "private"),
    ("http://169.254.10.20/hook", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://100.64.1.2/hook", "CGNAT"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.100.100.200/", "metadata"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://0.0.0.0:8000/hook", "unspecified"),
    ("http://224.0.0.1/hook", "non-public"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED)
async def test_private_targets_are_refused_at_create(make_api: Any, url: str, kind: str) -> None:
    api: Api = make_api(private=True)  # EXTRACTD_WEBHOOK_ALLOW_PRIVATE off (the default)
    async with api.client() as client:
        created = await client.post(HOOKS, headers=api.auth(), json={"url": url, "events": ["*"]})
        hook = (await _create(api, client, url="http://93.184.215.14/hook")).json()["webhook"]
        patched = await client.patch(f"{HOOKS}/{hook['id']}", headers=api.auth(), json={"url": url})
    assert created.status_code == 400, created.text
    assert created.json()["error"]["code"] == "WEBHOOK_URL_REFUSED"
    assert kind in created.json()["error"]["message"]
    assert (patched.status_code, patched.json()["error"]["code"]) == (400, "WEBHOOK_URL_REFUSED")


async def test_allow_private_accepts_loopback(hooks_api: Api) -> None:
    async with hooks_api.client() as client:
        response = await _create(hooks_api, client, url="http://127.0.0.1:8000/hook")
    assert response.status_code == 201, response.text


async def _create_job(api: Api, client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post(
        JOBS,
        headers=api.auth(),
        files={"file": ("invoice.pdf", content, "application/pdf")},
        data={"templateName": "invoice", "deliveryMode": "webhook"},
    )


async def test_delivery_mode_webhook_needs_an_enabled_subscription_covering_job_ends(
    hooks_api: Api, invoice_pdf: bytes
) -> None:
    api = hooks_api

    async def code() -> tuple[int, str | None]:
        response = await _create_job(api, client, invoice_pdf)
        return response.status_code, response.json().get("error", {}).get("code")

    async with api.client() as client:
        assert await code() == (400, "WEBHOOK_COVERAGE_UNRESOLVED")
        only_completed = (await _create(api, client, events=["job.completed"])).json()["webhook"]
        assert await code() == (400, "WEBHOOK_COVERAGE_UNRESOLVED")
        await client.patch(
            f"{HOOKS}/{only_completed['id']}",
            headers=api.auth(),
            json={"events": ["job.completed", "job.failed"]},
        )
        assert await code() == (202, None)
        await client.patch(f"{HOOKS}/{only_completed['id']}", headers=api.auth(), json={"enabled": False})
        assert await code() == (400, "WEBHOOK_COVERAGE_UNRESOLVED")
        await _create(api, client, events=["*"])
        assert await code() == (202, None)


async def test_ping_and_redeliver_of_unknown_message(hooks_api: Api) -> None:
    api = hooks_api
    async with api.client() as client:
        hook = (await _create(api, client)).json()["webhook"]
        ping = await client.post(f"{HOOKS}/{hook['id']}/ping", headers=api.auth())
        unknown = await client.post(
            f"{HOOKS}/{hook['id']}/deliveries/msg_unknown/redeliver", headers=api.auth()
        )
        log = await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=api.auth())
    assert ping.status_code == 202, ping.text
    message = ping.json()["message"]
    assert message["id"].startswith("msg_") and message["eventType"] == "webhook.ping"
    assert message["status"] == "pending"
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "WEBHOOK_MESSAGE_NOT_FOUND")
    assert log.json() == {"success": True, "deliveries": []}  # nothing sent yet: no dispatcher here
