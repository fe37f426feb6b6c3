"""User templates of an environment, versioned: every update writes a template_versions row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.domain.errors import TemplateExists
from extractd.store.models import Template, TemplateVersion, utcnow


def get_by_name(session: Session, environment_id: str, name: str) -> Template | None:
    return session.scalar(
        select(Template).where(Template.environment_id == environment_id, Template.name == name)
    )


def get_by_id(session: Session, environment_id: str, template_id: str) -> Template | None:
    return session.scalar(
        select(Template).where(Template.environment_id == environment_id, Template.id == template_id)
    )


def list_for(session: Session, environment_id: str) -> list[Template]:
    query = select(Template).where(Template.environment_id == environment_id).order_by(Template.name)
    return list(session.scalars(query))


def create(session: Session, environment_id: str, name: str, definition: dict[str, Any]) -> Template:
    """The new template; TEMPLATE_EXISTS when the name is taken (also by a create committed meanwhile)."""
    template = Template(environment_id=environment_id, name=name, version=1, definition=definition)
    session.add(template)
    try:
        session.flush()
    except IntegrityError as exc:  # the unique (environment, name): a concurrent create won
        raise TemplateExists(f"A template named {name!r} exists already.") from exc
    session.add(TemplateVersion(template_id=template.id, version=1, definition=definition))
    session.flush()
    return template


def add_version(session: Session, template: Template, definition: dict[str, Any]) -> Template | None:
    """The template at its next version, or None when another update changed it since it was read.

    The UPDATE is conditional on the version read (optimistic concurrency): of concurrent updates of
    one version exactly one wins; the caller retries the others from a fresh read.
    """
    version = template.version + 1
    result = session.execute(
        update(Template)
        .where(Template.id == template.id, Template.version == template.version)
        .values(version=version, definition=definition, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    session.add(TemplateVersion(template_id=template.id, version=version, definition=definition))
    session.flush()
    session.refresh(template)
    return template


def delete(session: Session, template: Template) -> None:
    session.delete(template)
    session.flush()


def versions(session: Session, template_id: str) -> list[TemplateVersion]:
    """Every version of a template, newest first."""
    query = (
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.version.desc())
    )
    return list(session.scalars(query))
