"""API keys, stored only as the sha256 of the whole key plus a short prefix to recognise it by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractd.store.models import ApiKey, Environment


def create(session: Session, environment_id: str, prefix: str, key_hash: str, name: str) -> ApiKey:
    api_key = ApiKey(environment_id=environment_id, prefix=prefix, key_hash=key_hash, name=name)
    session.add(api_key)
    session.flush()
    return api_key


def find_active(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)))


def get_active(session: Session, key_id: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)))


def list_with_environments(session: Session, environment_id: str | None) -> list[tuple[ApiKey, Environment]]:
    query = select(ApiKey, Environment).join(Environment, Environment.id == ApiKey.environment_id)
    if environment_id is not None:
        query = query.where(ApiKey.environment_id == environment_id)
    rows = session.execute(query.order_by(Environment.name, ApiKey.created_at))
    return [(api_key, environment) for api_key, environment in rows.tuples()]


def find_by_id_or_prefix(session: Session, id_or_prefix: str) -> list[ApiKey]:
    query = select(ApiKey).where((ApiKey.id == id_or_prefix) | (ApiKey.prefix == id_or_prefix))
    return list(session.scalars(query))


def revoke(session: Session, api_key: ApiKey, when: datetime) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = when
        session.flush()
