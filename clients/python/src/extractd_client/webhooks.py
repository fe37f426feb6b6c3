"""Verify a webhook delivery (Standard Webhooks signature) and read it as a typed event."""

from __future__ import annotations

import json
from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from extractd_client.errors import InvalidSignature
from extractd_client.types import WebhookEvent

__all__ = ["InvalidSignature", "verify"]


def verify(body: bytes | str, headers: Mapping[str, str], secret: str) -> WebhookEvent:
    """The event of a delivery whose ``webhook-signature`` matches ``secret`` (``whsec_…``) and whose
    ``webhook-timestamp`` is within five minutes of now; else ``InvalidSignature``."""
    lowered = {key.lower(): value for key, value in headers.items()}
    raw = body if isinstance(body, bytes) else body.encode()
    try:
        payload = Webhook(secret).verify(raw, lowered)
    except WebhookVerificationError as exc:
        raise InvalidSignature(str(exc)) from exc
    if not isinstance(payload, dict):
        payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise InvalidSignature("the signed body is not a JSON object")
    return WebhookEvent.from_json(payload)
