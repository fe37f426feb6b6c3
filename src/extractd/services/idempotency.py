"""Idempotency-Key handling for every create endpoint.

The first request claims the key with an INSERT (the primary key lets exactly one claim win), runs,
then stores its response. Others with the same key: the same request gets the stored response back
(a replay), one still being created gets IDEMPOTENCY_IN_PROGRESS, a different request gets
IDEMPOTENCY_KEY_REUSED. A failed request releases its key so the client can retry it.

A synchronous create starts a job and waits for it. Once the job exists the key remembers it: if the wait
ends without an answer to store (SYNC_TIMEOUT, or any other failure), the key is kept "detached" with that
job, and the next request with the key waits for the same job instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from extractd.domain.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from extractd.store.db import SessionFactory
from extractd.store.repositories import idempotency as records

MAX_KEY_LENGTH = 255

Create = Callable[[], tuple[int, dict[str, Any]]]
# A create that starts a job and waits for it. Called with the job to wait for (None: start one) and a
# function to call with the id of the job it starts, before it waits.
JobCreate = Callable[[str | None, Callable[[str], None]], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class Detached:
    """The key's request started this job and nobody waits for it any more."""

    job_id: str


def request_fingerprint(
    method: str, path: str, fields: Mapping[str, Any], file_sha256: str | None = None
) -> str:
    """sha256 over what the request means, not how it was encoded (multipart, JSON, base64, data URL)."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "file": file_sha256, "fields": fields},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str) -> str:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters.")
    return key


def _existing(
    sessions: SessionFactory, environment_id: str, key: str, fingerprint: str
) -> StoredResponse | Detached | None:
    with sessions() as session:
        record = records.get(session, environment_id, key)
        if record is None:
            return None  # released or expired meanwhile: the caller claims again
        if record.expires_at < datetime.now(UTC):
            records.delete_expired_key(session, environment_id, key, datetime.now(UTC))
            return None
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        if record.state == records.DETACHED and record.job_id is not None:
            return Detached(record.job_id)
        if record.state != records.DONE or record.response_body is None:
            raise IdempotencyInProgress()
        return StoredResponse(record.response_status or 200, record.response_body, replayed=True)


def run_once(
    sessions: SessionFactory, ttl_s: int, environment_id: str, key: str, fingerprint: str, create: Create
) -> StoredResponse:
    """Run ``create`` at most once per (environment, key) within the TTL; see the module docstring."""
    return run_job_once(sessions, ttl_s, environment_id, key, fingerprint, lambda _job, _bind: create())


def run_job_once(
    sessions: SessionFactory, ttl_s: int, environment_id: str, key: str, fingerprint: str, create: JobCreate
) -> StoredResponse:
    """Like run_once; a create that started a job and stopped waiting leaves the key to wait for it again."""
    validate_key(key)
    for _ in range(3):
        with sessions() as session:
            expires_at = datetime.now(UTC) + timedelta(seconds=ttl_s)
            claimed = records.try_claim(session, environment_id, key, fingerprint, expires_at)
        if claimed:
            return _create_and_store(sessions, environment_id, key, create, None)
        existing = _existing(sessions, environment_id, key, fingerprint)
        if isinstance(existing, Detached):
            with sessions() as session:
                attached = records.try_attach(session, environment_id, key)
            if attached:
                return _create_and_store(sessions, environment_id, key, create, existing.job_id)
        elif existing is not None:
            return existing
    raise IdempotencyInProgress()


def _create_and_store(
    sessions: SessionFactory, environment_id: str, key: str, create: JobCreate, job_id: str | None
) -> StoredResponse:
    started: list[str] = [job_id] if job_id else []

    def bind(new_job_id: str) -> None:
        with sessions() as session:
            records.bind_job(session, environment_id, key, new_job_id)
        started.append(new_job_id)

    try:
        status, body = create(job_id, bind)
    except BaseException:
        with sessions() as session:
            if started:
                records.detach(session, environment_id, key)
            else:
                records.release(session, environment_id, key)
        raise
    with sessions() as session:
        records.complete(session, environment_id, key, status, body)
    return StoredResponse(status, body, replayed=False)
