"""Filters: an ordered list of rules routing each document of a file to a template, or skipping it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from extractd.domain.errors import ConcurrentUpdate, FilterExists, FilterNotFound, InvalidFilter
from extractd.services import templates
from extractd.store.db import SessionFactory, transaction
from extractd.store.repositories import filters as filter_rows


class FilterRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documentName: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    extract: bool = True
    templateName: str | None = Field(None, max_length=200)


class FilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    rules: list[FilterRuleIn] = Field(min_length=1, max_length=100)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a filter name cannot be blank")
        return value.strip()


@dataclass(frozen=True)
class FilterView:
    name: str
    description: str
    rules: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


def parse_filter(data: Any) -> FilterIn:
    # Strict JSON validation: `extract: 0` or `"true"` are type errors, not booleans.
    try:
        return FilterIn.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'filter'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidFilter(f"Invalid filter: {problems}") from exc


def _checked_rules(session: Session, environment_id: str, parsed: FilterIn) -> list[dict[str, Any]]:
    for position, rule in enumerate(parsed.rules):
        if rule.extract and not rule.templateName:
            raise InvalidFilter(f"rules.{position}: a rule with extract:true needs a templateName.")
        if rule.templateName and not templates.exists(session, environment_id, rule.templateName):
            raise InvalidFilter(f"rules.{position}: no template named {rule.templateName!r}.")
    return [rule.model_dump() for rule in parsed.rules]


def _view(row: Any) -> FilterView:
    return FilterView(row.name, row.description, list(row.rules), row.created_at, row.updated_at)


def list_filters(session: Session, environment_id: str) -> list[FilterView]:
    return [_view(row) for row in filter_rows.list_for(session, environment_id)]


def get_filter(session: Session, environment_id: str, name: str) -> FilterView:
    row = filter_rows.get_by_name(session, environment_id, name)
    if row is None:
        raise FilterNotFound(f"No filter named {name!r}.")
    return _view(row)


def create_filter(session: Session, environment_id: str, data: Any) -> FilterView:
    parsed = parse_filter(data)
    rules = _checked_rules(session, environment_id, parsed)
    if filter_rows.get_by_name(session, environment_id, parsed.name) is not None:
        raise FilterExists(f"A filter named {parsed.name!r} exists already.")
    return _view(filter_rows.create(session, environment_id, parsed.name, parsed.description, rules))


def update_filter(sessions: SessionFactory, environment_id: str, name: str, data: Any) -> FilterView:
    """Replace the filter's rules; concurrent updates each apply once, in some order (or 409)."""
    if isinstance(data, dict) and "name" not in data:
        data = {**data, "name": name}
    parsed = parse_filter(data)
    if parsed.name != name:
        raise InvalidFilter("The filter's name cannot change; create a new filter instead.")
    for _ in range(templates.UPDATE_ATTEMPTS):
        with transaction(sessions) as session:
            row = filter_rows.get_by_name(session, environment_id, name)
            if row is None:
                raise FilterNotFound(f"No filter named {name!r}.")
            rules = _checked_rules(session, environment_id, parsed)
            updated = filter_rows.replace(session, row, parsed.description, rules)
            if updated is not None:
                return _view(updated)
    raise ConcurrentUpdate(f"The filter {name!r} kept changing while this update ran; send it again.")


def delete_filter(session: Session, environment_id: str, name: str) -> None:
    row = filter_rows.get_by_name(session, environment_id, name)
    if row is None:
        raise FilterNotFound(f"No filter named {name!r}.")
    filter_rows.delete(session, row)


def resolve(session: Session, environment_id: str, name: str) -> dict[str, Any]:
    """The filter a job pins: each rule with its template's definition resolved now (null when skipped)."""
    view = get_filter(session, environment_id, name)
    rules = []
    for rule in view.rules:
        definition = None
        if rule.get("extract", True) and rule.get("templateName"):
            definition = templates.resolve(session, environment_id, rule["templateName"]).definition
        rules.append(
            {
                "documentName": rule["documentName"],
                "description": rule.get("description", ""),
                "extract": bool(rule.get("extract", True)),
                "template": definition,
            }
        )
    return {"name": view.name, "rules": rules}
