"""The jobs dialect's schemas (DESIGN.md §4 "Schemas"): templates, read and written in the schema form.

A schema is the same stored object as a v1 template (``services.templates`` owns it): created, replaced
(each replace is a new version) and deleted through the same functions, so the two dialects cannot
disagree. A schema is found by its id or its name (``templates.resolve``); the built-ins are read-only,
with stable ids and one version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from extractd.domain.errors import BuiltinTemplateReadOnly
from extractd.domain.schemas import schema_to_template
from extractd.services import templates
from extractd.services.templates import TemplateView
from extractd.store.db import SessionFactory
from extractd.store.repositories import templates as template_rows


@dataclass(frozen=True)
class SchemaVersion:
    version: int
    definition: dict[str, Any]
    created_at: datetime | None


def create_schema(session: Session, environment_id: str, body: Any) -> TemplateView:
    template = schema_to_template(body)
    return templates.create_template(session, environment_id, template.to_json())


def replace_schema(sessions: SessionFactory, environment_id: str, schema_id: str, body: Any) -> TemplateView:
    """A new version of the schema; a body without a name keeps the schema's name (it cannot change)."""
    with sessions() as session:
        current = templates.resolve(session, environment_id, schema_id)
    if current.builtin:
        raise BuiltinTemplateReadOnly()
    if isinstance(body, dict) and "name" not in body:
        body = {**body, "name": current.name}
    template = schema_to_template(body)
    return templates.update_template(sessions, environment_id, current.name, template.to_json())


def delete_schema(session: Session, environment_id: str, schema_id: str) -> None:
    current = templates.resolve(session, environment_id, schema_id)
    templates.delete_template(session, environment_id, current.name)


def schema_versions(session: Session, environment_id: str, schema_id: str) -> list[SchemaVersion]:
    """Every version of the schema, newest first (a built-in has its one)."""
    current = templates.resolve(session, environment_id, schema_id)
    if current.builtin:
        return [SchemaVersion(current.version, current.definition, None)]
    rows = template_rows.versions(session, current.id)
    return [SchemaVersion(row.version, row.definition, row.created_at) for row in rows]
