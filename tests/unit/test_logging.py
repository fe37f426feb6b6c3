"""Log records carry the job and request they were logged in; plain and JSON lines."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from extractd.logging import RequestIdMiddleware, configure_logging, job_context

log = logging.getLogger("extractd.tests.logging")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Our handler on the root logger, writing to a buffer; the root's previous state restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def _json_records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_records_inside_a_job_carry_its_id(captured: io.StringIO) -> None:
    configure_logging("INFO", json_lines=True, stream=captured)
    log.info("before")
    with job_context("job-1"):
        log.warning("inside %s", "the job")
    log.info("after")
    records = _json_records(captured)
    assert [(r["message"], r["job_id"]) for r in records] == [
        ("before", None),
        ("inside the job", "job-1"),
        ("after", None),
    ]
    assert records[1]["level"] == "WARNING" and records[1]["logger"] == "extractd.tests.logging"


def test_configuring_twice_keeps_one_handler(captured: io.StringIO) -> None:
    configure_logging("INFO", stream=io.StringIO())
    configure_logging("DEBUG", json_lines=True, stream=captured)
    log.debug("once")
    assert [r["message"] for r in _json_records(captured)] == ["once"]


def test_plain_lines_show_the_context_only_when_set(captured: io.StringIO) -> None:
    configure_logging("INFO", stream=captured)
    log.info("outside")
    with job_context("job-2"):
        log.info("inside")
    outside, inside = captured.getvalue().splitlines()
    assert outside.endswith("extractd.tests.logging: outside") and "[job=" not in outside
    assert inside.endswith("extractd.tests.logging [job=job-2]: inside")


def test_exceptions_are_in_the_json_record(captured: io.StringIO) -> None:
    configure_logging("INFO", json_lines=True, stream=captured)
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("it failed")
    (record,) = _json_records(captured)
    assert "ValueError: broken" in record["exception"]


def test_a_thread_started_in_a_copy_of_the_context_keeps_the_job_id(captured: io.StringIO) -> None:

    configure_logging("INFO", json_lines=True, stream=captured)
    with job_context("job-3"):
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(log.info, "from a thread"))
        thread.start()
        thread.join()
    assert _json_records(captured)[0]["job_id"] == "job-3"


async def _call(headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """One HTTP exchange through the middleware around an app that logs while answering."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        log.info("handling %s", scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-request-id", b"old")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "path": "/x", "headers": headers}
    await RequestIdMiddleware(app)(scope, receive, send)
    return sent


def test_requests_get_an_id_in_their_records_and_response(captured: io.StringIO) -> None:
    configure_logging("INFO", json_lines=True, stream=captured)
    start, _ = asyncio.run(_call([]))
    log.info("after the request")
    (response_id,) = [value.decode() for key, value in start["headers"] if key == b"x-request-id"]
    handling, after = _json_records(captured)
    assert handling["request_id"] == response_id and len(response_id) == 32
    assert after["request_id"] is None


@pytest.mark.parametrize(
    ("given", "kept"), [(b"trace-42.a:b", True), (b"has spaces", False), (b"x" * 65, False)]
)
def test_a_plain_client_request_id_is_reused(captured: io.StringIO, given: bytes, kept: bool) -> None:
    configure_logging("INFO", json_lines=True, stream=captured)
    start, _ = asyncio.run(_call([(b"X-Request-ID", given)]))
    (response_id,) = [value for key, value in start["headers"] if key == b"x-request-id"]
    assert (response_id == given) is kept
    assert _json_records(captured)[0]["request_id"] == response_id.decode()


def test_records_name_the_environment_noted_in_a_copied_context(captured: io.StringIO) -> None:
    from extractd.logging import note_environment, request_context

    configure_logging("INFO", json_lines=True, stream=captured)
    with request_context("req-1"):
        log.info("before the key is known")
        # As FastAPI runs a sync dependency: in a thread, in a copy of the request's context.
        worker = threading.Thread(target=contextvars.copy_context().run, args=(note_environment, "acme"))
        worker.start()
        worker.join()
        log.info("after authentication")
    with job_context("job-1"):
        log.info("a new job starts with no environment")
        note_environment("other")
        log.info("its environment is known")
    log.info("outside")
    records = _json_records(captured)
    assert [(r["message"], r["environment"]) for r in records] == [
        ("before the key is known", None),
        ("after authentication", "acme"),
        ("a new job starts with no environment", None),
        ("its environment is known", "other"),
        ("outside", None),
    ]


def test_plain_lines_name_the_environment(captured: io.StringIO) -> None:
    from extractd.logging import note_environment

    configure_logging("INFO", json_lines=False, stream=captured)
    with job_context("job-2"):
        note_environment("acme")
        log.info("hello")
    assert "[env=acme job=job-2]: hello" in captured.getvalue()
