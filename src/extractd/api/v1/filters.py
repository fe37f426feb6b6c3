"""/api/v1/filters: ordered rules routing each document of a file to a template (or skipping it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller, DbSession
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.v1.common import JsonBody, error_responses, json_request_body, replay_response
from extractd.api.v1.schemas import (
    DeletedResponse,
    FilterDefinition,
    FilterListResponse,
    FilterResponse,
    FilterUpdate,
)
from extractd.services import filters
from extractd.services.filters import FilterView
from extractd.store.db import transaction

router = APIRouter(prefix="/api/v1/filters", tags=["v1: filters"])


def filter_out(view: FilterView) -> dict[str, Any]:
    return {
        "name": view.name,
        "description": view.description,
        "rules": view.rules,
        "createdAt": view.created_at.isoformat(),
        "updatedAt": view.updated_at.isoformat(),
    }


@router.get("", summary="List filters", response_model=FilterListResponse, responses=error_responses(401))
def list_filters(session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return {
        "success": True,
        "filters": [filter_out(view) for view in filters.list_filters(session, caller.environment_id)],
    }


@router.post(
    "",
    status_code=201,
    summary="Create a filter",
    response_model=None,
    openapi_extra=json_request_body(FilterDefinition),
    responses={
        201: {"model": FilterResponse, "description": "Created."},
        200: replay_response(FilterResponse),
        **error_responses(400, 401, 409, 413, 415, 422),
    },
)
async def create_filter(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def create() -> tuple[int, dict[str, Any]]:
        with transaction(context.sessions) as session:
            view = filters.create_filter(session, caller.environment_id, body)
        return 201, {"success": True, "filter": filter_out(view)}

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.get(
    "/{name}", summary="Get a filter", response_model=FilterResponse, responses=error_responses(401, 404)
)
def get_filter(name: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return {"success": True, "filter": filter_out(filters.get_filter(session, caller.environment_id, name))}


@router.put(
    "/{name}",
    summary="Replace a filter",
    response_model=FilterResponse,
    openapi_extra=json_request_body(FilterUpdate),
    responses=error_responses(400, 401, 404, 409, 413, 415),
)
def update_filter(name: str, body: JsonBody, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    view = filters.update_filter(context.sessions, caller.environment_id, name, body)
    return {"success": True, "filter": filter_out(view)}


@router.delete(
    "/{name}", summary="Delete a filter", response_model=DeletedResponse, responses=error_responses(401, 404)
)
def delete_filter(name: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    filters.delete_filter(session, caller.environment_id, name)
    return {"success": True}
