"""Webhook subscriptions of an environment: create, read, change, delete, rotate, ping, the delivery log.

A URL is checked (shape, and every address it resolves to) when it is set; the dispatcher checks it again
before every attempt. The signing secret leaves the service only from create and rotate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from extractd.config import Settings
from extractd.domain.errors import ValidationFailed, WebhookMessageNotFound, WebhookNotFound
from extractd.domain.webhooks import WEBHOOK_PING, unknown_events
from extractd.services.webhook_coverage import Subscription
from extractd.store.db import SessionFactory
from extractd.store.models import WebhookAttempt, WebhookEndpoint, WebhookMessage, utcnow
from extractd.store.repositories.webhooks import WebhookEndpointsRepository, WebhookMessagesRepository
from extractd.webhooks.signing import new_secret
from extractd.webhooks.ssrf import check_url

MAX_DELIVERIES = 200


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=50)
    description: str = Field("", max_length=2000)
    enabled: bool = True


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, min_length=1, max_length=2000)
    events: list[str] | None = Field(None, min_length=1, max_length=50)
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = None


def _parse(model: type[BaseModel], data: Any) -> Any:
    try:
        parsed = model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
        )
        raise ValidationFailed(f"Invalid webhook: {problems}") from exc
    events = getattr(parsed, "events", None)
    if events is not None and (unknown := unknown_events(events)):
        raise ValidationFailed(f"Invalid webhook: unknown event type(s) {', '.join(unknown)}.")
    return parsed


def create_webhook(session: Session, settings: Settings, environment_id: str, data: Any) -> WebhookEndpoint:
    body: WebhookIn = _parse(WebhookIn, data)
    check_url(body.url, settings.webhook_allow_private)
    now = utcnow()
    endpoint = WebhookEndpoint(
        environment_id=environment_id,
        url=body.url,
        events=list(dict.fromkeys(body.events)),
        description=body.description,
        enabled=body.enabled,
        secret=new_secret(),
        created_at=now,
        updated_at=now,
    )
    return WebhookEndpointsRepository(session).add(endpoint)


def get_webhook(session: Session, environment_id: str, webhook_id: str) -> WebhookEndpoint:
    endpoint = WebhookEndpointsRepository(session).get(webhook_id, environment_id)
    if endpoint is None:
        raise WebhookNotFound()
    return endpoint


def list_webhooks(session: Session, environment_id: str) -> list[WebhookEndpoint]:
    return WebhookEndpointsRepository(session).list_for_environment(environment_id)


def update_webhook(
    session: Session, settings: Settings, environment_id: str, webhook_id: str, data: Any
) -> WebhookEndpoint:
    endpoint = get_webhook(session, environment_id, webhook_id)
    patch: WebhookPatch = _parse(WebhookPatch, data)
    if patch.url is not None:
        check_url(patch.url, settings.webhook_allow_private)
        endpoint.url = patch.url
    if patch.events is not None:
        endpoint.events = list(dict.fromkeys(patch.events))
    if patch.description is not None:
        endpoint.description = patch.description
    if patch.enabled is not None:
        endpoint.enabled = patch.enabled
        if patch.enabled:  # switched back on: the failure history starts over
            endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
    endpoint.updated_at = utcnow()
    session.flush()
    return endpoint


def delete_webhook(session: Session, environment_id: str, webhook_id: str) -> None:
    WebhookEndpointsRepository(session).delete(get_webhook(session, environment_id, webhook_id))


def rotate_secret(session: Session, environment_id: str, webhook_id: str) -> WebhookEndpoint:
    endpoint = get_webhook(session, environment_id, webhook_id)
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    session.flush()
    return endpoint


def ping(session: Session, environment_id: str, webhook_id: str) -> str:
    """Queue a ``webhook.ping`` for this endpoint (whatever its events); the dispatcher sends it."""
    endpoint = get_webhook(session, environment_id, webhook_id)
    now = utcnow()
    data = {"webhookId": endpoint.id, "message": "Ping from extractd."}
    return WebhookMessagesRepository(session).enqueue(endpoint.id, WEBHOOK_PING, data, now)


@dataclass(frozen=True)
class Delivery:
    attempt: WebhookAttempt
    message: WebhookMessage


def deliveries(session: Session, environment_id: str, webhook_id: str, limit: int) -> list[Delivery]:
    endpoint = get_webhook(session, environment_id, webhook_id)
    rows = WebhookMessagesRepository(session).attempts_of_endpoint(endpoint.id, min(limit, MAX_DELIVERIES))
    return [Delivery(attempt, message) for attempt, message in rows]


def redeliver(session: Session, environment_id: str, webhook_id: str, message_id: str) -> WebhookMessage:
    endpoint = get_webhook(session, environment_id, webhook_id)
    messages = WebhookMessagesRepository(session)
    if messages.get(message_id, endpoint.id) is None:
        raise WebhookMessageNotFound()
    messages.redeliver(message_id, endpoint.id, utcnow())
    message = messages.get(message_id, endpoint.id)
    assert message is not None
    session.refresh(message)
    return message


class StoredSubscriptions:
    """The coverage check's view of the real subscriptions (``WebhookSubscriptionSource``)."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def subscriptions_of(self, environment_id: str) -> Iterable[Subscription]:
        with self.sessions() as session:
            endpoints = WebhookEndpointsRepository(session).list_for_environment(environment_id)
            return [Subscription(enabled=e.enabled, events=frozenset(e.events)) for e in endpoints]
