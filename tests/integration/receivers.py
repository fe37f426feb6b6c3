"""Real HTTP webhook receivers on 127.0.0.1 for the webhook tests: each records what it got.

Behaviours: answer 2xx; fail the first N requests (500) then succeed; hang until released; redirect; and
verify the Standard Webhooks signature with the reference library's verifier (401 when it does not hold).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from processes import free_port, wait_until
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    verified: bool | None = None

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """One receiver; ``fail_first`` requests answer 500, ``hang`` holds every request until released."""

    fail_first: int = 0
    hang: bool = False
    redirect_to: str | None = None
    secret: str | None = None  # verify signatures with this secret
    status: int = 204
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self, port: int | None = None) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                record = Received(headers, body, time.monotonic())
                if receiver.secret is not None:
                    try:
                        Webhook(receiver.secret).verify(body, headers)
                        record.verified = True
                    except WebhookVerificationError:
                        record.verified = False
                receiver.received.append(record)
                if receiver.hang:
                    receiver.release.wait(60)
                self.send_response(receiver._status_for(record))
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _status_for(self, record: Received) -> int:
        if record.verified is False:
            return 401
        if self.redirect_to:
            return 302
        if len(self.received) <= self.fail_first:
            return 500
        return self.status

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        wait_until(lambda: len(self.received) >= count, timeout, f"{count} webhook request(s) at {self.url}")
        return self.received

    def events(self) -> list[str]:
        return [str(record.json["type"]) for record in self.received]


def down_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/hook"
