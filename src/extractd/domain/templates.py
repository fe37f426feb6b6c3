"""Templates: the fields a user wants, in the format of DESIGN.md §5.

A template is validated here once, so the engine and the services can trust it. Validation errors
become :class:`InvalidTemplate` with a message that names the offending field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from extractd.domain.errors import InvalidPattern, InvalidTemplate
from extractd.domain.patterns import compile_pattern, pattern_matches


class FieldType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"
    LIST = "list"
    SECTION = "section"
    CURRENCY = "currency"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"


CONTAINER_TYPES = frozenset({FieldType.LIST, FieldType.SECTION})
DATE_FORMAT_TOKENS = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|DD|D")
DEFAULT_DATE_FORMAT = "YYYY-MM-DD"
# How deep list and section fields may nest (a field inside a section inside a list is depth 3).
MAX_FIELD_DEPTH = 8


def _name(value: str) -> str:
    cleaned = "_".join(value.strip().split())
    if not cleaned:
        raise ValueError("a field name cannot be empty")
    return cleaned


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(max_length=200)
    type: FieldType = FieldType.TEXT
    description: str = Field("", max_length=2000)
    labels: tuple[str, ...] = ()
    required: bool = False
    pattern: str | None = Field(None, max_length=1000)
    values: tuple[str, ...] = ()
    # Ids of an enum's values, in their order (a jobs-dialect schema's possibleValues `[{id, label}]`);
    # the result carries the value itself, the label.
    value_ids: tuple[str, ...] = Field((), alias="valueIds")
    date_format: str = Field(DEFAULT_DATE_FORMAT, alias="dateFormat", max_length=40)
    fields: tuple[TemplateField, ...] = ()

    _normalise_name = field_validator("name")(classmethod(lambda cls, v: _name(v)))

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            compile_pattern(value)  # raises a ValueError naming why RE2 cannot run it
        return value

    @field_validator("date_format")
    @classmethod
    def _valid_date_format(cls, value: str) -> str:
        if not DATE_FORMAT_TOKENS.search(value):
            raise ValueError("dateFormat needs at least one of YYYY, YY, MM, M, MMM, MMMM, DD, D")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TemplateField:
        if self.type in CONTAINER_TYPES:
            if not self.fields:
                raise ValueError(f"a {self.type} field needs `fields`")
            _unique_names(self.fields, f"{self.name}.fields")
            if any(sub.type is FieldType.LIST for sub in self.fields) and self.type is FieldType.LIST:
                raise ValueError("a list cannot contain another list")
        elif self.fields:
            raise ValueError(f"only list and section fields take `fields`, not {self.type}")
        if self.type is FieldType.ENUM and not self.values:
            raise ValueError("an enum field needs `values`")
        if self.value_ids and len(self.value_ids) != len(self.values):
            raise ValueError("`valueIds` needs one id per value, in the order of `values`")
        if len(set(self.value_ids)) != len(self.value_ids):
            raise ValueError("`valueIds` must be unique")
        return self

    def accepts(self, value: object) -> bool:
        """Whether a value passes the field's ``pattern`` (always, without one); linear time (RE2)."""
        return self.pattern is None or pattern_matches(self.pattern, str(value))

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True) | {
            "name": self.name,
            "type": self.type.value,
        }


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    fields: tuple[TemplateField, ...] = Field(min_length=1, max_length=500)

    @field_validator("name")
    @classmethod
    def _template_name(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\- ]*", value):
            raise ValueError("a template name uses letters, digits, space, `_`, `-` and `.`")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Template:
        _unique_names(self.fields, "fields")
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "fields": [field.to_json() for field in self.fields],
        }


def _unique_names(fields: tuple[TemplateField, ...], where: str) -> None:
    seen: set[str] = set()
    for field in fields:
        if field.name in seen:
            raise ValueError(f"{where}: the name `{field.name}` is used twice")
        seen.add(field.name)


def parse_template(data: Any) -> Template:
    """Validate a template given as JSON data; raise InvalidTemplate naming what is wrong."""
    _check_depth(data)
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        raise template_error(exc) from exc


def template_error(exc: ValidationError) -> InvalidTemplate:
    """The error naming every problem pydantic found in a template definition."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'template'}: {err['msg']}" for err in exc.errors()
    )
    # A pattern is checked by compiling it: a readable request whose regex cannot run is a 422.
    if any(err["loc"][-1:] == ("pattern",) for err in exc.errors()):
        return InvalidPattern(f"Invalid template: {problems}")
    return InvalidTemplate(f"Invalid template: {problems}")


def _check_depth(data: Any) -> None:
    """Refuse fields nested deeper than MAX_FIELD_DEPTH before validation recurses into them."""
    level = [data]
    for depth in range(MAX_FIELD_DEPTH + 1):
        level = [
            field
            for item in level
            if isinstance(item, dict) and isinstance(item.get("fields"), list | tuple)
            for field in item["fields"]
        ]
        if not level:
            return
        if depth == MAX_FIELD_DEPTH:
            break
    raise InvalidTemplate(f"Invalid template: fields nest deeper than {MAX_FIELD_DEPTH} levels.")
