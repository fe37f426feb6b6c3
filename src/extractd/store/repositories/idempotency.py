"""Idempotency-Key records. A key is claimed by an INSERT: the primary key makes exactly one claim win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.store.models import IdempotencyRecord

IN_PROGRESS = "in_progress"
DONE = "done"
# A synchronous request started a job under the key and stopped waiting for it (SYNC_TIMEOUT, or it
# failed while waiting): the next request with the key waits for that job again.
DETACHED = "detached"


def try_claim(
    session: Session, environment_id: str, key: str, request_hash: str, expires_at: datetime
) -> bool:
    """Insert an in-progress record and commit; False when another request holds the key already."""
    session.add(
        IdempotencyRecord(
            environment_id=environment_id,
            key=key,
            request_hash=request_hash,
            state=IN_PROGRESS,
            expires_at=expires_at,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def get(session: Session, environment_id: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.environment_id == environment_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


def complete(session: Session, environment_id: str, key: str, status: int, body: dict[str, Any]) -> None:
    record = get(session, environment_id, key)
    if record is not None:
        record.state = DONE
        record.response_status = status
        record.response_body = body
        session.commit()


def release(session: Session, environment_id: str, key: str) -> None:
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.environment_id == environment_id, IdempotencyRecord.key == key
        )
    )
    session.commit()


def delete_expired_key(session: Session, environment_id: str, key: str, now: datetime) -> None:
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.environment_id == environment_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at < now,
        )
    )
    session.commit()


def bind_job(session: Session, environment_id: str, key: str, job_id: str) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.environment_id == environment_id, IdempotencyRecord.key == key)
        .values(job_id=job_id)
    )
    session.commit()


def detach(session: Session, environment_id: str, key: str) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.environment_id == environment_id, IdempotencyRecord.key == key)
        .values(state=DETACHED)
    )
    session.commit()


def try_attach(session: Session, environment_id: str, key: str) -> bool:
    """Move a detached key back to in-progress; like a claim, exactly one concurrent request wins."""
    result = session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.environment_id == environment_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.state == DETACHED,
        )
        .values(state=IN_PROGRESS)
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)
