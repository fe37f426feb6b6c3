"""A create holding an Idempotency-Key dies (SIGKILL of the whole `extractd serve`): a retry with the key
after the lock lifetime finds the job the dead request created, or creates it once, never a 24 h 409.

Each test holds a real lock from outside the server so the kill lands at a known point, without mocking:
a PostgreSQL table lock stops the create after it claimed the key and before its job commits; an
exclusive lock on the SQLite task queue stops it after its job committed and before it answered.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import ManagedProcess, settings_for, start_serve, wait_until
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow

JOBS = "/api/v1/extraction-jobs"
LOCK_S = 2  # EXTRACTD_IDEMPOTENCY_LOCK_S: how long a dead holder pins its key


def _count(database_url: str, sql: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


@contextmanager
def _request_in_background(call: Callable[[], httpx.Response]) -> Iterator[list[Any]]:
    """Send a request that the server will never answer (it is killed); collect how it ended."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield outcome
    thread.join(30)


def _post(server: ManagedProcess, key: str, path: str, pdf: bytes, idempotency_key: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}{path}",
        headers={"Authorization": f"api-key {key}", "Idempotency-Key": idempotency_key},
        files={"file": ("invoice.pdf", pdf, "application/pdf")},
        data={"templateName": "invoice"},
        timeout=120,
    )


def _retry_until_not_in_progress(
    server: ManagedProcess, key: str, path: str, pdf: bytes, idempotency_key: str
) -> httpx.Response:
    """Retry as a client would while the answer is 409 IDEMPOTENCY_IN_PROGRESS (at most 20 s more than
    the lock lifetime); each 409 must say, in Retry-After, to come back within the lock lifetime."""
    deadline = time.monotonic() + LOCK_S + 20
    waits: list[str | None] = []
    while True:
        response = _post(server, key, path, pdf, idempotency_key)
        if response.status_code != 409 or time.monotonic() > deadline:
            break
        assert response.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
        waits.append(response.headers.get("Retry-After"))
        time.sleep(0.5)
    assert response.status_code != 409, f"the key is still pinned after {LOCK_S + 20} s: {response.text}"
    assert all(wait is not None and 1 <= int(wait) <= LOCK_S for wait in waits), waits
    return response


@pytest.mark.postgres
def test_killed_after_claiming_the_key_before_the_job_commits(
    postgres_database: str, tmp_path: Path, invoice_pdf: bytes
) -> None:
    env = {"database_url": postgres_database, "idempotency_lock_s": LOCK_S}
    first = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=env)
    key = first.extra["api_key"]
    blocker = create_engine(postgres_database).connect()
    try:
        # Let the create claim its key, then hold it at its first statement on `documents` (the look-up,
        # with a row lock, of a document with the same bytes).
        blocker.execute(text("LOCK TABLE documents IN EXCLUSIVE MODE"))
        with _request_in_background(lambda: _post(first, key, JOBS, invoice_pdf, "crash-1")) as outcome:
            wait_until(
                lambda: _count(
                    postgres_database,
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%FROM documents%'",
                ),
                30,
                "the create to wait on the documents table",
            )
            assert _count(postgres_database, "SELECT count(*) FROM idempotency_keys") == 1
            first.kill()
        assert isinstance(outcome[0], httpx.HTTPError)  # the client saw the connection die
    finally:
        blocker.rollback()
        blocker.close()
    assert _count(postgres_database, "SELECT count(*) FROM jobs") == 0

    second = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=env, name="serve-2")
    try:
        retried = _retry_until_not_in_progress(second, key, JOBS, invoice_pdf, "crash-1")
        assert retried.status_code == 202, retried.text
        replay = _post(second, key, JOBS, invoice_pdf, "crash-1")
    finally:
        second.stop()
    assert (replay.status_code, replay.headers.get("X-Idempotent-Replay")) == (200, "true")
    assert replay.json()["job"]["id"] == retried.json()["job"]["id"]
    assert _count(postgres_database, "SELECT count(*) FROM jobs") == 1


def test_killed_after_the_job_commits_before_the_answer_is_stored(tmp_path: Path, invoice_pdf: bytes) -> None:
    env = {"idempotency_lock_s": LOCK_S}
    first = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=env)
    key = first.extra["api_key"]
    settings = settings_for(tmp_path / "data")
    database_url = settings.effective_database_url
    # The job commits, then the create hands it to the task queue: hold the queue's SQLite file.
    queue = sqlite3.connect(settings.queue_path, isolation_level=None)
    try:
        queue.execute("BEGIN EXCLUSIVE")
        with _request_in_background(lambda: _post(first, key, JOBS, invoice_pdf, "crash-2")):
            wait_until(lambda: _count(database_url, "SELECT count(*) FROM jobs"), 30, "the job to commit")
            first.kill()
    finally:
        queue.execute("ROLLBACK")
        queue.close()
    job_id = _job_ids(database_url)[0]

    second = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=env, name="serve-2")
    try:
        retried = _retry_until_not_in_progress(second, key, JOBS, invoice_pdf, "crash-2")
    finally:
        second.stop()
    assert retried.status_code == 202, retried.text
    assert retried.json()["job"]["id"] == job_id  # the job the dead request made, not a second one
    assert _job_ids(database_url) == [job_id]


def test_a_sync_create_killed_while_waiting_is_waited_for_again(tmp_path: Path, invoice_pdf: bytes) -> None:
    env = {"idempotency_lock_s": LOCK_S}
    first = start_serve(tmp_path / "data", tmp_path / "logs", workers=0, env=env)
    key = first.extra["api_key"]
    database_url = settings_for(tmp_path / "data").effective_database_url
    sync = "/api/v1/extractFields"
    with _request_in_background(lambda: _post(first, key, sync, invoice_pdf, "crash-3")):
        wait_until(lambda: _count(database_url, "SELECT count(*) FROM jobs"), 30, "the job to commit")
        first.kill()  # no worker: the request was waiting for its job
    job_id = _job_ids(database_url)[0]

    second = start_serve(tmp_path / "data", tmp_path / "logs", workers=1, env=env, name="serve-2")
    try:
        answered = _retry_until_not_in_progress(second, key, sync, invoice_pdf, "crash-3")
    finally:
        second.stop()
    assert answered.status_code == 200, answered.text
    assert answered.json()["data"]["documents"][0]["content"]["invoice_number"] == "INV-2024-0042"
    assert _job_ids(database_url) == [job_id]


def _job_ids(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT id FROM jobs"))]
    finally:
        engine.dispose()
