"""Logging, configured once per process by the CLI: plain lines or JSON lines, with context.

The job a worker is running and the HTTP request the API is answering are kept in contextvars
(``job_context``, ``RequestIdMiddleware``); a filter on our handler copies them into every record as
``job_id`` and ``request_id``, so any module's ``logging.getLogger(__name__)`` lines carry them without
passing ids around. Threads started inside a job should run in ``contextvars.copy_context()`` to keep them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

job_id_var: ContextVar[str | None] = ContextVar("extractd_job_id", default=None)
request_id_var: ContextVar[str | None] = ContextVar("extractd_request_id", default=None)
# Facts learnt during a job or request (the environment it acts for), in one mutable dict per job/request:
# a value noted in a copied context (a threadpool dependency, a heartbeat thread) is seen by them all.
_scope_facts_var: ContextVar[dict[str, str] | None] = ContextVar("extractd_scope_facts", default=None)

REQUEST_ID_HEADER = "x-request-id"
# A client's own request id is reused when it is short and plain; anything else gets a fresh one.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Loggers that are chatty at INFO about things our own records already say.
_QUIET_LOGGERS = ("huey", "botocore", "boto3")


class ContextFilter(logging.Filter):
    """Adds the current ``job_id``, ``request_id`` and ``environment`` (None when unknown) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = job_id_var.get()
        record.request_id = request_id_var.get()
        record.environment = (_scope_facts_var.get() or {}).get("environment")
        return True


class PlainFormatter(logging.Formatter):
    """``time LEVEL process logger [job=… request=…]: message`` — the context part only when set."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(processName)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{key}={value}"
            for key, value in (
                ("env", getattr(record, "environment", None)),
                ("job", getattr(record, "job_id", None)),
                ("request", _request_of(record)),
            )
            if value
        ]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message, job_id, request_id, environment,
    exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "pid": record.process,
            "message": record.getMessage(),
            "job_id": getattr(record, "job_id", None),
            "request_id": _request_of(record),
            "environment": getattr(record, "environment", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_of(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None)
    return value if isinstance(value, str) else None


_HANDLER_NAME = "extractd"


def configure_logging(
    level: str = "INFO", *, json_lines: bool = False, stream: IO[str] | None = None
) -> None:
    """Install our one handler on the root logger (replacing it if called again, never stacking)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    if root.level > logging.DEBUG:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


@contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Every record logged inside (in this thread or task) carries ``job_id``."""
    token, facts = job_id_var.set(job_id), _scope_facts_var.set({})
    try:
        yield
    finally:
        _scope_facts_var.reset(facts)
        job_id_var.reset(token)


@contextmanager
def request_context(request_id: str) -> Iterator[None]:
    token, facts = request_id_var.set(request_id), _scope_facts_var.set({})
    try:
        yield
    finally:
        _scope_facts_var.reset(facts)
        request_id_var.reset(token)


def note_environment(name: str) -> None:
    """Name the environment the current job or request acts for: its later records carry it (JSON
    ``environment``, plain ``env=``), in this thread and in any context copied from the job/request."""
    facts = _scope_facts_var.get()
    if facts is not None:
        facts["environment"] = name


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestIdMiddleware:
    """ASGI middleware: a request id per HTTP request, in the log context and the ``X-Request-ID`` header.

    The client's ``X-Request-ID`` is reused when plain and short, so logs join up across services.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        with request_context(request_id):
            await self.app(scope, receive, send_with_id)


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _CLIENT_REQUEST_ID.fullmatch(text) else None
    return None
