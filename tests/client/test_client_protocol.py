"""The retry rules of the client's sans-IO core, step by step (no server: the core does no I/O)."""

from __future__ import annotations

import email.utils
import json
import time

import pytest
from extractd_client import errors
from extractd_client.operations import JobOptions, Operations
from extractd_client.protocol import Call, Dropped, Flow, Reply, RetryPolicy, Sleep, poll, send, send_json
from extractd_client.settings import Connection
from extractd_client.types import Job

KEYED = Call("POST", "/api/v1/extraction-jobs", headers={"Idempotency-Key": "k-1"}, replayable=True)
PLAIN = Call("POST", "/api/v1/extraction-jobs/x/review")
OK = Reply(202, {}, b'{"success": true}')
POLICY = RetryPolicy(max_retries=3, backoff_s=1.0, max_backoff_s=4.0)


def test_retry_after_wins_and_every_retry_sends_the_same_request() -> None:
    flow = send(KEYED, POLICY)
    assert next(flow) is KEYED
    pause = flow.send(Reply(503, {"retry-after": "2"}, b'{"error": {"code": "TRANSIENT_ERROR"}}'))
    assert isinstance(pause, Sleep) and 2.0 <= pause.seconds <= 2.2  # the server's word, a little jitter
    assert flow.send(None) is KEYED  # same Idempotency-Key
    pause = flow.send(Dropped(ConnectionResetError(), before_sending=False))
    assert isinstance(pause, Sleep) and 0 <= pause.seconds <= 2.0  # backoff: attempt 1 of base 1 s
    assert flow.send(None) is KEYED
    with pytest.raises(StopIteration) as done:
        flow.send(OK)
    assert done.value.value is OK


def test_backoff_is_jittered_and_capped() -> None:
    delays = {round(POLICY.backoff(attempt), 6) for attempt in range(10) for _ in range(5)}
    assert len(delays) > 10 and max(delays) <= 4.0 and min(delays) >= 0


def test_a_request_that_may_have_arrived_is_not_resent_without_a_key() -> None:
    flow = send(PLAIN, POLICY)
    next(flow)
    with pytest.raises(errors.ConnectionFailed):
        flow.send(Dropped(ConnectionResetError(), before_sending=False))


def test_a_request_that_never_left_is_resent_even_without_a_key() -> None:
    flow = send(PLAIN, POLICY)
    next(flow)
    assert isinstance(flow.send(Dropped(ConnectionRefusedError(), before_sending=True)), Sleep)


def test_other_errors_are_raised_at_once_and_retries_end() -> None:
    flow = send(KEYED, POLICY)
    next(flow)
    with pytest.raises(errors.TemplateNotFound):
        flow.send(
            Reply(404, {}, b'{"success": false, "error": {"code": "TEMPLATE_NOT_FOUND", "message": "no"}}')
        )
    flow = send(KEYED, RetryPolicy(max_retries=1, backoff_s=0))
    next(flow)
    flow.send(Reply(429, {}, b"{}"))
    flow.send(None)
    with pytest.raises(errors.RateLimited):
        flow.send(Reply(429, {"retry-after": "1"}, b"{}"))


def test_the_jobs_dialect_error_body_maps_too() -> None:
    flow = send(KEYED, POLICY)
    next(flow)
    body = b'{"statusCode": 409, "error": "Conflict", "message": "not now", "code": "INVALID_STATE"}'
    with pytest.raises(errors.InvalidState) as raised:
        flow.send(Reply(409, {}, body))
    assert (raised.value.code, raised.value.status, raised.value.message) == ("INVALID_STATE", 409, "not now")


def test_a_create_whose_key_is_still_in_progress_is_sent_again_later() -> None:
    in_progress = b'{"success": false, "error": {"code": "IDEMPOTENCY_IN_PROGRESS", "message": "busy"}}'
    flow = send(KEYED, POLICY)
    next(flow)
    assert isinstance(flow.send(Reply(409, {}, in_progress)), Sleep)  # the first request may still finish
    assert flow.send(None) is KEYED
    flow = send(PLAIN, POLICY)
    next(flow)
    with pytest.raises(errors.IdempotencyInProgress):
        flow.send(Reply(409, {}, in_progress))  # without a key of its own: not this client's retry to make


def read_job() -> Flow[Job]:
    reply = yield Call("GET", "/api/v1/extraction-jobs/j", replayable=True)
    assert isinstance(reply, Reply)
    return Job.from_json(reply.json_object()["job"])


def status(name: str, retry_after_ms: int | None = None) -> Reply:
    job = {"id": "j", "status": name} | ({"retryAfterMs": retry_after_ms} if retry_after_ms else {})
    return Reply(200, {}, json.dumps({"success": True, "job": job}).encode())


def test_polling_waits_what_each_status_answer_asks_until_the_job_is_final() -> None:
    flow = poll(read_job, timeout=None, poll_interval=0.05)
    assert isinstance(next(flow), Call)
    assert flow.send(status("processing", retry_after_ms=1500)) == Sleep(1.5)  # retryAfterMs, not 0.05
    assert isinstance(flow.send(None), Call)
    assert flow.send(status("queued")) == Sleep(0.05)  # no hint: the client's own interval
    flow.send(None)
    with pytest.raises(StopIteration) as done:
        flow.send(status("review_required"))
    assert done.value.value.status == "review_required"


def test_polling_never_sleeps_past_its_timeout_and_then_gives_up() -> None:
    flow = poll(read_job, timeout=0.2, poll_interval=1.0)
    next(flow)
    pause = flow.send(status("processing", retry_after_ms=60_000))
    assert isinstance(pause, Sleep) and pause.seconds <= 0.2
    time.sleep(pause.seconds)
    flow.send(None)
    with pytest.raises(errors.WaitTimeout):
        flow.send(status("processing", retry_after_ms=60_000))


def test_retry_after_as_an_http_date_is_honoured_too() -> None:
    flow = send(KEYED, POLICY)
    next(flow)
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    pause = flow.send(Reply(503, {"retry-after": when}, b"{}"))
    assert isinstance(pause, Sleep) and 28 <= pause.seconds <= 33  # whole seconds, a little jitter


def test_an_answer_that_is_not_the_contract_raises_unexpected_response() -> None:
    flow = send_json(PLAIN, POLICY)
    next(flow)
    with pytest.raises(errors.UnexpectedResponse):
        flow.send(Reply(200, {}, b"<html>a proxy's page</html>"))
    flow = send_json(PLAIN, POLICY)
    next(flow)
    with pytest.raises(errors.ServerError) as raised:  # an error page of a proxy: still typed by status
        flow.send(Reply(502, {}, b"<html>Bad Gateway</html>"))
    assert raised.value.status == 502 and "Bad Gateway" in raised.value.message


def test_a_create_without_a_template_or_filter_is_refused_before_sending() -> None:
    flow = Operations(POLICY).create_job(b"%PDF-1.4", JobOptions())
    with pytest.raises(errors.ValidationError, match="template"):
        next(flow)


def test_url_and_key_come_from_arguments_then_the_environment() -> None:
    env = {"EXTRACTD_URL": "http://extractd.internal:8000/", "EXTRACTD_API_KEY": "exd_env"}
    from_env = Connection.resolve(None, None, 5.0, env)
    assert (from_env.base_url, from_env.api_key) == ("http://extractd.internal:8000", "exd_env")
    assert from_env.headers()["Authorization"] == "api-key exd_env"
    given = Connection.resolve("http://other:1", "exd_arg", 5.0, env)
    assert (given.base_url, given.api_key) == ("http://other:1", "exd_arg")
    bare = Connection.resolve(None, None, 5.0, {})
    assert bare.base_url == "http://127.0.0.1:8000" and "Authorization" not in bare.headers()
