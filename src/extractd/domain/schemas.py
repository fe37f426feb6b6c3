"""The jobs dialect's schemas (DESIGN.md §4 "Schemas"): the same stored object as a template, in another form.

A schema ``{name, description, fields: [{name, type, required, description, isArray, properties[],
possibleValues[]}]}`` maps onto the template format of §5: ``number`` → ``decimal``, ``object`` →
``section`` (its ``properties`` become the section's fields), ``isArray`` → ``list``, ``possibleValues``
(strings, or ``{id, label}`` objects) → ``enum`` whose values are the labels (the ids kept as
``valueIds``). An array of a plain type (``tags: text[]``) becomes a list of one column named like the
list, and renders back the same way. Any template renders as a schema (money and integers as ``number``,
currencies, e-mails, phones and IBANs as ``text``), so a v1 template is usable as a schema.

Pure: no I/O. Errors are :class:`InvalidTemplate` naming the offending field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractd.domain.errors import InvalidTemplate
from extractd.domain.templates import (
    MAX_FIELD_DEPTH,
    FieldType,
    Template,
    TemplateField,
    parse_template,
    template_error,
)

SchemaType = Literal["text", "number", "date", "boolean", "object"]

_TEMPLATE_TYPE: dict[str, FieldType] = {
    "text": FieldType.TEXT,
    "number": FieldType.DECIMAL,
    "date": FieldType.DATE,
    "boolean": FieldType.BOOLEAN,
    "object": FieldType.SECTION,
}
_SCHEMA_TYPE: dict[FieldType, str] = {
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.MONEY: "number",
    FieldType.DATE: "date",
    FieldType.BOOLEAN: "boolean",
    FieldType.SECTION: "object",
}


class PossibleValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    label: str = Field(min_length=1, max_length=500)


class SchemaField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    type: SchemaType = "text"
    required: bool = False
    description: str = Field("", max_length=2000)
    is_array: bool = Field(False, alias="isArray")
    properties: tuple[SchemaField, ...] = Field((), max_length=500)
    possible_values: tuple[str | PossibleValue, ...] = Field((), alias="possibleValues", max_length=1000)


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    fields: tuple[SchemaField, ...] = Field(min_length=1, max_length=500)


def schema_to_template(data: Any) -> Template:
    """The template a schema body stands for; InvalidTemplate naming what is wrong."""
    _check_depth(data)
    try:
        # JSON types taken strictly, as for templates (`required: 0` is an error, not False).
        schema = Schema.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise _schema_error(template_error(_without_echoes(exc))) from exc
    definition = {
        "name": schema.name,
        "description": schema.description,
        "fields": [_field_definition(field, field.name) for field in schema.fields],
    }
    try:
        return parse_template(definition)
    except InvalidTemplate as exc:
        raise _schema_error(exc) from exc


def _without_echoes(exc: ValidationError) -> ValidationError:
    """The errors without a list's "too short" that only echoes a failed item inside it."""
    problems = exc.errors()
    kept = [
        err
        for err in problems
        if err["type"] != "too_short"
        or not any(other["loc"][: len(err["loc"])] == err["loc"] and other is not err for other in problems)
    ]
    return ValidationError.from_exception_data(exc.title, kept) if kept != problems else exc  # type: ignore[arg-type]


def _schema_error(exc: InvalidTemplate) -> InvalidTemplate:
    message = exc.message.replace("Invalid template:", "Invalid schema:", 1)
    return type(exc)(message, **exc.data)


def _field_definition(field: SchemaField, path: str) -> dict[str, Any]:
    if field.properties and field.type != "object":
        raise InvalidTemplate(f"Invalid schema: {path}: only object fields take `properties`.")
    if field.possible_values and field.type != "text":
        raise InvalidTemplate(f"Invalid schema: {path}: only text fields take `possibleValues`.")
    if field.type == "object" and not field.properties:
        raise InvalidTemplate(f"Invalid schema: {path}: an object field needs `properties`.")
    single: dict[str, Any] = {"name": field.name, "type": _TEMPLATE_TYPE[field.type].value}
    if field.description:
        single["description"] = field.description
    if field.required:
        single["required"] = True
    if field.properties:
        single["fields"] = [_field_definition(sub, f"{path}.{sub.name}") for sub in field.properties]
    if field.possible_values:
        single.update(_enum_definition(field.possible_values, path))
    if not field.is_array:
        return single
    if field.type == "object":
        return single | {"type": FieldType.LIST.value}
    # A list of plain values: one column named like the list (see the module docstring).
    column = {key: value for key, value in single.items() if key not in ("description", "required")}
    outer = {key: value for key, value in single.items() if key in ("name", "description", "required")}
    return outer | {"type": FieldType.LIST.value, "fields": [column]}


def _enum_definition(values: tuple[str | PossibleValue, ...], path: str) -> dict[str, Any]:
    labels = [value if isinstance(value, str) else value.label for value in values]
    ids = [value.id for value in values if isinstance(value, PossibleValue)]
    if ids and len(ids) != len(values):
        raise InvalidTemplate(
            f"Invalid schema: {path}: possibleValues are either all strings or all {{id, label}} objects."
        )
    definition: dict[str, Any] = {"type": FieldType.ENUM.value, "values": labels}
    if ids:
        definition["valueIds"] = ids
    return definition


def template_to_schema(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored template definition in the schema form: ``{name, description, fields}``."""
    template = parse_template(definition)
    return {
        "name": template.name,
        "description": template.description,
        "fields": [_schema_field(field) for field in template.fields],
    }


def _schema_field(field: TemplateField) -> dict[str, Any]:
    if field.type is FieldType.LIST and _plain_list(field):
        return _schema_field(field.fields[0]) | {
            "name": field.name,
            "required": field.required,
            "description": field.description,
            "isArray": True,
        }
    shown: dict[str, Any] = {
        "name": field.name,
        "type": "object" if field.type is FieldType.LIST else _SCHEMA_TYPE.get(field.type, "text"),
        "required": field.required,
        "description": field.description,
        "isArray": field.type is FieldType.LIST,
        "properties": [_schema_field(sub) for sub in field.fields],
        "possibleValues": [],
    }
    if field.type is FieldType.ENUM:
        shown["possibleValues"] = (
            [{"id": id_, "label": label} for id_, label in zip(field.value_ids, field.values, strict=True)]
            if field.value_ids
            else list(field.values)
        )
    return shown


def _plain_list(field: TemplateField) -> bool:
    """A list standing for an array of plain values: one non-container column named like the list."""
    return (
        len(field.fields) == 1
        and field.fields[0].name == field.name
        and field.fields[0].type not in (FieldType.LIST, FieldType.SECTION)
    )


def _check_depth(data: Any) -> None:
    """Refuse properties nested deeper than templates allow before validation recurses into them."""
    level = [data]
    for _ in range(MAX_FIELD_DEPTH + 1):
        level = [
            sub
            for item in level
            if isinstance(item, dict)
            for key in ("fields", "properties")
            if isinstance(item.get(key), list)
            for sub in item[key]
        ]
        if not level:
            return
    raise InvalidTemplate(f"Invalid schema: fields nest deeper than {MAX_FIELD_DEPTH} levels.")


def values_to_schema(template: Template, content: Mapping[str, Any]) -> dict[str, Any]:
    """A result's ``content`` as the schema form shows it: an array of plain values as a plain list
    (``["a", "b"]``, not the template's rows ``[{"tags": "a"}, …]``)."""
    return _convert_row(template.fields, content, to_schema=True)


def values_from_schema(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values written in the schema form, in the template's shape (the inverse of values_to_schema);
    anything that does not fit is passed on unchanged, for the corrections check to name."""
    return _convert_row(template.fields, values, to_schema=False)


def _convert_row(
    fields: tuple[TemplateField, ...], row: Mapping[str, Any], to_schema: bool
) -> dict[str, Any]:
    specs = {field.name: field for field in fields}
    return {
        name: _convert(specs[name], value, to_schema) if name in specs else value
        for name, value in row.items()
    }


def _convert(field: TemplateField, value: Any, to_schema: bool) -> Any:
    if field.type is FieldType.LIST and isinstance(value, list):
        if _plain_list(field):
            return [_plain_item(field.name, item, to_schema) for item in value]
        return [
            _convert_row(field.fields, row, to_schema) if isinstance(row, Mapping) else row for row in value
        ]
    if field.type is FieldType.SECTION and isinstance(value, Mapping):
        return _convert_row(field.fields, value, to_schema)
    return value


def _plain_item(name: str, item: Any, to_schema: bool) -> Any:
    if to_schema:
        return item.get(name) if isinstance(item, Mapping) else item
    return item if isinstance(item, Mapping) else {name: item}
