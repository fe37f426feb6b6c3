"""Webhook subscriptions, the outbox of messages, and the delivery log (DESIGN.md §4a).

Messages are claimed like jobs: one conditional UPDATE that only succeeds while the message is due and
nobody else holds an unexpired lease on it, so several dispatchers (one per node) never send the same
attempt twice. Every outcome is recorded conditional on the lease the dispatcher holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from extractd.domain.webhooks import payload, wants
from extractd.store.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """What a dispatcher needs to make one attempt; its outcome is written back against the lease."""

    id: str
    endpoint_id: str
    url: str
    secret: str
    body: dict[str, Any]
    attempt: int
    owner: str


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookEndpointsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        self.session.add(endpoint)
        self.session.flush()
        return endpoint

    def get(self, endpoint_id: str, environment_id: str) -> WebhookEndpoint | None:
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.environment_id == environment_id
        )
        return self.session.scalars(query).one_or_none()

    def list_for_environment(self, environment_id: str) -> list[WebhookEndpoint]:
        query = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.environment_id == environment_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return list(self.session.scalars(query))

    def delete(self, endpoint: WebhookEndpoint) -> None:
        self.session.execute(delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id))
        self.session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id))
        self.session.delete(endpoint)
        self.session.flush()

    def receiving(self, environment_id: str, event_type: str) -> list[WebhookEndpoint]:
        """The enabled endpoints of an environment subscribed to ``event_type``."""
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.environment_id == environment_id, WebhookEndpoint.enabled.is_(True)
        )
        return [endpoint for endpoint in self.session.scalars(query) if wants(endpoint.events, event_type)]


class WebhookMessagesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing the outbox ----------------------------------------------------------------------
    def enqueue(self, endpoint_id: str, event_type: str, data: dict[str, Any], now: datetime) -> str:
        message_id = new_message_id()
        self.session.add(
            WebhookMessage(
                id=message_id,
                endpoint_id=endpoint_id,
                event_type=event_type,
                payload=payload(message_id, event_type, data, now),
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        self.session.flush()
        return message_id

    def publish(
        self, endpoints: list[WebhookEndpoint], event_type: str, data: dict[str, Any], now: datetime
    ) -> None:
        """One message per endpoint, in the caller's transaction (the transactional outbox)."""
        for endpoint in endpoints:
            self.enqueue(endpoint.id, event_type, data, now)

    def get(self, message_id: str, endpoint_id: str) -> WebhookMessage | None:
        query = select(WebhookMessage).where(
            WebhookMessage.id == message_id, WebhookMessage.endpoint_id == endpoint_id
        )
        return self.session.scalars(query).one_or_none()

    def redeliver(self, message_id: str, endpoint_id: str, now: datetime) -> bool:
        """Due again now with a fresh retry schedule (same message id); not while an attempt is in flight."""
        result = self.session.execute(
            update(WebhookMessage)
            .where(
                WebhookMessage.id == message_id,
                WebhookMessage.endpoint_id == endpoint_id,
                or_(WebhookMessage.lease_until.is_(None), WebhookMessage.lease_until < now),
            )
            .values(status=PENDING, attempts=0, next_attempt_at=now, lease_until=None, lease_owner=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- the dispatcher --------------------------------------------------------------------------
    def due(self, now: datetime, limit: int) -> list[str]:
        query = (
            select(WebhookMessage.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
            .where(self._claimable(now), WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookMessage.next_attempt_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def claim(self, message_id: str, owner: str, lease_s: float, now: datetime) -> ClaimedMessage | None:
        result = self.session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id == message_id, self._claimable(now))
            .values(
                attempts=WebhookMessage.attempts + 1,
                lease_until=now + timedelta(seconds=lease_s),
                lease_owner=owner,
            )
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        row = self.session.execute(
            select(WebhookMessage, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
            .where(WebhookMessage.id == message_id)
            .execution_options(populate_existing=True)
        ).one()
        message, endpoint = row
        return ClaimedMessage(
            message.id, endpoint.id, endpoint.url, endpoint.secret, message.payload, message.attempts, owner
        )

    def record(
        self,
        claimed: ClaimedMessage,
        outcome: AttemptOutcome,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Log the attempt and settle the message: delivered, due again at ``next_attempt_at``, or failed.

        False (and nothing written) when the lease was lost meanwhile.
        """
        if outcome.succeeded:
            values: dict[str, Any] = {"status": DELIVERED, "delivered_at": now, "last_error": None}
        elif next_attempt_at is not None:
            values = {"status": PENDING, "next_attempt_at": next_attempt_at, "last_error": outcome.error}
        else:
            values = {"status": FAILED, "last_error": outcome.error}
        result = self.session.execute(
            update(WebhookMessage)
            .where(
                WebhookMessage.id == claimed.id,
                WebhookMessage.lease_owner == claimed.owner,
                WebhookMessage.attempts == claimed.attempt,
            )
            .values(lease_until=None, lease_owner=None, **values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.add(
            WebhookAttempt(
                message_id=claimed.id,
                endpoint_id=claimed.endpoint_id,
                attempt=claimed.attempt,
                attempted_at=now - timedelta(milliseconds=outcome.duration_ms),
                succeeded=outcome.succeeded,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        return True

    def release(self, claimed: ClaimedMessage) -> bool:
        """Hand back a message whose attempt was cut short (the dispatcher stopped): due again at once."""
        result = self.session.execute(
            update(WebhookMessage)
            .where(
                WebhookMessage.id == claimed.id,
                WebhookMessage.lease_owner == claimed.owner,
                WebhookMessage.attempts == claimed.attempt,
            )
            .values(lease_until=None, lease_owner=None, attempts=WebhookMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def note_endpoint_health(
        self, endpoint_id: str, succeeded: bool, disable_after_s: float, now: datetime
    ) -> bool:
        """Track the endpoint's run of failures; disable it once it has failed for ``disable_after_s``.

        True when this call disabled it.
        """
        endpoint = self.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        if endpoint is None:
            return False
        if succeeded:
            endpoint.failing_since = None
            return False
        endpoint.failing_since = endpoint.failing_since or now
        if endpoint.enabled and (now - endpoint.failing_since).total_seconds() >= disable_after_s:
            endpoint.enabled = False
            endpoint.disabled_at = now
            days = disable_after_s / 86400
            endpoint.disabled_reason = (
                f"Disabled automatically: every delivery attempt failed for {days:g} day(s) "
                f"(since {endpoint.failing_since.isoformat()})."
            )
            return True
        return False

    # --- the delivery log ------------------------------------------------------------------------
    def attempts_of_endpoint(
        self, endpoint_id: str, limit: int
    ) -> list[tuple[WebhookAttempt, WebhookMessage]]:
        query = (
            select(WebhookAttempt, WebhookMessage)
            .join(WebhookMessage, WebhookMessage.id == WebhookAttempt.message_id)
            .where(WebhookAttempt.endpoint_id == endpoint_id)
            .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def messages_of_endpoint(self, endpoint_id: str, limit: int) -> list[WebhookMessage]:
        query = (
            select(WebhookMessage)
            .where(WebhookMessage.endpoint_id == endpoint_id)
            .order_by(WebhookMessage.created_at.desc(), WebhookMessage.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    @staticmethod
    def _claimable(now: datetime) -> Any:
        return and_(
            WebhookMessage.status == PENDING,
            WebhookMessage.next_attempt_at <= now,
            or_(WebhookMessage.lease_until.is_(None), WebhookMessage.lease_until < now),
        )
