"""/api/schema: templates in the jobs dialect's schema form (``services.schemas``); each replace is a new
version, every version readable. A schema is addressed by its id (or its name, like a v1 templateName)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from extractd.api.deps import Context, CurrentCaller, DbSession
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.jobs.common import Limit, Page, created_responses, error_responses
from extractd.api.jobs.render import list_body
from extractd.api.v1.common import JsonBody, json_request_body
from extractd.domain.job_view import iso_ms
from extractd.domain.schemas import template_to_schema
from extractd.services import schemas, templates
from extractd.services.templates import TemplateView
from extractd.store.db import transaction

router = APIRouter(prefix="/schema", tags=["jobs"])


class JobsPossibleValue(BaseModel):
    id: str
    label: str


class JobsSchemaField(BaseModel):
    name: str
    type: Literal["text", "number", "date", "boolean", "object"] = "text"
    required: bool = False
    description: str = ""
    isArray: bool = False
    properties: list[JobsSchemaField] = Field(default_factory=list, description="The fields of an object.")
    possibleValues: list[str | JobsPossibleValue] = Field(
        default_factory=list,
        description="Allowed values of a text field; a found value maps to the closest (fuzzy, the match's "
        "similarity in its confidence).",
    )


class JobsSchemaInput(BaseModel):
    """The body of create and replace (replace may leave out `name`: it cannot change)."""

    name: str
    description: str = ""
    fields: list[JobsSchemaField]


class JobsSchema(JobsSchemaInput):
    id: str = Field(description="Stable for the built-ins; usable as a job's schemaId.")
    version: int
    builtin: bool
    createdAt: str | None
    updatedAt: str | None


class JobsSchemaList(BaseModel):
    data: list[JobsSchema]
    total: int
    page: int
    limit: int


class JobsSchemaVersion(JobsSchemaInput):
    version: int
    createdAt: str | None


class JobsSchemaVersionList(BaseModel):
    data: list[JobsSchemaVersion]
    total: int
    page: int
    limit: int


def schema_body(view: TemplateView) -> dict[str, Any]:
    return {
        "id": view.id,
        **template_to_schema(view.definition),
        "version": view.version,
        "builtin": view.builtin,
        "createdAt": iso_ms(view.created_at),
        "updatedAt": iso_ms(view.updated_at),
    }


@router.get("", summary="List schemas", response_model=JobsSchemaList, responses=error_responses(400, 401))
def list_schemas(
    session: DbSession, caller: CurrentCaller, page: Page = 1, limit: Limit = 10
) -> dict[str, Any]:
    views = templates.list_templates(session, caller.environment_id)
    shown = views[(page - 1) * limit : page * limit]
    return list_body([schema_body(view) for view in shown], len(views), page, limit)


@router.post(
    "",
    status_code=201,
    summary="Create a schema",
    description="The same stored object as a v1 template: its `name` works as a v1 `templateName`. Types "
    "map onto the template format: `number` → decimal, `object` → section, `isArray` → list, "
    "`possibleValues` → enum.",
    response_model=None,
    openapi_extra=json_request_body(JobsSchemaInput),
    responses=created_responses(JobsSchema, 400, 401, 409, 413, 415, 422),
)
async def create_schema(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def create() -> tuple[int, dict[str, Any]]:
        with transaction(context.sessions) as session:
            view = schemas.create_schema(session, caller.environment_id, body)
        return 201, schema_body(view)

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.get(
    "/{schema_id}", summary="Get a schema", response_model=JobsSchema, responses=error_responses(401, 404)
)
def get_schema(schema_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return schema_body(templates.resolve(session, caller.environment_id, schema_id))


@router.put(
    "/{schema_id}",
    summary="Replace a schema (a new version)",
    description="Jobs created before keep the version they pinned (`schemaVersion`).",
    response_model=JobsSchema,
    openapi_extra=json_request_body(JobsSchemaInput),
    responses=error_responses(400, 401, 404, 409, 413, 415, 422),
)
def replace_schema(schema_id: str, body: JsonBody, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    return schema_body(schemas.replace_schema(context.sessions, caller.environment_id, schema_id, body))


@router.delete(
    "/{schema_id}",
    status_code=204,
    summary="Delete a schema",
    description="Jobs that ran with it keep their pinned copy.",
    response_class=Response,
    responses=error_responses(401, 404, 409),
)
def delete_schema(schema_id: str, session: DbSession, caller: CurrentCaller) -> Response:
    schemas.delete_schema(session, caller.environment_id, schema_id)
    return Response(status_code=204)


@router.get(
    "/{schema_id}/versions",
    summary="A schema's versions",
    description="Newest first; a built-in schema has one.",
    response_model=JobsSchemaVersionList,
    responses=error_responses(400, 401, 404),
)
def schema_versions(
    schema_id: str, session: DbSession, caller: CurrentCaller, page: Page = 1, limit: Limit = 10
) -> dict[str, Any]:
    versions = schemas.schema_versions(session, caller.environment_id, schema_id)
    shown = [
        {**template_to_schema(item.definition), "version": item.version, "createdAt": iso_ms(item.created_at)}
        for item in versions[(page - 1) * limit : page * limit]
    ]
    return list_body(shown, len(versions), page, limit)
