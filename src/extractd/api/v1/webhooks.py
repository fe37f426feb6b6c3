"""/api/v1/webhooks: subscriptions of the caller's environment, their delivery log, ping and redelivery.

The signing secret (`whsec_…`) is in the answer of create and rotate-secret only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from extractd.api.deps import Context, CurrentCaller, DbSession
from extractd.api.idempotency import IdempotencyKey, respond_idempotently
from extractd.api.v1.common import JsonBody, error_responses, json_request_body, replay_response
from extractd.api.v1.schemas import (
    DeletedResponse,
    WebhookDefinition,
    WebhookDeliveriesResponse,
    WebhookListResponse,
    WebhookMessageResponse,
    WebhookPatchDoc,
    WebhookResponse,
    WebhookSecretResponse,
)
from extractd.domain.job_view import iso_ms
from extractd.services import webhooks
from extractd.store.db import transaction
from extractd.store.models import WebhookEndpoint, WebhookMessage

router = APIRouter(prefix="/api/v1/webhooks", tags=["v1: webhooks"])


def webhook_out(endpoint: WebhookEndpoint, with_secret: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabledAt": iso_ms(endpoint.disabled_at),
        "disabledReason": endpoint.disabled_reason,
        "createdAt": iso_ms(endpoint.created_at),
        "updatedAt": iso_ms(endpoint.updated_at),
    }
    if with_secret:
        shown["signingSecret"] = endpoint.secret
    return shown


def message_out(message: WebhookMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "eventType": message.event_type,
        "status": message.status,
        "attempts": message.attempts,
        "nextAttemptAt": iso_ms(message.next_attempt_at) if message.status == "pending" else None,
    }


@router.get("", summary="List webhooks", response_model=WebhookListResponse, responses=error_responses(401))
def list_webhooks(session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    endpoints = webhooks.list_webhooks(session, caller.environment_id)
    return {"success": True, "webhooks": [webhook_out(endpoint) for endpoint in endpoints]}


@router.post(
    "",
    status_code=201,
    summary="Create a webhook",
    description="The answer carries the `signingSecret` (shown here and by rotate-secret only). A URL "
    "resolving to a loopback, private, link-local, CGNAT or cloud-metadata address answers 400 "
    "WEBHOOK_URL_REFUSED.",
    response_model=None,
    openapi_extra=json_request_body(WebhookDefinition),
    responses={
        201: {"model": WebhookSecretResponse, "description": "Created."},
        200: replay_response(WebhookSecretResponse),
        **error_responses(400, 401, 409, 413, 415, 422),
    },
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
            return 201, {"success": True, "webhook": webhook_out(endpoint, with_secret=True)}

    return await respond_idempotently(context, request, caller.environment_id, idempotency_key, body, create)


@router.get(
    "/{webhook_id}",
    summary="Get a webhook",
    description="`enabled: false` with `disabledReason` once it failed every attempt for 5 days.",
    response_model=WebhookResponse,
    responses=error_responses(401, 404),
)
def get_webhook(webhook_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return {
        "success": True,
        "webhook": webhook_out(webhooks.get_webhook(session, caller.environment_id, webhook_id)),
    }


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook",
    response_model=WebhookResponse,
    openapi_extra=json_request_body(WebhookPatchDoc),
    responses=error_responses(400, 401, 404, 413, 415),
)
def update_webhook(
    webhook_id: str, body: JsonBody, context: Context, session: DbSession, caller: CurrentCaller
) -> dict[str, Any]:
    endpoint = webhooks.update_webhook(session, context.settings, caller.environment_id, webhook_id, body)
    return {"success": True, "webhook": webhook_out(endpoint)}


@router.delete(
    "/{webhook_id}",
    summary="Delete a webhook",
    response_model=DeletedResponse,
    responses=error_responses(401, 404),
)
def delete_webhook(webhook_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    webhooks.delete_webhook(session, caller.environment_id, webhook_id)
    return {"success": True}


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="Rotate a webhook's signing secret",
    description="Deliveries from now on are signed with the new secret, which this answer shows once.",
    response_model=WebhookSecretResponse,
    responses=error_responses(401, 404),
)
def rotate_secret(webhook_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    endpoint = webhooks.rotate_secret(session, caller.environment_id, webhook_id)
    return {"success": True, "webhook": webhook_out(endpoint, with_secret=True)}


@router.post(
    "/{webhook_id}/ping",
    status_code=202,
    summary="Send a webhook.ping",
    response_model=WebhookMessageResponse,
    responses=error_responses(401, 404),
)
def ping_webhook(webhook_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    message_id = webhooks.ping(session, caller.environment_id, webhook_id)
    message = session.get(WebhookMessage, message_id)
    assert message is not None
    return {"success": True, "message": message_out(message)}


@router.get(
    "/{webhook_id}/deliveries",
    summary="A webhook's delivery log",
    description="Attempts, newest first: the message, its event type, the HTTP status, error and duration.",
    response_model=WebhookDeliveriesResponse,
    responses=error_responses(400, 401, 404),
)
def list_deliveries(
    webhook_id: str,
    session: DbSession,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=webhooks.MAX_DELIVERIES)] = 50,
) -> dict[str, Any]:
    rows = webhooks.deliveries(session, caller.environment_id, webhook_id, limit)
    return {
        "success": True,
        "deliveries": [
            {
                "messageId": row.message.id,
                "eventType": row.message.event_type,
                "attempt": row.attempt.attempt,
                "attemptedAt": iso_ms(row.attempt.attempted_at),
                "succeeded": row.attempt.succeeded,
                "statusCode": row.attempt.status_code,
                "error": row.attempt.error,
                "durationMs": row.attempt.duration_ms,
                "messageStatus": row.message.status,
            }
            for row in rows
        ],
    }


@router.post(
    "/{webhook_id}/deliveries/{message_id}/redeliver",
    status_code=202,
    summary="Send a message again",
    description="The message is due again at once, with the same id (`webhook-id`) and a fresh retry "
    "schedule.",
    response_model=WebhookMessageResponse,
    responses=error_responses(401, 404),
)
def redeliver(webhook_id: str, message_id: str, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    message = webhooks.redeliver(session, caller.environment_id, webhook_id, message_id)
    return {"success": True, "message": message_out(message)}
