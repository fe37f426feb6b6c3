"""Webhooks through the client, and ``extractd_client.webhooks.verify`` on a real signed delivery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from extractd_client import Client, WebhookEvent, errors, webhooks

Delivery = tuple[bytes, dict[str, str]]


@pytest.fixture()
def receiver() -> Iterator[tuple[str, list[Delivery]]]:
    """A real receiver on 127.0.0.1 that records each delivery's raw body and headers."""
    received: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((body, dict(self.headers.items())))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def wait_for(received: list[Delivery], event_type: str, timeout: float = 60) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for body, headers in received:
            if json.loads(body).get("type") == event_type:
                return body, headers
        time.sleep(0.1)
    raise TimeoutError(f"no {event_type} delivery in {timeout}s")


def test_a_real_signed_delivery_verifies_to_its_typed_event(
    client: Client, receiver: tuple[str, list[Delivery]], invoice_pdf: bytes
) -> None:
    url, received = receiver
    hook = client.webhooks.create(url, ["job.completed", "job.failed"], description="client test")
    assert hook.signing_secret and hook.signing_secret.startswith("whsec_")
    assert [h.id for h in client.webhooks.list()] == [hook.id]

    job = client.jobs.create(invoice_pdf, "invoice", delivery_mode="webhook")
    body, headers = wait_for(received, "job.completed")

    event = webhooks.verify(body, headers, hook.signing_secret)
    assert isinstance(event, WebhookEvent)
    assert (
        event.type == "job.completed" and event.data["id"] == job.id and event.data["status"] == "completed"
    )
    assert event.id and event.occurred_at
    with pytest.raises(errors.InvalidSignature):
        webhooks.verify(body.replace(b"completed", b"failed"), headers, hook.signing_secret)
    rotated = client.webhooks.rotate_secret(hook.id)
    assert rotated.signing_secret and rotated.signing_secret != hook.signing_secret
    with pytest.raises(errors.InvalidSignature):
        webhooks.verify(body, headers, rotated.signing_secret)


def test_webhook_management(client: Client, receiver: tuple[str, list[Delivery]]) -> None:
    url, received = receiver
    hook = client.webhooks.create(url)
    assert hook.events == ["*"] and hook.enabled
    assert client.webhooks.update(hook.id, enabled=False, description="paused").enabled is False
    assert client.webhooks.get(hook.id).description == "paused"
    client.webhooks.update(hook.id, enabled=True)
    message = client.webhooks.ping(hook.id)
    assert message["message"]["eventType"] == "webhook.ping"
    body, headers = wait_for(received, "webhook.ping")
    assert webhooks.verify(body, headers, hook.signing_secret or "").type == "webhook.ping"
    deadline = time.monotonic() + 30
    while not (deliveries := client.webhooks.deliveries(hook.id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert deliveries and deliveries[0]["eventType"] == "webhook.ping"
    again = client.webhooks.redeliver(hook.id, deliveries[0]["messageId"])
    assert again["message"]["id"] == deliveries[0]["messageId"]
    client.webhooks.delete(hook.id)
    with pytest.raises(errors.WebhookNotFound):
        client.webhooks.get(hook.id)
