"""Filters of an environment: ordered rules that route each document to a template (or skip it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractd.store.models import Filter, utcnow


def get_by_name(session: Session, environment_id: str, name: str) -> Filter | None:
    return session.scalar(select(Filter).where(Filter.environment_id == environment_id, Filter.name == name))


def list_for(session: Session, environment_id: str) -> list[Filter]:
    query = select(Filter).where(Filter.environment_id == environment_id).order_by(Filter.name)
    return list(session.scalars(query))


def create(
    session: Session, environment_id: str, name: str, description: str, rules: list[dict[str, Any]]
) -> Filter:
    filter_row = Filter(environment_id=environment_id, name=name, description=description, rules=rules)
    session.add(filter_row)
    session.flush()
    return filter_row


def update(session: Session, filter_row: Filter, description: str, rules: list[dict[str, Any]]) -> Filter:
    filter_row.description = description
    filter_row.rules = rules
    filter_row.updated_at = utcnow()
    session.flush()
    return filter_row


def delete(session: Session, filter_row: Filter) -> None:
    session.delete(filter_row)
    session.flush()
