"""/openapi.json and /docs describe every endpoint, request field, response and error."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from api_support import Api

pytestmark = pytest.mark.anyio

V1_OPERATIONS = {
    ("post", "/api/v1/extraction-jobs"),
    ("get", "/api/v1/extraction-jobs/{job_id}"),
    ("get", "/api/v1/extraction-jobs/{job_id}/result"),
    ("get", "/api/v1/extraction-jobs/{job_id}/review"),
    ("post", "/api/v1/extraction-jobs/{job_id}/review"),
    ("post", "/api/v1/extractFields"),
    ("get", "/api/v1/templates"),
    ("post", "/api/v1/templates"),
    ("get", "/api/v1/templates/{name}"),
    ("put", "/api/v1/templates/{name}"),
    ("delete", "/api/v1/templates/{name}"),
    ("get", "/api/v1/filters"),
    ("post", "/api/v1/filters"),
    ("get", "/api/v1/filters/{name}"),
    ("put", "/api/v1/filters/{name}"),
    ("delete", "/api/v1/filters/{name}"),
    ("get", "/api/v1/webhooks"),
    ("post", "/api/v1/webhooks"),
    ("get", "/api/v1/webhooks/{webhook_id}"),
    ("patch", "/api/v1/webhooks/{webhook_id}"),
    ("delete", "/api/v1/webhooks/{webhook_id}"),
    ("post", "/api/v1/webhooks/{webhook_id}/rotate-secret"),
    ("post", "/api/v1/webhooks/{webhook_id}/ping"),
    ("get", "/api/v1/webhooks/{webhook_id}/deliveries"),
    ("post", "/api/v1/webhooks/{webhook_id}/deliveries/{message_id}/redeliver"),
}
JOBS_OPERATIONS = {
    ("post", "/api/jobs"),
    ("get", "/api/jobs"),
    ("get", "/api/jobs/{job_id}"),
    ("delete", "/api/jobs/{job_id}"),
    ("post", "/api/jobs/{job_id}/cancel"),
    ("post", "/api/jobs/{job_id}/restart"),
    ("get", "/api/jobs/{job_id}/extraction"),
    ("post", "/api/jobs/from-document/{document_id}"),
    ("post", "/api/jobs/upload-url"),
    ("post", "/api/jobs/confirm-upload"),
    ("get", "/api/documents"),
    ("get", "/api/documents/{document_id}"),
    ("delete", "/api/documents/{document_id}"),
    ("get", "/api/documents/{document_id}/content"),
    ("patch", "/api/jobs/{job_id}/extraction"),
    ("get", "/api/schema"),
    ("post", "/api/schema"),
    ("get", "/api/schema/{schema_id}"),
    ("put", "/api/schema/{schema_id}"),
    ("delete", "/api/schema/{schema_id}"),
    ("get", "/api/schema/{schema_id}/versions"),
    ("post", "/api/job-runs"),
    ("get", "/api/job-runs/{run_id}"),
    ("get", "/api/webhooks"),
    ("post", "/api/webhooks"),
    ("get", "/api/webhooks/event-catalog"),
    ("get", "/api/webhooks/{webhook_id}"),
    ("patch", "/api/webhooks/{webhook_id}"),
    ("delete", "/api/webhooks/{webhook_id}"),
}
# The PUT to a presigned upload URL: its signature authorises it, not an API key.
SIGNED_OPERATIONS = {("put", "/api/uploads/{key}")}


async def test_openapi_documents_every_operation_and_its_errors(api: Api) -> None:
    async with api.client() as client:
        schema = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    documented = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert documented == V1_OPERATIONS | JOBS_OPERATIONS | SIGNED_OPERATIONS
    for method, path in V1_OPERATIONS:
        operation = schema["paths"][path][method]
        assert all(tag.startswith("v1: ") for tag in operation["tags"]), (method, path)
        # 422 only where a readable request can fail on its content (a file, a pattern, a reused key).
        assert "422" not in operation["responses"] or path.endswith(
            (
                "extraction-jobs",
                "extractFields",
                "templates",
                "templates/{name}",
                "filters",
                "review",
                "webhooks",
            )
        ), (method, path)
        _assert_documented_errors(operation, "#/components/schemas/ErrorResponse", method, path)
    for method, path in JOBS_OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation["tags"] == ["jobs"], (method, path)
        _assert_documented_errors(operation, "#/components/schemas/JobsError", method, path)
    upload = schema["paths"]["/api/uploads/{key}"]["put"]
    assert "security" not in upload and upload["tags"] == ["jobs"]
    assert upload["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/JobsError")
    tags = {tag["name"] for tag in schema["tags"]}
    assert tags >= {"jobs", "v1: extraction jobs"}


def _assert_documented_errors(operation: dict[str, Any], error_ref: str, method: str, path: str) -> None:
    """Every operation takes a key and documents each error status with its dialect's error body."""
    assert operation["security"] == [{"ApiKey": []}], (method, path)
    errors = {
        code: response for code, response in operation["responses"].items() if code.startswith(("4", "5"))
    }
    assert "401" in errors, (method, path)
    for response in errors.values():
        assert response["content"]["application/json"]["schema"]["$ref"] == error_ref, (method, path)


async def test_every_referenced_component_exists(api: Api) -> None:
    async with api.client() as client:
        schema = (await client.get("/openapi.json")).json()
    text = json.dumps(schema)
    referenced = set(re.findall(r'"#/components/schemas/([^"]+)"', text))
    assert referenced <= set(schema["components"]["schemas"])
    assert {"JobsSchemaInput", "JobsWebhookInput", "JobsJobRunForm"} <= referenced


async def test_create_job_request_fields_are_documented_for_both_encodings(api: Api) -> None:
    async with api.client() as client:
        schema = (await client.get("/openapi.json")).json()
    content = schema["paths"]["/api/v1/extraction-jobs"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]
    form = components[content["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]["properties"]
    body = components[content["application/json"]["schema"]["$ref"].split("/")[-1]]["properties"]
    expected = {
        "file",
        "templateName",
        "filterName",
        "documentSplitting",
        "returnDocuments",
        "returnText",
        "documentReview",
        "schemaChunking",
        "password",
        "deliveryMode",
        "returnBoundingBoxes",
    }
    assert expected <= set(form)
    assert expected | {"filename", "delivery"} <= set(body)
    assert form["file"]["format"] == "binary"
    assert form["documentReview"]["minimum"] == 1
    assert form["documentReview"]["maximum"] == 99
    headers = {
        parameter["name"] for parameter in schema["paths"]["/api/v1/extraction-jobs"]["post"]["parameters"]
    }
    assert "Idempotency-Key" in headers


async def test_jobs_create_documents_its_multipart_fields(api: Api) -> None:
    async with api.client() as client:
        schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/api/jobs"]["post"]
    ref = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = schema["components"]["schemas"][ref.split("/")[-1]]
    assert set(form["properties"]) == {"file", "type", "schemaId"}
    assert form["properties"]["file"]["format"] == "binary"
    assert {"201", "200"} <= set(operation["responses"])
    assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
