"""Pieces every v1 router shares: JSON bodies and documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from extractd.api.errors import documented_errors
from extractd.api.idempotency import REPLAY_HEADER
from extractd.api.v1 import bounds
from extractd.api.v1.schemas import ErrorResponse, body_ref
from extractd.domain.errors import FileTooLarge, UnsupportedMediaType
from extractd.services.context import ServiceContext

MAX_JSON_BODY = 1024 * 1024  # templates and filters are small


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of an endpoint that reads its JSON body itself (JsonBody)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body_ref(model)}}}}


def upload_request_body(form_model: type[BaseModel], json_model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a job create: a multipart upload or JSON with the file inline."""
    content = {
        "multipart/form-data": {"schema": body_ref(form_model)},
        "application/json": {"schema": body_ref(json_model)},
    }
    return {"requestBody": {"required": True, "content": content}}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers in v1's error body."""
    return documented_errors(ErrorResponse, *statuses)


def replay_response(model: type, description: str = "Replay of an Idempotency-Key.") -> dict[str, Any]:
    return {"model": model, "description": description, "headers": REPLAY_HEADER}


async def read_json_body(request: Request) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_JSON_BODY:
            raise FileTooLarge("The JSON body is larger than 1 MB.")
    return await run_in_threadpool(bounds.loads, body)


JsonBody = Annotated[Any, Depends(read_json_body)]


def base_url(request: Request, context: ServiceContext) -> str:
    return context.settings.public_url or str(request.base_url)
