"""Environments: the tenants every key, job, template and filter belongs to."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extractd.store.models import Environment


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Environment)) or 0


def get_by_name(session: Session, name: str) -> Environment | None:
    return session.scalar(select(Environment).where(Environment.name == name))


def get(session: Session, environment_id: str) -> Environment | None:
    return session.get(Environment, environment_id)


def create(session: Session, name: str) -> Environment:
    environment = Environment(name=name)
    session.add(environment)
    session.flush()
    return environment


def list_all(session: Session) -> list[Environment]:
    return list(session.scalars(select(Environment).order_by(Environment.name)))
