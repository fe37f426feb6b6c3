"""User templates of an environment, versioned: every update writes a template_versions row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractd.store.models import Template, TemplateVersion, utcnow


def get_by_name(session: Session, environment_id: str, name: str) -> Template | None:
    return session.scalar(
        select(Template).where(Template.environment_id == environment_id, Template.name == name)
    )


def list_for(session: Session, environment_id: str) -> list[Template]:
    query = select(Template).where(Template.environment_id == environment_id).order_by(Template.name)
    return list(session.scalars(query))


def create(session: Session, environment_id: str, name: str, definition: dict[str, Any]) -> Template:
    template = Template(environment_id=environment_id, name=name, version=1, definition=definition)
    session.add(template)
    session.flush()
    session.add(TemplateVersion(template_id=template.id, version=1, definition=definition))
    session.flush()
    return template


def add_version(session: Session, template: Template, definition: dict[str, Any]) -> Template:
    template.version += 1
    template.definition = definition
    template.updated_at = utcnow()
    session.add(TemplateVersion(template_id=template.id, version=template.version, definition=definition))
    session.flush()
    return template


def delete(session: Session, template: Template) -> None:
    session.delete(template)
    session.flush()
