"""Filters of an environment: ordered rules that route each document to a template (or skip it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.domain.errors import FilterExists
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
    try:
        session.flush()
    except IntegrityError as exc:  # the unique (environment, name): a concurrent create won
        raise FilterExists(f"A filter named {name!r} exists already.") from exc
    return filter_row


def replace(
    session: Session, filter_row: Filter, description: str, rules: list[dict[str, Any]]
) -> Filter | None:
    """The filter with new rules, or None when another update changed it since it was read.

    Conditional on the version read (optimistic concurrency), like templates.add_version.
    """
    result = session.execute(
        update(Filter)
        .where(Filter.id == filter_row.id, Filter.version == filter_row.version)
        .values(version=filter_row.version + 1, description=description, rules=rules, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    session.refresh(filter_row)
    return filter_row


def delete(session: Session, filter_row: Filter) -> None:
    session.delete(filter_row)
    session.flush()
