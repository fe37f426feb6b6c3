"""/api/webhooks (the jobs form of the one webhook store) and /api/job-runs, over real HTTP (ASGI)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_support import Api
from jobs_support import assert_jobs_error, bearer

from extractd.domain.webhooks import EVENT_CATALOG
from extractd.store.db import transaction
from extractd.store.models import Environment, Job, JobRun

pytestmark = pytest.mark.anyio

HOOKS = "/api/webhooks"
RUNS = "/api/job-runs"
PUBLIC_URL = "https://93.184.215.14/hook"  # a public address: no DNS needed, never connected to here


async def test_webhook_create_read_change_delete(api: Api) -> None:
    async with api.client() as client:
        created = await client.post(
            HOOKS,
            headers=bearer(api),
            json={"url": PUBLIC_URL, "description": "ops", "events": ["job.completed", "job_run.completed"]},
        )
        hook = created.json()
        got = await client.get(f"{HOOKS}/{hook['id']}", headers=bearer(api))
        v1 = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=api.auth())
        listed = await client.get(HOOKS, headers=bearer(api))
        patched = await client.patch(
            f"{HOOKS}/{hook['id']}", headers=bearer(api), json={"events": ["*"], "enabled": False}
        )
        deleted = await client.delete(f"{HOOKS}/{hook['id']}", headers=bearer(api))
        gone = await client.get(f"{HOOKS}/{hook['id']}", headers=bearer(api))
    assert created.status_code == 201, created.text
    assert hook["signingSecret"].startswith("whsec_")
    assert (hook["url"], hook["description"], hook["events"]) == (
        PUBLIC_URL,
        "ops",
        ["job.completed", "job_run.completed"],
    )
    assert got.status_code == 200 and "signingSecret" not in got.json()
    assert got.json() == {key: value for key, value in hook.items() if key != "signingSecret"}
    assert v1.json()["webhook"]["id"] == hook["id"]  # the same store as /api/v1/webhooks
    assert listed.json() == {"data": [got.json()], "total": 1, "page": 1, "limit": 1}
    assert patched.status_code == 200
    assert (patched.json()["events"], patched.json()["enabled"]) == (["*"], False)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_jobs_error(gone, 404, "WEBHOOK_NOT_FOUND")


async def test_the_event_catalog(api: Api) -> None:
    async with api.client() as client:
        catalog = await client.get(f"{HOOKS}/event-catalog", headers=bearer(api))
        anonymous = await client.get(f"{HOOKS}/event-catalog")
    types = [item["type"] for item in catalog.json()["data"]]
    assert types == list(EVENT_CATALOG)
    assert {"job.updated", "job_run.created", "job_run.progress", "job_run.completed"} <= set(types)
    assert all(item["description"] for item in catalog.json()["data"])
    assert_jobs_error(anonymous, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "http://127.0.0.1:9/hook", "events": ["*"]}, 400, "WEBHOOK_URL_REFUSED"),
        ({"url": PUBLIC_URL, "events": ["job.exploded"]}, 400, "VALIDATION_ERROR"),
        ({"url": PUBLIC_URL, "events": []}, 400, "VALIDATION_ERROR"),
        ({"url": PUBLIC_URL}, 400, "VALIDATION_ERROR"),
        ({"url": PUBLIC_URL, "events": ["*"], "color": "red"}, 400, "VALIDATION_ERROR"),
    ],
)
async def test_bad_webhooks_are_refused(api: Api, body: dict[str, Any], status: int, code: str) -> None:
    async with api.client() as client:
        response = await client.post(HOOKS, headers=bearer(api), json=body)
        patch = await client.patch(f"{HOOKS}/{uuid.uuid4()}", headers=bearer(api), json={"enabled": True})
    assert_jobs_error(response, status, code)
    assert_jobs_error(patch, 404, "WEBHOOK_NOT_FOUND")


async def test_webhooks_of_another_environment_are_404(api: Api) -> None:
    other = api.new_key()
    async with api.client() as client:
        hook = (
            await client.post(HOOKS, headers=bearer(api), json={"url": PUBLIC_URL, "events": ["*"]})
        ).json()
        path = f"{HOOKS}/{hook['id']}"
        answers = [
            await client.get(path, headers=bearer(api, other)),
            await client.patch(path, headers=bearer(api, other), json={"enabled": False}),
            await client.delete(path, headers=bearer(api, other)),
        ]
        listed = await client.get(HOOKS, headers=bearer(api, other))
    for answer in answers:
        assert_jobs_error(answer, 404, "WEBHOOK_NOT_FOUND")
    assert listed.json()["total"] == 0


async def test_webhook_create_replays_with_an_idempotency_key(api: Api) -> None:
    headers = bearer(api) | {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"url": PUBLIC_URL, "events": ["*"]}
    async with api.client() as client:
        first = await client.post(HOOKS, headers=headers, json=body)
        second = await client.post(HOOKS, headers=headers, json=body)
        listed = await client.get(HOOKS, headers=bearer(api))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json() and listed.json()["total"] == 1


def run_files(*contents: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files[]", (f"doc{index}.pdf", content, "application/pdf")) for index, content in enumerate(contents)
    ]


async def test_a_run_creates_one_job_per_file(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        created = await client.post(
            RUNS,
            headers=bearer(api),
            files=run_files(invoice_pdf, invoice_pdf + b"\n% another copy\n"),
            data={"schemaId": "invoice", "jobType": "EXTRACTION"},
        )
        run = created.json()
        got = await client.get(f"{RUNS}/{run['id']}", headers=bearer(api))
    assert created.status_code == 201, created.text
    assert set(run) == {
        "id",
        "type",
        "status",
        "totalJobs",
        "completedJobs",
        "failedJobs",
        "createdAt",
        "updatedAt",
        "completedAt",
    }
    assert (run["type"], run["totalJobs"], run["completedJobs"], run["failedJobs"]) == ("EXTRACTION", 2, 0, 0)
    assert got.status_code == 200 and got.json()["id"] == run["id"] and got.json()["totalJobs"] == 2
    with transaction(api.app.state.context.sessions) as session:
        jobs = session.query(Job).filter_by(parent_run_id=run["id"]).all()
        assert sorted(job.filename for job in jobs) == ["doc0.pdf", "doc1.pdf"]
        assert {job.dialect for job in jobs} == {"jobs"}


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ("none", {"schemaId": "invoice"}, 400, "VALIDATION_ERROR"),
        ("pdf", {}, 400, "VALIDATION_ERROR"),
        ("pdf", {"schemaId": "invoice", "jobType": "CLASSIFICATION"}, 400, "VALIDATION_ERROR"),
        ("pdf", {"schemaId": "invoice", "color": "red"}, 400, "VALIDATION_ERROR"),
        ("pdf", {"schemaId": "no-such-schema"}, 404, "TEMPLATE_NOT_FOUND"),
        ("empty", {"schemaId": "invoice"}, 400, "EMPTY_FILE"),
        ("zip", {"schemaId": "invoice"}, 415, "UNSUPPORTED_TYPE"),
    ],
)
async def test_a_bad_run_is_refused_and_stores_nothing(
    api: Api, invoice_pdf: bytes, files: str, data: dict[str, str], status: int, code: str
) -> None:
    contents = {"pdf": [invoice_pdf], "empty": [invoice_pdf, b""], "zip": [invoice_pdf, b"PK\x03\x04junk"]}
    # multipart with form fields only when there is no file
    parts: list[Any] = run_files(*contents.get(files, [])) or [
        (name, (None, value)) for name, value in data.items()
    ]
    async with api.client() as client:
        response = await client.post(
            RUNS, headers=bearer(api), files=parts, data=data if files != "none" else None
        )
    assert_jobs_error(response, status, code)
    with transaction(api.app.state.context.sessions) as session:
        environment = session.query(Environment).filter_by(name=api.environment).one()
        assert session.query(JobRun).filter_by(environment_id=environment.id).count() == 0
        assert session.query(Job).filter_by(environment_id=environment.id).count() == 0


async def test_a_run_must_be_multipart(api: Api) -> None:
    async with api.client() as client:
        response = await client.post(RUNS, headers=bearer(api), json={"schemaId": "invoice"})
    assert_jobs_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_runs_are_scoped_to_their_environment(api: Api, invoice_pdf: bytes) -> None:
    other = api.new_key()
    async with api.client() as client:
        run = (
            await client.post(
                RUNS, headers=bearer(api), files=run_files(invoice_pdf), data={"schemaId": "invoice"}
            )
        ).json()
        foreign = await client.get(f"{RUNS}/{run['id']}", headers=bearer(api, other))
        unknown = await client.get(f"{RUNS}/{uuid.uuid4()}", headers=bearer(api))
        not_uuid = await client.get(f"{RUNS}/nope", headers=bearer(api))
    assert_jobs_error(foreign, 404, "JOB_RUN_NOT_FOUND")
    assert_jobs_error(unknown, 404, "JOB_RUN_NOT_FOUND")
    assert_jobs_error(not_uuid, 404, "JOB_RUN_NOT_FOUND")


async def test_run_create_replays_with_an_idempotency_key(api: Api, invoice_pdf: bytes) -> None:
    headers = bearer(api) | {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with api.client() as client:
        first = await client.post(
            RUNS, headers=headers, files=run_files(invoice_pdf), data={"schemaId": "invoice"}
        )
        second = await client.post(
            RUNS, headers=headers, files=run_files(invoice_pdf), data={"schemaId": "invoice"}
        )
        changed = await client.post(
            RUNS, headers=headers, files=run_files(invoice_pdf), data={"schemaId": "receipt"}
        )
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert_jobs_error(changed, 422, "IDEMPOTENCY_KEY_REUSED")
