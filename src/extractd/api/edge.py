"""The edge of the API: what is refused before any route runs, in our error body.

``EdgeGuard`` refuses control characters in the path, the query and the headers (400 MALFORMED_REQUEST).
``http_protocol()`` is uvicorn's HTTP protocol with one change: what uvicorn itself refuses before the
app (a request HTTP/1.1 does not allow, such as a control byte in ``Authorization``) is answered with our
error body instead of uvicorn's plain-text 400.
"""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from extractd.api.errors import error_body, error_response, status_for
from extractd.domain.errors import MalformedRequest

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # header values may hold a tab, nothing else
_CONTROL_TEXT = re.compile(r"[\x00-\x1f\x7f]")


def _refusal(scope: Scope) -> MalformedRequest | None:
    if _CONTROL_TEXT.search(scope.get("path", "")):
        return MalformedRequest("The URL path contains a control character.")
    query = unquote(scope.get("query_string", b"").decode("latin-1"))
    if _CONTROL_TEXT.search(query):
        return MalformedRequest("The query string contains a control character.")
    for name, value in scope.get("headers", []):
        if _CONTROL_BYTES.search(name) or _CONTROL_BYTES.search(value):
            shown = name.decode("latin-1")[:60].encode("unicode_escape").decode()
            return MalformedRequest(f"The header {shown} contains a control character.")
    return None


class EdgeGuard:
    """ASGI middleware: a request with control characters in its path, query or headers answers 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = _refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await error_response(refusal, scope.get("path", ""))(scope, receive, send)


def malformed_http_response() -> bytes:
    """The whole HTTP response to a request uvicorn could not parse."""
    error = MalformedRequest(
        "The HTTP request is malformed (a control character in a header, or broken HTTP/1.1 syntax)."
    )
    status = status_for(error.code)
    body = json.dumps(error_body(error.code, error.message, status)).encode()
    head = (
        f"HTTP/1.1 {status} Bad Request\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools, else h11) answering unparsable requests with our error body."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class ExtractdHttpProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
        def send_400_response(self, msg: str) -> None:
            self.transport.write(malformed_http_response())
            self.transport.close()

    return ExtractdHttpProtocol
