"""Idempotency-Key handling for every create endpoint, as Stripe does it.

The first request claims the key with an INSERT (the primary key lets exactly one claim win) and holds
it with a lock token for EXTRACTD_IDEMPOTENCY_LOCK_S, runs, then stores its response. Others with the
same key: the same request gets the stored response back (a replay), one still being created gets
IDEMPOTENCY_IN_PROGRESS (Retry-After: until the lock lifetime ends), a different request gets
IDEMPOTENCY_KEY_REUSED. A failed request releases its key so the client can retry it.

A create that starts a job records the job on the key in the job's own transaction (the recovery point
``job_created``), and only while it still holds the lock. So when the holder dies (a crash, a SIGKILL)
the key is never pinned: once the lock lifetime has passed, a retry takes the key over and either finds
the job the dead request created (and answers with it) or creates it, exactly once.

A synchronous create starts a job and waits for it. If the wait ends without an answer to store
(SYNC_TIMEOUT, or any other failure), the key is kept "detached" with that job, and the next request
with the key waits for the same job instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from extractd.domain.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from extractd.store.db import SessionFactory
from extractd.store.repositories import idempotency as records

MAX_KEY_LENGTH = 255

Create = Callable[[], tuple[int, dict[str, Any]]]
# Records the job a create starts on its key; called inside the transaction that inserts the job row.
BindJob = Callable[[Session, str], None]
# A create that starts a job. Called with the job an earlier request under the key started (answer for
# it: wait for it, or describe it) or None (start one, calling the binder in the job's transaction).
JobCreate = Callable[[str | None, BindJob], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class Held:
    """Another request holds the key; ``abandoned``: it is detached or its lock ran out (take it over)."""

    abandoned: bool
    retry_after_s: float


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
) -> StoredResponse | Held | None:
    with sessions() as session:
        record = records.get(session, environment_id, key)
        now = datetime.now(UTC)
        if record is None:
            return None  # released or expired meanwhile: the caller claims again
        if record.expires_at < now:
            records.delete_expired_key(session, environment_id, key, now)
            return None
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        if record.state == records.DONE and record.response_body is not None:
            return StoredResponse(record.response_status or 200, record.response_body, replayed=True)
        locked_until = record.locked_until
        if record.state == records.DETACHED or locked_until is None or locked_until < now:
            return Held(abandoned=True, retry_after_s=0)
        return Held(abandoned=False, retry_after_s=(locked_until - now).total_seconds())


def run_once(
    sessions: SessionFactory,
    ttl_s: int,
    lock_s: float,
    environment_id: str,
    key: str,
    fingerprint: str,
    create: Create,
) -> StoredResponse:
    """Run ``create`` at most once per (environment, key) within the TTL; see the module docstring."""
    return run_job_once(
        sessions, ttl_s, lock_s, environment_id, key, fingerprint, lambda _job, _bind: create()
    )


def run_job_once(
    sessions: SessionFactory,
    ttl_s: int,
    lock_s: float,
    environment_id: str,
    key: str,
    fingerprint: str,
    create: JobCreate,
) -> StoredResponse:
    """Like run_once, for a create that starts a job: a retry finds the job an earlier request started."""
    validate_key(key)
    retry_after_s = lock_s
    for _ in range(3):
        token = secrets.token_hex(16)
        now = datetime.now(UTC)
        with sessions() as session:
            claimed = records.try_claim(
                session,
                environment_id,
                key,
                fingerprint,
                now + timedelta(seconds=ttl_s),
                token,
                now + timedelta(seconds=lock_s),
            )
        if claimed:
            return _create_and_store(sessions, environment_id, key, token, create, None)
        existing = _existing(sessions, environment_id, key, fingerprint)
        if isinstance(existing, StoredResponse):
            return existing
        if isinstance(existing, Held) and not existing.abandoned:
            retry_after_s = existing.retry_after_s
            break
        if isinstance(existing, Held):
            with sessions() as session:
                taken = records.take_over(
                    session, environment_id, key, token, now + timedelta(seconds=lock_s), now
                )
                job_id = None if taken is None else taken.job_id
            if taken is not None:
                return _create_and_store(sessions, environment_id, key, token, create, job_id)
    raise IdempotencyInProgress(retry_after_s=max(1, math.ceil(retry_after_s)))


def _create_and_store(
    sessions: SessionFactory,
    environment_id: str,
    key: str,
    token: str,
    create: JobCreate,
    job_id: str | None,
) -> StoredResponse:
    def bind(session: Session, new_job_id: str) -> None:
        # In the job's transaction: the job row commits only together with the key's recovery point,
        # and only while this request still holds the key (a retry that took it over made its own).
        if not records.bind_job(session, environment_id, key, token, new_job_id):
            raise IdempotencyInProgress("Another request with this Idempotency-Key took over; retry it.")

    try:
        status, body = create(job_id, bind)
    except BaseException:
        with sessions() as session:
            records.abandon(session, environment_id, key, token)
        raise
    with sessions() as session:
        records.complete(session, environment_id, key, token, status, body)
    return StoredResponse(status, body, replayed=False)
