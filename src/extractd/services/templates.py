"""Templates of an environment plus the built-ins every environment sees (read-only).

Definitions are stored normalised (``Template.to_json()``), so what a client reads back is what the
engine will run with. A template is known by its name (v1's ``templateName``) and by its id (the jobs
dialect's ``schemaId``); the built-ins have stable ids, the same in every environment and installation.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from extractd.domain.errors import (
    BuiltinTemplateReadOnly,
    ConcurrentUpdate,
    InvalidTemplate,
    TemplateExists,
    TemplateNotFound,
)
from extractd.domain.templates import Template, parse_template, template_error
from extractd.store.db import SessionFactory, transaction
from extractd.store.models import Template as TemplateRow
from extractd.store.repositories import templates as template_rows

# Concurrent updates of one template: each round of conflicting UPDATEs has one winner; the others read
# the new version and try again, this many times in all before answering CONCURRENT_UPDATE.
UPDATE_ATTEMPTS = 40
# Built-in template ids are uuid5(BUILTIN_NAMESPACE, name): stable without being stored anywhere.
BUILTIN_NAMESPACE = uuid.UUID("6f1c2a3e-8d4b-5e7f-9a0b-1c2d3e4f5a6b")


@dataclass(frozen=True)
class TemplateView:
    name: str
    definition: dict[str, Any]
    version: int
    builtin: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: str = ""


def builtin_template_id(name: str) -> str:
    return str(uuid.uuid5(BUILTIN_NAMESPACE, name))


def _row_view(row: TemplateRow) -> TemplateView:
    return TemplateView(row.name, row.definition, row.version, False, row.created_at, row.updated_at, row.id)


def _builtins() -> dict[str, Template]:
    # Imported on use: the engine's field package is heavy and only templates need it here.
    from extractd.engine.fields import builtin_templates

    return builtin_templates()


def parse_strict(data: Any) -> Template:
    """parse_template's checks and messages, plus JSON types taken strictly (`required: 0` is an error)."""
    template = parse_template(data)
    try:
        Template.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise template_error(exc) from exc
    return template


def _builtin_view(template: Template) -> TemplateView:
    return TemplateView(
        name=template.name,
        definition=template.to_json(),
        version=1,
        builtin=True,
        id=builtin_template_id(template.name),
    )


def list_templates(session: Session, environment_id: str) -> list[TemplateView]:
    views = [_builtin_view(template) for template in _builtins().values()]
    views.extend(_row_view(row) for row in template_rows.list_for(session, environment_id))
    return views


def get_template(session: Session, environment_id: str, name: str) -> TemplateView:
    builtin = _builtins().get(name)
    if builtin is not None:
        return _builtin_view(builtin)
    row = template_rows.get_by_name(session, environment_id, name)
    if row is None:
        raise TemplateNotFound(f"No template named {name!r}.")
    return _row_view(row)


def exists(session: Session, environment_id: str, name: str) -> bool:
    return name in _builtins() or template_rows.get_by_name(session, environment_id, name) is not None


def create_template(session: Session, environment_id: str, data: Any) -> TemplateView:
    template = parse_strict(data)
    if template.name in _builtins():
        raise BuiltinTemplateReadOnly(f"{template.name!r} is a built-in template; choose another name.")
    if template_rows.get_by_name(session, environment_id, template.name) is not None:
        raise TemplateExists(f"A template named {template.name!r} exists already.")
    row = template_rows.create(session, environment_id, template.name, template.to_json())
    return _row_view(row)


def update_template(sessions: SessionFactory, environment_id: str, name: str, data: Any) -> TemplateView:
    """A new version of the template; the body's name, when given, must be the same name.

    Every update makes exactly one new version, also when many run at once (see UPDATE_ATTEMPTS).
    """
    if name in _builtins():
        raise BuiltinTemplateReadOnly()
    if isinstance(data, dict) and "name" not in data:
        data = {**data, "name": name}
    template = parse_strict(data)
    if template.name != name:
        raise InvalidTemplate("The template's name cannot change; create a new template instead.")
    for _ in range(UPDATE_ATTEMPTS):
        with transaction(sessions) as session:
            row = template_rows.get_by_name(session, environment_id, name)
            if row is None:
                raise TemplateNotFound(f"No template named {name!r}.")
            updated = template_rows.add_version(session, row, template.to_json())
            if updated is not None:
                return _row_view(updated)
    raise ConcurrentUpdate(f"The template {name!r} kept changing while this update ran; send it again.")


def delete_template(session: Session, environment_id: str, name: str) -> None:
    if name in _builtins():
        raise BuiltinTemplateReadOnly()
    row = template_rows.get_by_name(session, environment_id, name)
    if row is None:
        raise TemplateNotFound(f"No template named {name!r}.")
    template_rows.delete(session, row)


def resolve(session: Session, environment_id: str, id_or_name: str) -> TemplateView:
    """The template a job pins (its id, version and definition: later edits never change a queued job),
    found by name first (v1's templateName, a schema's name), else by id (the jobs dialect's schemaId)."""
    builtin = _builtins().get(id_or_name)
    if builtin is None:
        builtin = next((t for t in _builtins().values() if builtin_template_id(t.name) == id_or_name), None)
    if builtin is not None:
        return _builtin_view(builtin)
    row = template_rows.get_by_name(session, environment_id, id_or_name)
    if row is None:
        row = template_rows.get_by_id(session, environment_id, id_or_name)
    if row is None:
        raise TemplateNotFound(f"No template (schema) with the name or id {id_or_name!r}.")
    return _row_view(row)
