"""The jobs dialect's skeleton: its error body, both auth schemes on both dialects, create and read a job."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_support import Api
from jobs_support import JOB_KEYS, JOBS, assert_jobs_error, bearer, create_job, wait_for_jobs_job

from extractd.services.templates import builtin_template_id, create_template
from extractd.store.db import transaction
from extractd.store.models import Environment, Job, WebhookMessage

pytestmark = pytest.mark.anyio

TEMPLATE = {"name": "po", "fields": [{"name": "po_number", "type": "text", "description": "PO number"}]}


async def test_both_auth_schemes_work_on_both_dialects(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        for scheme in ("Bearer", "api-key", "bearer"):
            headers = {"Authorization": f"{scheme} {api.key}"}
            assert (await client.get("/api/v1/templates", headers=headers)).status_code == 200
            created = await client.post(
                JOBS,
                headers=headers,
                files={"file": ("a.pdf", invoice_pdf, "application/pdf")},
                data={"type": "EXTRACTION", "schemaId": "invoice"},
            )
            assert created.status_code == 201, created.text


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer nope", "Basic abc", "api-key nope"])
async def test_missing_or_invalid_key_is_401_in_the_jobs_error_body(
    api: Api, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with api.client() as client:
        for method, path in (("GET", f"{JOBS}/{uuid.uuid4()}"), ("POST", JOBS)):
            assert_jobs_error(await client.request(method, path, headers=headers), 401, "UNAUTHORIZED")


async def test_error_bodies_follow_the_dialect_of_the_path(api: Api) -> None:
    async with api.client() as client:
        missing = await client.get(f"{JOBS}/{uuid.uuid4()}", headers=bearer(api))
        not_uuid = await client.get(f"{JOBS}/not-a-uuid", headers=bearer(api))
        unknown_route = await client.get(f"{JOBS}/{uuid.uuid4()}/nothing/here", headers=bearer(api))
        wrong_method = await client.put(JOBS, headers=bearer(api))
        v1_missing = await client.get(f"/api/v1/extraction-jobs/{uuid.uuid4()}", headers=bearer(api))
        v1_unknown_route = await client.get("/api/v1/nothing", headers=bearer(api))
    assert_jobs_error(missing, 404, "JOB_NOT_FOUND")
    assert_jobs_error(not_uuid, 404, "JOB_NOT_FOUND")
    assert_jobs_error(unknown_route, 404, "NOT_FOUND")
    assert_jobs_error(wrong_method, 405, "METHOD_NOT_ALLOWED")
    assert v1_missing.status_code == 404
    assert v1_missing.json() == {
        "success": False,
        "error": {"code": "JOB_NOT_FOUND", "message": v1_missing.json()["error"]["message"]},
    }
    assert v1_unknown_route.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"type": "EXTRACTION"}, 400, "VALIDATION_ERROR"),  # no schemaId
        ({"type": "CLASSIFICATION", "schemaId": "invoice"}, 400, "VALIDATION_ERROR"),
        ({"type": "EXTRACTION", "schemaId": "invoice", "color": "red"}, 400, "VALIDATION_ERROR"),
        ({"type": "EXTRACTION", "schemaId": "no-such-schema"}, 404, "TEMPLATE_NOT_FOUND"),
        ({"type": "EXTRACTION", "schemaId": "3f0c6b1e-0000-4000-8000-00000000"}, 404, "TEMPLATE_NOT_FOUND"),
    ],
)
async def test_create_refuses_bad_fields(
    api: Api, invoice_pdf: bytes, data: dict[str, str], status: int, code: str
) -> None:
    async with api.client() as client:
        response = await client.post(
            JOBS, headers=bearer(api), files={"file": ("a.pdf", invoice_pdf, "application/pdf")}, data=data
        )
    assert_jobs_error(response, status, code)


async def test_create_refuses_bad_files(api: Api) -> None:
    async with api.client() as client:
        empty = await create_job(client, api, b"")
        unsupported = await create_job(client, api, b"\x00\x01\x02 not a document")
        no_file = await client.post(  # multipart with the fields but no file part
            JOBS, headers=bearer(api), files={"type": (None, "EXTRACTION"), "schemaId": (None, "invoice")}
        )
        wrong_type = await client.post(
            JOBS, headers=bearer(api) | {"Content-Type": "text/plain"}, content=b"x"
        )
    assert_jobs_error(empty, 400, "EMPTY_FILE")
    assert_jobs_error(unsupported, 415, "UNSUPPORTED_TYPE")
    assert_jobs_error(no_file, 400, "VALIDATION_ERROR")
    assert_jobs_error(wrong_type, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_create_answers_the_bare_job_and_get_reads_it(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        created = await create_job(client, api, invoice_pdf, filename="march.pdf")
        assert created.status_code == 201, created.text
        job = created.json()
        read = await client.get(f"{JOBS}/{job['id']}", headers=bearer(api))
    assert set(job) == JOB_KEYS
    assert job["type"] == "EXTRACTION"
    assert job["status"] in ("QUEUED", "PROCESSING", "COMPLETED")  # a worker may be quick
    assert job["schemaId"] == builtin_template_id("invoice")
    assert job["schemaVersion"] == 1
    assert job["filename"] == "march.pdf"
    assert job["parentRunId"] is None and job["error"] is None
    assert job["createdAt"].endswith("Z")
    assert read.status_code == 200
    assert read.json()["id"] == job["id"] and read.json()["documentId"] == job["documentId"]


async def test_schema_id_is_a_templates_id_or_name(api: Api, invoice_pdf: bytes) -> None:
    sessions = api.app.state.context.sessions
    with transaction(sessions) as session:
        environment = session.query(Environment).filter_by(name=api.environment).one()
        template = create_template(session, environment.id, TEMPLATE)
    async with api.client() as client:
        by_id = await create_job(client, api, invoice_pdf, schema_id=template.id)
        by_name = await create_job(client, api, invoice_pdf, schema_id="po")
        builtin_by_id = await create_job(client, api, invoice_pdf, schema_id=builtin_template_id("receipt"))
    assert by_id.status_code == by_name.status_code == builtin_by_id.status_code == 201
    assert by_id.json()["schemaId"] == by_name.json()["schemaId"] == template.id
    assert builtin_by_id.json()["schemaId"] == builtin_template_id("receipt")
    other_key = api.new_key()
    async with api.client() as client:
        foreign = await client.post(
            JOBS,
            headers=bearer(api, other_key),
            files={"file": ("a.pdf", invoice_pdf, "application/pdf")},
            data={"type": "EXTRACTION", "schemaId": template.id},
        )
    assert_jobs_error(foreign, 404, "TEMPLATE_NOT_FOUND")  # another environment's schema


async def test_same_bytes_are_one_document_per_environment(api: Api, invoice_pdf: bytes) -> None:
    other_key = api.new_key()
    async with api.client() as client:
        first = (await create_job(client, api, invoice_pdf, filename="a.pdf")).json()
        second = (await create_job(client, api, invoice_pdf, filename="b.pdf")).json()
        elsewhere = await client.post(
            JOBS,
            headers=bearer(api, other_key),
            files={"file": ("a.pdf", invoice_pdf, "application/pdf")},
            data={"type": "EXTRACTION", "schemaId": "invoice"},
        )
        v1 = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            files={"file": ("c.pdf", invoice_pdf, "application/pdf")},
            data={"templateName": "invoice"},
        )
        foreign_read = await client.get(f"{JOBS}/{first['id']}", headers=bearer(api, other_key))
    assert first["documentId"] == second["documentId"]
    assert (first["filename"], second["filename"]) == ("a.pdf", "b.pdf")
    assert elsewhere.json()["documentId"] != first["documentId"]
    assert_jobs_error(foreign_read, 404, "JOB_NOT_FOUND")
    with api.app.state.context.sessions() as session:
        v1_job = session.get(Job, v1.json()["job"]["id"])
        assert v1_job is not None and v1_job.document_id == first["documentId"]


async def test_idempotency_key_replays_the_create(api: Api, invoice_pdf: bytes) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with api.client() as client:
        first = await create_job(client, api, invoice_pdf, headers=key)
        replay = await create_job(client, api, invoice_pdf, headers=key)
        different = await create_job(client, api, invoice_pdf, schema_id="receipt", headers=key)
    assert first.status_code == 201 and "X-Idempotent-Replay" not in first.headers
    assert replay.status_code == 200 and replay.headers["X-Idempotent-Replay"] == "true"
    assert replay.json() == first.json()
    assert_jobs_error(different, 422, "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.slow
@pytest.mark.usefixtures("worker")
async def test_a_jobs_job_runs_to_completion_and_its_events_carry_the_jobs_shape(
    make_api: Any, invoice_pdf: bytes
) -> None:
    api = make_api(webhook_allow_private=True)
    async with api.client() as client:
        hook = await client.post(
            "/api/v1/webhooks", headers=api.auth(), json={"url": "http://127.0.0.1:9/hook", "events": ["*"]}
        )
        assert hook.status_code == 201, hook.text
        created = (await create_job(client, api, invoice_pdf)).json()
        job = await wait_for_jobs_job(client, api, created["id"])
    assert job["status"] == "COMPLETED", job
    assert job["progress"] == 100 and job["attempt"] == 1
    assert job["startedAt"] and job["completedAt"]
    with api.app.state.context.sessions() as session:
        payloads = [
            message.payload
            for message in session.query(WebhookMessage).filter_by(endpoint_id=hook.json()["webhook"]["id"])
        ]
    by_type = {payload["type"]: payload["data"] for payload in payloads}
    assert set(by_type) >= {"job.started", "job.completed"}
    completed = by_type["job.completed"]
    assert set(completed) == JOB_KEYS | {"resultUrl"}
    assert completed["status"] == "COMPLETED" and completed["id"] == job["id"]
    assert completed["resultUrl"] == f"{JOBS}/{job['id']}/extraction"
