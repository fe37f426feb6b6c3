"""/api/v1/templates: the environment's templates plus the read-only built-ins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller, DbSession
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.v1.common import JsonBody, error_responses, json_request_body, replay_response
from extractd.api.v1.schemas import (
    DeletedResponse,
    TemplateDefinition,
    TemplateListResponse,
    TemplateResponse,
    TemplateUpdate,
)
from extractd.services import templates
from extractd.services.templates import TemplateView
from extractd.store.db import transaction

router = APIRouter(prefix="/api/v1/templates", tags=["v1: templates"])


def template_out(view: TemplateView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "description": view.definition.get("description", ""),
        "fields": view.definition.get("fields", []),
        "version": view.version,
        "builtin": view.builtin,
        "createdAt": view.created_at.isoformat() if view.created_at else None,
        "updatedAt": view.updated_at.isoformat() if view.updated_at else None,
    }


@router.get("", summary="List templates", response_model=TemplateListResponse, responses=error_responses(401))
def list_templates(session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    views = templates.list_templates(session, caller.environment_id)
    return {"success": True, "templates": [template_out(view) for view in views]}


@router.post(
    "",
    status_code=201,
    summary="Create a template",
    response_model=None,
    openapi_extra=json_request_body(TemplateDefinition),
    responses={
        201: {"model": TemplateResponse, "description": "Created."},
        200: replay_response(TemplateResponse),
        **error_responses(400, 401, 409, 413, 415, 422),
    },
)
async def create_template(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def create() -> tuple[int, dict[str, Any]]:
        with transaction(context.sessions) as session:
            view = templates.create_template(session, caller.environment_id, body)
        return 201, {"success": True, "template": template_out(view)}

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.get(
    "/{name}", summary="Get a template", response_model=TemplateResponse, responses=error_responses(401, 404)
)
def get_template(name: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return {
        "success": True,
        "template": template_out(templates.get_template(session, caller.environment_id, name)),
    }


@router.put(
    "/{name}",
    summary="Update a template (a new version)",
    response_model=TemplateResponse,
    openapi_extra=json_request_body(TemplateUpdate),
    responses=error_responses(400, 401, 404, 409, 413, 415, 422),
)
def update_template(name: str, body: JsonBody, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    view = templates.update_template(context.sessions, caller.environment_id, name, body)
    return {"success": True, "template": template_out(view)}


@router.delete(
    "/{name}",
    summary="Delete a template",
    response_model=DeletedResponse,
    responses=error_responses(401, 404, 409),
)
def delete_template(name: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    templates.delete_template(session, caller.environment_id, name)
    return {"success": True}
