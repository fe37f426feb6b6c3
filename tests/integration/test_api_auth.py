"""Auth on every endpoint, and environments as walls: another environment's ids answer 404."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_support import Api, b64

from extractd.services.keys import revoke_key
from extractd.store.db import transaction

pytestmark = pytest.mark.anyio

TEMPLATE = {
    "name": "po",
    "fields": [{"name": "po_number", "type": "text", "description": "Purchase order number"}],
}
FILTER = {"name": "mail", "rules": [{"documentName": "Purchase order", "templateName": "po"}]}


def _endpoints(job_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("POST", "/api/v1/extraction-jobs", {"json": {"file": "JVBERi0=", "templateName": "invoice"}}),
        ("GET", f"/api/v1/extraction-jobs/{job_id}", {}),
        ("GET", f"/api/v1/extraction-jobs/{job_id}/result", {}),
        ("POST", "/api/v1/extractFields", {"json": {"file": "JVBERi0=", "templateName": "invoice"}}),
        ("GET", "/api/v1/templates", {}),
        ("POST", "/api/v1/templates", {"json": TEMPLATE}),
        ("GET", "/api/v1/templates/po", {}),
        ("PUT", "/api/v1/templates/po", {"json": TEMPLATE}),
        ("DELETE", "/api/v1/templates/po", {}),
        ("GET", "/api/v1/filters", {}),
        ("POST", "/api/v1/filters", {"json": FILTER}),
        ("GET", "/api/v1/filters/mail", {}),
        ("PUT", "/api/v1/filters/mail", {"json": FILTER}),
        ("DELETE", "/api/v1/filters/mail", {}),
    ]


@pytest.mark.parametrize(
    "authorization", [None, "", "api-key", "api-key nope", "Bearer exd_whatever", "exd_only-the-key"]
)
async def test_missing_or_invalid_key_is_401_everywhere(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with api.client() as client:
        for method, path, kwargs in _endpoints(str(uuid.uuid4())):
            response = await client.request(method, path, headers=headers, **kwargs)
            assert response.status_code == 401, (method, path, response.text)
            assert response.json() == {
                "success": False,
                "error": {"code": "UNAUTHORIZED", "message": response.json()["error"]["message"]},
            }


async def test_revoked_key_is_401(api: Api) -> None:
    key = api.new_key(api.environment)
    async with api.client() as client:
        assert (await client.get("/api/v1/templates", headers=api.auth(key))).status_code == 200
        with transaction(api.app.state.context.sessions) as session:
            revoke_key(session, _key_id(api, key))
        response = await client.get("/api/v1/templates", headers=api.auth(key))
        assert response.status_code == 401
        assert (await client.get("/api/v1/templates", headers=api.auth())).status_code == 200


def _key_id(api: Api, key: str) -> str:
    from extractd.services.keys import hash_key
    from extractd.store.repositories import api_keys

    with api.app.state.context.sessions() as session:
        row = api_keys.find_active(session, hash_key(key))
        assert row is not None
        return row.id


async def test_another_environments_resources_answer_404(api: Api, invoice_pdf: bytes) -> None:
    other_key = api.new_key()
    async with api.client() as client:
        created = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            json={"file": b64(invoice_pdf), "templateName": "invoice"},
        )
        assert created.status_code == 202
        job_id = created.json()["job"]["id"]
        assert (await client.post("/api/v1/templates", headers=api.auth(), json=TEMPLATE)).status_code == 201
        assert (await client.post("/api/v1/filters", headers=api.auth(), json=FILTER)).status_code == 201

        other = api.auth(other_key)
        for method, path in [
            ("GET", f"/api/v1/extraction-jobs/{job_id}"),
            ("GET", f"/api/v1/extraction-jobs/{job_id}/result"),
            ("GET", "/api/v1/templates/po"),
            ("PUT", "/api/v1/templates/po"),
            ("DELETE", "/api/v1/templates/po"),
            ("GET", "/api/v1/filters/mail"),
            ("PUT", "/api/v1/filters/mail"),
            ("DELETE", "/api/v1/filters/mail"),
        ]:
            body = TEMPLATE if "templates" in path else FILTER
            kwargs: dict[str, Any] = {"json": body} if method == "PUT" else {}
            response = await client.request(method, path, headers=other, **kwargs)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["error"]["code"] in {
                "JOB_NOT_FOUND",
                "TEMPLATE_NOT_FOUND",
                "FILTER_NOT_FOUND",
            }

        # The other environment cannot run jobs with our template or filter either.
        for field, name, code in [
            ("templateName", "po", "TEMPLATE_NOT_FOUND"),
            ("filterName", "mail", "FILTER_NOT_FOUND"),
        ]:
            response = await client.post(
                "/api/v1/extraction-jobs", headers=other, json={"file": b64(invoice_pdf), field: name}
            )
            assert response.status_code == 404
            assert response.json()["error"]["code"] == code
        listed = await client.get("/api/v1/templates", headers=other)
        assert "po" not in {template["name"] for template in listed.json()["templates"]}
        assert (await client.get("/api/v1/filters", headers=other)).json()["filters"] == []
        # Everything is still there for its owner.
        assert (await client.get(f"/api/v1/extraction-jobs/{job_id}", headers=api.auth())).status_code == 200
        assert (await client.get("/api/v1/templates/po", headers=api.auth())).status_code == 200
        assert (await client.get("/api/v1/filters/mail", headers=api.auth())).status_code == 200
