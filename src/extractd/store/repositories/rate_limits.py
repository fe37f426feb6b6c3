"""Shared fixed-window counters in the database: an atomic upsert-and-increment per request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from extractd.store.models import RateLimitCounter


def increment(session: Session, bucket: str, expires_at: datetime) -> int:
    """Add one to ``bucket`` (creating it) and return the new count, in one statement."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = RateLimitCounter.__table__
    statement = (
        dialect.insert(table)
        .values(bucket=bucket, count=1, expires_at=expires_at)
        .on_conflict_do_update(index_elements=["bucket"], set_={"count": table.c.count + 1})
        .returning(table.c.count)
    )
    count = session.execute(statement).scalar_one()
    return int(count)


def delete_expired(session: Session, now: datetime) -> None:
    session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
