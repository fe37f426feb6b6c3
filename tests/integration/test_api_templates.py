"""/api/v1/templates and /api/v1/filters: CRUD, built-ins, versions, validation, pinning."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api, b64

from extractd.store.models import Environment, Job, Template, TemplateVersion

pytestmark = pytest.mark.anyio

PO = {
    "name": "purchase order",
    "description": "A purchase order.",
    "fields": [
        {"name": "po number", "type": "text", "description": "The order's number.", "labels": ["PO #"]},
        {"name": "order_date", "type": "date", "dateFormat": "DD.MM.YYYY"},
        {"name": "lines", "type": "list", "fields": [{"name": "sku", "type": "text"}]},
    ],
}


async def test_builtins_are_listed_and_read_only(api: Api) -> None:
    async with api.client() as client:
        listed = (await client.get("/api/v1/templates", headers=api.auth())).json()["templates"]
        invoice = (await client.get("/api/v1/templates/invoice", headers=api.auth())).json()["template"]
        put = await client.put("/api/v1/templates/invoice", headers=api.auth(), json=PO | {"name": "invoice"})
        delete = await client.delete("/api/v1/templates/receipt", headers=api.auth())
        create = await client.post("/api/v1/templates", headers=api.auth(), json=PO | {"name": "invoice"})
    assert {"invoice", "receipt"} <= {template["name"] for template in listed}
    assert invoice["builtin"] is True
    names = [field["name"] for field in invoice["fields"]]
    assert names[:3] == ["invoice_number", "invoice_date", "due_date"]
    assert "line_items" in names
    for response in (put, delete, create):
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "BUILTIN_TEMPLATE_READ_ONLY"


async def test_template_crud_with_versions(api: Api) -> None:
    async with api.client() as client:
        created = await client.post("/api/v1/templates", headers=api.auth(), json=PO)
        assert created.status_code == 201, created.text
        template = created.json()["template"]
        assert template["name"] == "purchase order"
        assert template["version"] == 1
        assert template["fields"][0]["name"] == "po_number"  # spaces become _
        assert template["fields"][1]["dateFormat"] == "DD.MM.YYYY"

        duplicate = await client.post("/api/v1/templates", headers=api.auth(), json=PO)
        assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "TEMPLATE_EXISTS")

        updated_body = {"description": "v2", "fields": [{"name": "total", "type": "money"}]}
        updated = await client.put("/api/v1/templates/purchase order", headers=api.auth(), json=updated_body)
        assert updated.status_code == 200, updated.text
        assert updated.json()["template"]["version"] == 2
        fetched = (await client.get("/api/v1/templates/purchase order", headers=api.auth())).json()[
            "template"
        ]
        assert fetched["description"] == "v2"
        assert [field["name"] for field in fetched["fields"]] == ["total"]
        assert _stored_versions(api, "purchase order") == [1, 2]

        deleted = await client.delete("/api/v1/templates/purchase order", headers=api.auth())
        assert deleted.json() == {"success": True}
        gone = await client.get("/api/v1/templates/purchase order", headers=api.auth())
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "TEMPLATE_NOT_FOUND")
    assert _stored_versions(api, "purchase order") == []


def _stored_versions(api: Api, name: str) -> list[int]:
    with api.app.state.context.sessions() as session:
        query = (
            session.query(TemplateVersion.version)
            .join(Template, Template.id == TemplateVersion.template_id)
            .join(Environment, Environment.id == Template.environment_id)
            .filter(Template.name == name, Environment.name == api.environment)
            .order_by(TemplateVersion.version)
        )
        return [version for (version,) in query]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "fields": []}, "fields"),
        ({"name": "x", "fields": [{"name": "a", "type": "colour"}]}, "type"),
        ({"name": "x", "fields": [{"name": "a"}, {"name": "a"}]}, "twice"),
        ({"name": "x", "fields": [{"name": "a", "type": "enum"}]}, "values"),
        ({"name": "x", "fields": [{"name": "a", "type": "list"}]}, "fields"),
        ({"name": "x", "fields": [{"name": "a", "colour": "red"}]}, "colour"),
        ({"fields": [{"name": "a"}]}, "name"),
        ({"name": "x", "fields": [{"name": "a", "required": 0}]}, "required"),
        ({"name": "x", "fields": [{"name": "a", "labels": "Total"}]}, "labels"),
        (["not", "an", "object"], "template"),
    ],
)
async def test_invalid_templates_are_400_with_a_clear_message(api: Api, body: Any, fragment: str) -> None:
    async with api.client() as client:
        response = await client.post("/api/v1/templates", headers=api.auth(), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_TEMPLATE"
    assert fragment in response.json()["error"]["message"]


# Patterns run on RE2 (linear time): one that cannot compile, or that only a backtracking engine can
# run, is a readable request that cannot be honoured: 422 naming the field.
@pytest.mark.parametrize("pattern", ["(", r"(a+)\1", "(?=a)a", "(?<!b)a"])
async def test_unrunnable_patterns_are_422_naming_the_field(api: Api, pattern: str) -> None:
    body = {"name": "x", "fields": [{"name": "ref", "type": "text"}, {"name": "code", "pattern": pattern}]}
    async with api.client() as client:
        created = await client.post("/api/v1/templates", headers=api.auth(), json=body)
        valid = {**body, "fields": body["fields"][:1]}
        await client.post("/api/v1/templates", headers=api.auth(), json=valid)
        replaced = await client.put("/api/v1/templates/x", headers=api.auth(), json=body)
    for response in (created, replaced):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "INVALID_PATTERN"
        assert "fields.1.pattern" in response.json()["error"]["message"]


async def test_template_name_cannot_change_on_put(api: Api) -> None:
    async with api.client() as client:
        await client.post("/api/v1/templates", headers=api.auth(), json=PO)
        response = await client.put(
            "/api/v1/templates/purchase order", headers=api.auth(), json=PO | {"name": "other"}
        )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "INVALID_TEMPLATE")


async def test_a_job_pins_the_template_version_it_was_created_with(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        await client.post("/api/v1/templates", headers=api.auth(), json=PO)
        created = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            json={"file": b64(invoice_pdf), "templateName": "purchase order"},
        )
        await client.put(
            "/api/v1/templates/purchase order",
            headers=api.auth(),
            json={"fields": [{"name": "something_else", "type": "text"}]},
        )
    with api.app.state.context.sessions() as session:
        job = session.get(Job, created.json()["job"]["id"])
        assert job is not None
        assert job.template_version == 1
        assert job.template_definition is not None
        assert job.template_definition["fields"][0]["name"] == "po_number"


async def test_filter_crud_validation_and_pinning(api: Api, invoice_pdf: bytes) -> None:
    rules = [
        {"documentName": "Invoice", "description": "Supplier invoices", "templateName": "invoice"},
        {"documentName": "Order", "description": "Purchase orders", "templateName": "purchase order"},
        {"documentName": "Other", "description": "Anything else", "extract": False},
    ]
    async with api.client() as client:
        missing_template = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": rules}
        )
        assert (missing_template.status_code, missing_template.json()["error"]["code"]) == (
            400,
            "INVALID_FILTER",
        )
        no_template = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": [{"documentName": "A"}]}
        )
        assert no_template.status_code == 400
        bad_shape = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": "x"}
        )
        assert (bad_shape.status_code, bad_shape.json()["error"]["code"]) == (400, "INVALID_FILTER")

        await client.post("/api/v1/templates", headers=api.auth(), json=PO)
        created = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": rules}
        )
        assert created.status_code == 201, created.text
        assert [rule["documentName"] for rule in created.json()["filter"]["rules"]] == [
            "Invoice",
            "Order",
            "Other",
        ]
        duplicate = await client.post(
            "/api/v1/filters", headers=api.auth(), json={"name": "inbox", "rules": rules}
        )
        assert duplicate.json()["error"]["code"] == "FILTER_EXISTS"

        job = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            json={"file": b64(invoice_pdf), "filterName": "inbox"},
        )
        assert job.status_code == 202, job.text

        replaced = await client.put(
            "/api/v1/filters/inbox",
            headers=api.auth(),
            json={"rules": rules[:1], "description": "only invoices"},
        )
        assert replaced.status_code == 200
        assert len(replaced.json()["filter"]["rules"]) == 1
        listed = await client.get("/api/v1/filters", headers=api.auth())
        assert [item["name"] for item in listed.json()["filters"]] == ["inbox"]
        assert (await client.delete("/api/v1/filters/inbox", headers=api.auth())).status_code == 200
        assert (await client.get("/api/v1/filters/inbox", headers=api.auth())).status_code == 404

    with api.app.state.context.sessions() as session:
        row = session.get(Job, job.json()["job"]["id"])
        assert row is not None
        assert row.filter_name == "inbox"
        assert row.filter_definition is not None
        pinned = row.filter_definition["rules"]
        assert [rule["documentName"] for rule in pinned] == ["Invoice", "Order", "Other"]
        assert pinned[0]["template"]["name"] == "invoice"
        assert pinned[1]["template"]["fields"][0]["name"] == "po_number"
        assert pinned[2]["template"] is None
        assert pinned[2]["extract"] is False


async def test_json_bodies_must_be_json(api: Api) -> None:
    async with api.client() as client:
        malformed = await client.post(
            "/api/v1/templates", headers=api.auth() | {"Content-Type": "application/json"}, content=b"{"
        )
        wrong_type = await client.post(
            "/api/v1/filters", headers=api.auth() | {"Content-Type": "text/plain"}, content=b"{}"
        )
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "MALFORMED_JSON")
    assert (wrong_type.status_code, wrong_type.json()["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
