"""/api/schema over real HTTP (ASGI): schemas are templates, in the jobs dialect's form, versioned."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_support import Api
from jobs_support import JOBS, assert_jobs_error, bearer, create_job

from extractd.services.templates import builtin_template_id

pytestmark = pytest.mark.anyio

SCHEMA = "/api/schema"
ORDER: dict[str, Any] = {
    "name": "purchase-order",
    "description": "A purchase order.",
    "fields": [
        {"name": "po_number", "type": "text", "required": True, "description": "PO number."},
        {"name": "total", "type": "number"},
        {"name": "lines", "type": "object", "isArray": True,
         "properties": [{"name": "qty", "type": "number"}]},
        {"name": "payment",
         "possibleValues": [{"id": "cc", "label": "Credit card"}, {"id": "b", "label": "Bank"}]},
    ],
}  # fmt: skip


async def create_schema(api: Api, client: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post(SCHEMA, headers=bearer(api), json=body or ORDER)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_get_and_list_a_schema(api: Api) -> None:
    async with api.client() as client:
        created = await create_schema(api, client)
        got = await client.get(f"{SCHEMA}/{created['id']}", headers=bearer(api))
        listed = await client.get(SCHEMA, headers=bearer(api), params={"limit": 100})
    assert uuid.UUID(created["id"])
    assert created["version"] == 1 and created["builtin"] is False
    assert created["name"] == "purchase-order" and created["description"] == "A purchase order."
    fields = {field["name"]: field for field in created["fields"]}
    assert fields["total"]["type"] == "number"
    assert fields["lines"]["isArray"] is True and fields["lines"]["properties"][0]["name"] == "qty"
    assert fields["payment"]["possibleValues"] == [
        {"id": "cc", "label": "Credit card"},
        {"id": "b", "label": "Bank"},
    ]
    assert got.status_code == 200 and got.json() == created
    body = listed.json()
    assert set(body) == {"data", "total", "page", "limit"} and body["page"] == 1 and body["limit"] == 100
    names = {item["name"]: item for item in body["data"]}
    assert {"invoice", "receipt", "purchase-order"} <= set(names) and body["total"] == len(body["data"])
    assert names["invoice"]["id"] == builtin_template_id("invoice") and names["invoice"]["builtin"] is True


async def test_the_list_is_paginated(api: Api) -> None:
    async with api.client() as client:
        for index in range(3):
            await create_schema(api, client, {**ORDER, "name": f"s{index}"})
        first = (await client.get(SCHEMA, headers=bearer(api), params={"page": 1, "limit": 2})).json()
        third = (await client.get(SCHEMA, headers=bearer(api), params={"page": 3, "limit": 2})).json()
        bad = await client.get(SCHEMA, headers=bearer(api), params={"limit": 101})
    assert first["total"] == third["total"] == 5  # the two built-ins and three of ours
    assert len(first["data"]) == 2 and len(third["data"]) == 1
    assert_jobs_error(bad, 400, "VALIDATION_ERROR")


async def test_a_schema_is_a_v1_template_and_a_v1_template_is_a_schema(api: Api) -> None:
    async with api.client() as client:
        created = await create_schema(api, client)
        v1 = await client.get("/api/v1/templates/purchase-order", headers=api.auth())
        v1_made = await client.post(
            "/api/v1/templates",
            headers=api.auth(),
            json={"name": "v1-made", "fields": [{"name": "amount", "type": "money"}]},
        )
        v1_id = v1_made.json()["template"]["id"]
        as_schema = await client.get(f"{SCHEMA}/{v1_id}", headers=bearer(api))
    assert v1.status_code == 200
    template = v1.json()["template"]
    assert template["id"] == created["id"]
    types = {field["name"]: field["type"] for field in template["fields"]}
    assert types == {"po_number": "text", "total": "decimal", "lines": "list", "payment": "enum"}
    assert as_schema.status_code == 200
    assert as_schema.json()["fields"][0] | {"name": "amount"} == as_schema.json()["fields"][0]
    assert as_schema.json()["fields"][0]["type"] == "number"


async def test_replace_makes_a_new_version_and_every_version_is_readable(api: Api) -> None:
    async with api.client() as client:
        created = await create_schema(api, client)
        changed = {key: value for key, value in ORDER.items() if key != "name"}
        changed["fields"] = [*ORDER["fields"], {"name": "due", "type": "date"}]
        replaced = await client.put(f"{SCHEMA}/{created['id']}", headers=bearer(api), json=changed)
        versions = await client.get(f"{SCHEMA}/{created['id']}/versions", headers=bearer(api))
        renamed = await client.put(
            f"{SCHEMA}/{created['id']}", headers=bearer(api), json={**ORDER, "name": "x"}
        )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2 and replaced.json()["id"] == created["id"]
    assert [f["name"] for f in replaced.json()["fields"]][-1] == "due"
    body = versions.json()
    assert body["total"] == 2 and [v["version"] for v in body["data"]] == [2, 1]
    assert len(body["data"][1]["fields"]) == 4 and len(body["data"][0]["fields"]) == 5
    assert_jobs_error(renamed, 400, "INVALID_TEMPLATE")


async def test_a_job_pins_the_version_it_was_created_with(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        created = await create_schema(api, client)
        first = await create_job(client, api, invoice_pdf, schema_id=created["id"])
        await client.put(f"{SCHEMA}/{created['id']}", headers=bearer(api), json=ORDER)
        second = await create_job(client, api, invoice_pdf, schema_id="purchase-order")
    assert first.json()["schemaId"] == second.json()["schemaId"] == created["id"]
    assert (first.json()["schemaVersion"], second.json()["schemaVersion"]) == (1, 2)


async def test_delete_a_schema(api: Api) -> None:
    async with api.client() as client:
        created = await create_schema(api, client)
        deleted = await client.delete(f"{SCHEMA}/{created['id']}", headers=bearer(api))
        again = await client.get(f"{SCHEMA}/{created['id']}", headers=bearer(api))
        v1 = await client.get("/api/v1/templates/purchase-order", headers=api.auth())
    assert deleted.status_code == 204 and deleted.content == b""
    assert_jobs_error(again, 404, "TEMPLATE_NOT_FOUND")
    assert v1.status_code == 404


async def test_built_ins_have_stable_ids_and_are_read_only(api: Api) -> None:
    invoice = builtin_template_id("invoice")
    async with api.client() as client:
        got = await client.get(f"{SCHEMA}/{invoice}", headers=bearer(api))
        by_name = await client.get(f"{SCHEMA}/invoice", headers=bearer(api))
        versions = await client.get(f"{SCHEMA}/{invoice}/versions", headers=bearer(api))
        put = await client.put(f"{SCHEMA}/{invoice}", headers=bearer(api), json=ORDER)
        deleted = await client.delete(f"{SCHEMA}/{invoice}", headers=bearer(api))
        created = await client.post(SCHEMA, headers=bearer(api), json={**ORDER, "name": "invoice"})
    assert got.status_code == 200 and got.json()["id"] == invoice and got.json()["builtin"] is True
    assert by_name.json() == got.json()
    assert [v["version"] for v in versions.json()["data"]] == [1]
    assert_jobs_error(put, 409, "BUILTIN_TEMPLATE_READ_ONLY")
    assert_jobs_error(deleted, 409, "BUILTIN_TEMPLATE_READ_ONLY")
    assert_jobs_error(created, 409, "BUILTIN_TEMPLATE_READ_ONLY")


@pytest.mark.parametrize(
    ("body", "status", "code", "named"),
    [
        ({"name": "x", "fields": [{"name": "a", "type": "money"}]}, 400, "INVALID_TEMPLATE", "fields.0.type"),
        ({"name": "x", "fields": [{"name": "a", "type": "object"}]}, 400, "INVALID_TEMPLATE", "a:"),
        ({"name": "x", "fields": []}, 400, "INVALID_TEMPLATE", "fields"),
        ({"name": "x", "fields": [{"name": "a", "required": "yes"}]}, 400, "INVALID_TEMPLATE", "required"),
        ([1, 2], 400, "INVALID_TEMPLATE", "object"),
    ],
)
async def test_invalid_schemas_are_refused_naming_the_problem(
    api: Api, body: Any, status: int, code: str, named: str
) -> None:
    async with api.client() as client:
        response = await client.post(SCHEMA, headers=bearer(api), json=body)
    assert_jobs_error(response, status, code)
    assert named in response.json()["message"]


async def test_a_taken_name_is_409(api: Api) -> None:
    async with api.client() as client:
        await create_schema(api, client)
        again = await client.post(SCHEMA, headers=bearer(api), json=ORDER)
    assert_jobs_error(again, 409, "TEMPLATE_EXISTS")


async def test_create_replays_with_an_idempotency_key(api: Api) -> None:
    headers = bearer(api) | {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with api.client() as client:
        first = await client.post(SCHEMA, headers=headers, json=ORDER)
        second = await client.post(SCHEMA, headers=headers, json=ORDER)
    assert first.status_code == 201 and second.status_code == 200
    assert second.headers["X-Idempotent-Replay"] == "true" and second.json() == first.json()


async def test_schemas_of_another_environment_are_404_on_every_path(api: Api) -> None:
    other = api.new_key()
    async with api.client() as client:
        created = await create_schema(api, client)
        path = f"{SCHEMA}/{created['id']}"
        answers = [
            await client.get(path, headers=bearer(api, other)),
            await client.put(path, headers=bearer(api, other), json=ORDER),
            await client.delete(path, headers=bearer(api, other)),
            await client.get(f"{path}/versions", headers=bearer(api, other)),
            await client.get(f"{SCHEMA}/purchase-order", headers=bearer(api, other)),
        ]
        listed = (await client.get(SCHEMA, headers=bearer(api, other))).json()
        job = await client.post(
            JOBS,
            headers=bearer(api, other),
            files={"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")},
            data={"type": "EXTRACTION", "schemaId": created["id"]},
        )
    for answer in answers:
        assert_jobs_error(answer, 404, "TEMPLATE_NOT_FOUND")
    assert "purchase-order" not in {item["name"] for item in listed["data"]}
    assert_jobs_error(job, 404, "TEMPLATE_NOT_FOUND")
