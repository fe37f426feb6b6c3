"""Idempotency-Key records. A key is claimed by an INSERT: the primary key makes exactly one claim win.

The request holding an in-progress key owns it through a lock token until ``locked_until``; every write
it makes is conditional on that token, so once a retry has taken over an abandoned key (its holder
crashed), the old holder can change nothing. ``recovery_point`` records how far the holder got:
``started`` (nothing created yet) or ``job_created`` (``job_id`` committed in the job's own transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.store.models import IdempotencyRecord

IN_PROGRESS = "in_progress"
DONE = "done"
# A synchronous request started a job under the key and stopped waiting for it (SYNC_TIMEOUT, or it
# failed while waiting): the next request with the key waits for that job again.
DETACHED = "detached"
STARTED = "started"
JOB_CREATED = "job_created"


def _key(environment_id: str, key: str) -> Any:
    return and_(IdempotencyRecord.environment_id == environment_id, IdempotencyRecord.key == key)


def _owned(environment_id: str, key: str, token: str) -> Any:
    return and_(_key(environment_id, key), IdempotencyRecord.lock_token == token)


def try_claim(
    session: Session,
    environment_id: str,
    key: str,
    request_hash: str,
    expires_at: datetime,
    token: str,
    locked_until: datetime,
) -> bool:
    """Insert an in-progress record locked by ``token`` and commit; False when the key exists already."""
    session.add(
        IdempotencyRecord(
            environment_id=environment_id,
            key=key,
            request_hash=request_hash,
            state=IN_PROGRESS,
            expires_at=expires_at,
            lock_token=token,
            locked_until=locked_until,
            recovery_point=STARTED,
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
        select(IdempotencyRecord).where(_key(environment_id, key)).execution_options(populate_existing=True)
    )


def take_over(
    session: Session, environment_id: str, key: str, token: str, locked_until: datetime, now: datetime
) -> IdempotencyRecord | None:
    """Lock a detached key, or an in-progress one whose lock expired (its holder is gone), for ``token``.

    Like a claim, exactly one of concurrent takers wins; the record it returns says how far the last
    holder got (``job_id``). None: the key is held, done or gone.
    """
    abandoned = or_(
        IdempotencyRecord.state == DETACHED,
        and_(
            IdempotencyRecord.state == IN_PROGRESS,
            or_(IdempotencyRecord.locked_until.is_(None), IdempotencyRecord.locked_until < now),
        ),
    )
    result = session.execute(
        update(IdempotencyRecord)
        .where(_key(environment_id, key), abandoned)
        .values(state=IN_PROGRESS, lock_token=token, locked_until=locked_until)
    )
    session.commit()
    if getattr(result, "rowcount", 0) != 1:
        return None
    return get(session, environment_id, key)


def bind_job(session: Session, environment_id: str, key: str, token: str, job_id: str) -> bool:
    """Record the job in the caller's open transaction (the job's own); False if the lock was lost."""
    result = session.execute(
        update(IdempotencyRecord)
        .where(_owned(environment_id, key, token))
        .values(job_id=job_id, recovery_point=JOB_CREATED)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def complete(
    session: Session, environment_id: str, key: str, token: str, status: int, body: dict[str, Any]
) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(_owned(environment_id, key, token))
        .values(state=DONE, response_status=status, response_body=body, lock_token=None, locked_until=None)
    )
    session.commit()


def abandon(session: Session, environment_id: str, key: str, token: str) -> None:
    """The holder failed: a key with a job becomes detached (a retry resumes that job), others are freed."""
    session.execute(
        update(IdempotencyRecord)
        .where(_owned(environment_id, key, token), IdempotencyRecord.job_id.is_not(None))
        .values(state=DETACHED, lock_token=None, locked_until=None)
    )
    session.execute(
        delete(IdempotencyRecord).where(
            _owned(environment_id, key, token), IdempotencyRecord.job_id.is_(None)
        )
    )
    session.commit()


def delete_expired_key(session: Session, environment_id: str, key: str, now: datetime) -> None:
    session.execute(
        delete(IdempotencyRecord).where(_key(environment_id, key), IdempotencyRecord.expires_at < now)
    )
    session.commit()
