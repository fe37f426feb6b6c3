"""/api/webhooks: the environment's webhook subscriptions in the jobs dialect's form, over the same store
and services as /api/v1/webhooks (one subsystem). The signing secret is in the answer of create only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from extractd.api.deps import Context, CurrentCaller, DbSession
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.jobs.common import created_responses, error_responses
from extractd.api.jobs.render import list_body
from extractd.api.v1.common import JsonBody, json_request_body
from extractd.api.v1.webhooks import webhook_out  # one rendering: the jobs form is v1's webhook, bare
from extractd.domain.webhooks import EVENT_CATALOG
from extractd.services import webhooks
from extractd.store.db import transaction

router = APIRouter(prefix="/webhooks", tags=["jobs"])


class JobsWebhookInput(BaseModel):
    url: str = Field(description="Where events are POSTed; private addresses are refused.")
    description: str = ""
    events: list[str] = Field(description="Event types from the event catalog, or `*` for all.")
    enabled: bool = True


class JobsWebhookPatch(BaseModel):
    url: str | None = None
    description: str | None = None
    events: list[str] | None = None
    enabled: bool | None = None


class JobsWebhook(BaseModel):
    id: str
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabledAt: str | None
    disabledReason: str | None
    createdAt: str
    updatedAt: str


class JobsWebhookCreated(JobsWebhook):
    signingSecret: str = Field(description="`whsec_…`: verifies the `webhook-signature` header. Shown once.")


class JobsWebhookList(BaseModel):
    data: list[JobsWebhook]
    total: int
    page: int
    limit: int


class JobsEventType(BaseModel):
    type: str
    description: str


class JobsEventCatalog(BaseModel):
    data: list[JobsEventType]


@router.get(
    "/event-catalog",
    summary="Event types a webhook can receive",
    description="Each event's body is `{id, type, data, occurredAt}`, signed with the Standard Webhooks "
    "headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) plus `X-Webhook-Id`.",
    response_model=JobsEventCatalog,
    responses=error_responses(401),
)
def event_catalog(caller: CurrentCaller) -> dict[str, Any]:
    return {"data": [{"type": name, "description": text} for name, text in EVENT_CATALOG.items()]}


@router.get("", summary="List webhooks", response_model=JobsWebhookList, responses=error_responses(401))
def list_webhooks(session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    endpoints = webhooks.list_webhooks(session, caller.environment_id)
    return list_body([webhook_out(e) for e in endpoints], len(endpoints), 1, max(len(endpoints), 1))


@router.post(
    "",
    status_code=201,
    summary="Create a webhook",
    description="The answer carries the `signingSecret`, once. A URL resolving to a loopback, private, "
    "link-local, CGNAT or cloud-metadata address answers 400 WEBHOOK_URL_REFUSED.",
    response_model=None,
    openapi_extra=json_request_body(JobsWebhookInput),
    responses=created_responses(JobsWebhookCreated, 400, 401, 409, 413, 415, 422),
)
async def create_webhook(
    request: Request,
    body: JsonBody,
    context: Context,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def create() -> tuple[int, dict[str, Any]]:
        with transaction(context.sessions) as session:
            endpoint = webhooks.create_webhook(session, context.settings, caller.environment_id, body)
            return 201, webhook_out(endpoint, with_secret=True)

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.get(
    "/{webhook_id}", summary="Get a webhook", response_model=JobsWebhook, responses=error_responses(401, 404)
)
def get_webhook(webhook_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return webhook_out(webhooks.get_webhook(session, caller.environment_id, webhook_id))


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook",
    response_model=JobsWebhook,
    openapi_extra=json_request_body(JobsWebhookPatch),
    responses=error_responses(400, 401, 404, 413, 415),
)
def update_webhook(
    webhook_id: str, body: JsonBody, context: Context, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    endpoint = webhooks.update_webhook(session, context.settings, caller.environment_id, webhook_id, body)
    return webhook_out(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=204,
    summary="Delete a webhook",
    response_class=Response,
    responses=error_responses(401, 404),
)
def delete_webhook(webhook_id: str, session: DbSession, caller: CurrentCaller) -> Response:
    webhooks.delete_webhook(session, caller.environment_id, webhook_id)
    return Response(status_code=204)
