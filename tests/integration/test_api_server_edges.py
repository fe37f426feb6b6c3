"""What only a real HTTP server shows: bytes uvicorn refuses before the app, keep-alive after a 500,
a client that hangs up mid-upload. Raw sockets on 127.0.0.1, so nothing a client library would tidy up
(percent-encoding, refusing control bytes) hides the case."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from processes import ManagedProcess, free_port, start_serve, wait_until

from extractd.api.app import create_app
from extractd.api.edge import http_protocol
from extractd.logging import configure_logging


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    """`extractd serve` without workers (nothing here needs a job to run)."""
    root = tmp_path_factory.mktemp("edges")
    process = start_serve(root / "data", root / "logs", workers=0)
    yield process
    process.stop()


def _address(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").split(":")
    return host, int(port)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body; raises ConnectionError if the server hangs up."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)
    }
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_a_control_byte_in_authorization_gets_our_error_body(server: ManagedProcess) -> None:
    assert server.base_url is not None
    with socket.create_connection(_address(server.base_url), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/templates HTTP/1.1\r\nHost: x\r\nAuthorization: api-key \x01abc\r\n\r\n")
        status, headers, body = _read_response(sock)
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["success"] is False
    assert error["error"]["code"] == "MALFORMED_REQUEST"


def test_a_client_hanging_up_mid_upload_is_logged_at_info_without_a_traceback(server: ManagedProcess) -> None:
    assert server.base_url is not None
    key = server.extra["api_key"]
    before = len(server.logs())
    head = (
        "POST /api/v1/extraction-jobs HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: api-key {key}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: 20000000\r\n\r\n"
    ).encode()
    with socket.create_connection(_address(server.base_url), timeout=10) as sock:
        sock.sendall(head + b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n')
        sock.sendall(b"%PDF-1.7 " + b"x" * 200_000)
        time.sleep(0.5)
    wait_until(lambda: "client disconnected" in server.logs()[before:], 20, "the disconnect to be logged")
    time.sleep(0.5)
    logs = server.logs()[before:]
    line = next(line for line in logs.splitlines() if "client disconnected" in line)
    assert " INFO " in line, line
    assert "Traceback" not in logs and " ERROR " not in logs, logs


def test_after_an_unexpected_error_the_same_connection_serves_the_next_request(tmp_path: Path) -> None:
    from processes import prepare_database, settings_for

    settings = settings_for(tmp_path / "data")
    prepare_database(settings)
    app = create_app(settings)

    def broken() -> dict[str, Any]:
        raise RuntimeError("a bug nobody anticipated")

    app.add_api_route("/broken", broken)  # the one route a test may add: a bug on demand
    configure_logging("WARNING")
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, http=http_protocol())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, 20, "uvicorn to start")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /broken HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, body = _read_response(sock)
            assert status == 500
            assert json.loads(body)["error"]["code"] == "INTERNAL_ERROR"
            sock.sendall(b"GET /api/v1/templates HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, body = _read_response(sock)  # today: the connection is reset here
            assert status == 401
            assert json.loads(body)["error"]["code"] == "UNAUTHORIZED"
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.context.sessions.kw["bind"].dispose()
