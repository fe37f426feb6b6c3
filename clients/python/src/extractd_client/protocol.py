"""The protocol logic of the client, once, with no I/O (sans-IO).

Every operation is a generator ("flow") that yields what it needs done — a ``Call`` (send this HTTP
request) or a ``Sleep`` — and receives the outcome: a ``Reply``, or ``Dropped`` when the connection failed.
``Client`` and ``AsyncClient`` are two small drivers that run the same flows with httpx's sync and async
clients, so retries, backoff, polling and error mapping are written one time.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from extractd_client import errors
from extractd_client.types import Job

logger = logging.getLogger("extractd_client")

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One HTTP request. ``replayable``: sending it twice does no harm (a GET, a create carrying an
    Idempotency-Key), so it may be sent again after a connection dropped mid-request."""

    method: str
    path: str
    params: Mapping[str, str | int] | None = None
    json: Any = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    data: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    replayable: bool = False
    sync_extraction: bool = False  # 408 SYNC_TIMEOUT is worth retrying (with the same key: same job)


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise errors.UnexpectedResponse(
                f"HTTP {self.status} with a body that is not JSON: {self.content[:200]!r}", status=self.status
            ) from exc

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise errors.UnexpectedResponse(f"HTTP {self.status}: expected a JSON object", status=self.status)
        return body


@dataclass(frozen=True)
class Dropped:
    """No HTTP answer. ``before_sending``: the request never left (connect refused or timed out)."""

    error: Exception
    before_sending: bool


Step = Call | Sleep
Outcome = Reply | Dropped | None
Flow = Generator[Step, Outcome, T]


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures are retried with exponential backoff and full jitter; ``Retry-After`` wins."""

    max_retries: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2**attempt))


TRANSIENT_STATUSES = frozenset({429, 503})


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    parsed = email.utils.parsedate_to_datetime(value) if "," in value else None
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def error_from_reply(reply: Reply) -> errors.ExtractdError:
    """The exception for an error answer of either dialect."""
    try:
        body: Any = json.loads(reply.content)
    except ValueError:
        body = None
    code = message = None
    if isinstance(body, dict):
        detail = body.get("error")
        if isinstance(detail, dict):  # v1: {"success": false, "error": {"code", "message"}}
            code, message = detail.get("code"), detail.get("message")
        else:  # Jobs dialect: {"statusCode", "error", "message", "code"}
            code, message = body.get("code"), body.get("message")
    if not isinstance(message, str):
        message = reply.content[:200].decode(errors="replace") or f"HTTP {reply.status}"
    cls = errors.error_class(code if isinstance(code, str) else None, reply.status)
    return cls(
        message,
        code=code if isinstance(code, str) else None,
        status=reply.status,
        body=body,
        retry_after=retry_after_seconds(reply.headers),
    )


def _retry_reason(call: Call, outcome: Reply | Dropped) -> str | None:
    if isinstance(outcome, Dropped):
        if outcome.before_sending or call.replayable:
            return f"connection failed ({type(outcome.error).__name__})"
        return None
    if outcome.status in TRANSIENT_STATUSES or (outcome.status == 408 and call.sync_extraction):
        return f"HTTP {outcome.status}"
    if outcome.status == 409 and call.replayable and b"IDEMPOTENCY_IN_PROGRESS" in outcome.content:
        return "the first request with this Idempotency-Key is still running"
    return None


def send(call: Call, policy: RetryPolicy) -> Flow[Reply]:
    """Send ``call`` until it succeeds, retrying transient failures; raise everything else at once."""
    attempt = 0
    while True:
        outcome = yield call
        assert outcome is not None
        if isinstance(outcome, Reply) and outcome.status < 400:
            return outcome
        reason = _retry_reason(call, outcome)
        if reason is None or attempt >= policy.max_retries:
            if isinstance(outcome, Dropped):
                raise errors.ConnectionFailed(
                    f"{call.method} {call.path}: {outcome.error}"
                ) from outcome.error
            raise error_from_reply(outcome)
        wait = retry_after_seconds(outcome.headers) if isinstance(outcome, Reply) else None
        # Retry-After is the server's word; a little jitter keeps many clients from coming back at once.
        delay = wait * random.uniform(1.0, 1.1) if wait is not None else policy.backoff(attempt)
        logger.info(
            "retrying %s %s in %.2fs: %s (retry %d)", call.method, call.path, delay, reason, attempt + 1
        )
        attempt += 1
        yield Sleep(delay)


def send_json(call: Call, policy: RetryPolicy) -> Flow[dict[str, Any]]:
    reply = yield from send(call, policy)
    return reply.json_object()


def poll(
    get_job: Callable[[], Flow[Job]],
    timeout: float | None,
    poll_interval: float,
) -> Flow[Job]:
    """Read a job until it is final, waiting what each status answer asks (``retryAfterMs``)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        job: Job = yield from get_job()
        if job.is_final:
            return job
        delay = job.retry_after_ms / 1000 if job.retry_after_ms else poll_interval
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.WaitTimeout(job_id=job.id, status=job.status)
            delay = min(delay, remaining)
        yield Sleep(delay)
