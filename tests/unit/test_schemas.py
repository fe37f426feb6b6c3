"""Schemas (the jobs dialect's form of a template): the type mapping both ways, and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractd.domain.errors import InvalidTemplate
from extractd.domain.schemas import schema_to_template, template_to_schema
from extractd.domain.templates import FieldType

ORDER: dict[str, Any] = {
    "name": "purchase order",
    "description": "A purchase order.",
    "fields": [
        {"name": "number", "type": "text", "required": True, "description": "The order's number."},
        {"name": "total", "type": "number"},
        {"name": "ordered_on", "type": "date"},
        {"name": "urgent", "type": "boolean"},
        {"name": "buyer", "type": "object", "properties": [{"name": "name"}, {"name": "vat"}]},
        {"name": "lines", "type": "object", "isArray": True,
         "properties": [{"name": "qty", "type": "number"}]},
        {"name": "tags", "type": "text", "isArray": True},
        {"name": "payment",
         "possibleValues": [{"id": "c1", "label": "Credit card"}, {"id": "b2", "label": "Bank"}]},
        {"name": "channel", "possibleValues": ["Phone", "Web"]},
    ],
}  # fmt: skip


def test_each_schema_type_maps_onto_its_template_type() -> None:
    template = schema_to_template(ORDER)
    types = {field.name: field.type for field in template.fields}
    assert types == {
        "number": FieldType.TEXT,
        "total": FieldType.DECIMAL,
        "ordered_on": FieldType.DATE,
        "urgent": FieldType.BOOLEAN,
        "buyer": FieldType.SECTION,
        "lines": FieldType.LIST,
        "tags": FieldType.LIST,
        "payment": FieldType.ENUM,
        "channel": FieldType.ENUM,
    }
    fields = {field.name: field for field in template.fields}
    assert fields["number"].required and fields["number"].description == "The order's number."
    assert [sub.name for sub in fields["buyer"].fields] == ["name", "vat"]
    assert fields["lines"].fields[0].type is FieldType.DECIMAL
    assert [(sub.name, sub.type) for sub in fields["tags"].fields] == [("tags", FieldType.TEXT)]
    assert fields["payment"].values == ("Credit card", "Bank")
    assert fields["payment"].value_ids == ("c1", "b2")
    assert fields["channel"].values == ("Phone", "Web") and fields["channel"].value_ids == ()


def test_a_schema_reads_back_as_it_was_written() -> None:
    shown = template_to_schema(schema_to_template(ORDER).to_json())
    assert shown["name"] == "purchase order" and shown["description"] == "A purchase order."
    fields = {field["name"]: field for field in shown["fields"]}
    assert fields["total"]["type"] == "number" and fields["total"]["isArray"] is False
    assert fields["tags"] == {
        "name": "tags",
        "type": "text",
        "required": False,
        "description": "",
        "isArray": True,
        "properties": [],
        "possibleValues": [],
    }
    assert fields["lines"]["type"] == "object" and fields["lines"]["isArray"] is True
    assert fields["lines"]["properties"][0]["type"] == "number"
    assert fields["buyer"]["properties"][1]["name"] == "vat"
    assert fields["payment"]["possibleValues"] == [
        {"id": "c1", "label": "Credit card"},
        {"id": "b2", "label": "Bank"},
    ]
    assert fields["channel"]["possibleValues"] == ["Phone", "Web"]
    # and the rendering is itself a valid schema describing the same template
    assert schema_to_template(shown) == schema_to_template(ORDER)


def test_every_template_type_renders_as_a_schema_type() -> None:
    invoice = json.loads(
        (Path(__file__).parents[2] / "src/extractd/engine/templates/invoice.json").read_text("utf-8")
    )
    fields = {field["name"]: field for field in template_to_schema(invoice)["fields"]}
    assert fields["total_amount"]["type"] == "number"  # money
    assert fields["currency"]["type"] == "text"  # currency
    assert fields["invoice_date"]["type"] == "date"
    assert fields["line_items"]["isArray"] is True and fields["line_items"]["type"] == "object"
    assert [p["name"] for p in fields["line_items"]["properties"]] == [
        "description",
        "quantity",
        "unit_price",
        "amount",
    ]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"name": "x", "fields": [{"name": "a", "type": "money"}]}, "fields.0.type"),
        ({"name": "x", "fields": [{"name": "a", "required": 0}]}, "fields.0.required"),
        ({"name": "x", "fields": [{"name": "a", "type": "object"}]}, "a: an object field needs"),
        ({"name": "x", "fields": [{"name": "a", "properties": [{"name": "b"}]}]}, "a: only object fields"),
        ({"name": "x", "fields": [{"name": "a", "type": "number", "possibleValues": ["1"]}]}, "a: only text"),
        ({"name": "x", "fields": [{"name": "a", "possibleValues": ["x", {"id": "1", "label": "y"}]}]}, "a:"),
        ({"name": "x", "fields": [{"name": "a", "possibleValues": [{"id": "1"}]}]}, "possibleValues.0"),
        ({"name": "x", "fields": [{"name": "a"}, {"name": "a"}]}, "`a` is used twice"),
        ({"name": "x", "fields": []}, "fields"),
        ({"name": "x", "fields": [{"name": "a", "unknown": 1}]}, "fields.0.unknown"),
        ("not an object", "Input should be an object"),
    ],
)
def test_invalid_schemas_name_what_is_wrong(body: Any, named: str) -> None:
    with pytest.raises(InvalidTemplate) as caught:
        schema_to_template(body)
    assert caught.value.message.startswith("Invalid schema:")
    assert named in caught.value.message


def test_deep_nesting_is_refused_before_validation() -> None:
    field: dict[str, Any] = {"name": "leaf"}
    for depth in range(50):
        field = {"name": f"level{depth}", "type": "object", "properties": [field]}
    with pytest.raises(InvalidTemplate, match="nest deeper"):
        schema_to_template({"name": "deep", "fields": [field]})


def test_value_ids_need_one_per_value() -> None:
    from extractd.domain.templates import parse_template

    with pytest.raises(InvalidTemplate, match="valueIds"):
        parse_template(
            {"name": "x", "fields": [{"name": "a", "type": "enum", "values": ["A", "B"], "valueIds": ["1"]}]}
        )


def test_values_of_plain_arrays_read_and_write_as_plain_lists() -> None:
    from extractd.domain.schemas import values_from_schema, values_to_schema

    template = schema_to_template(ORDER)
    stored = {
        "tags": [{"tags": "a"}, {"tags": "b"}],
        "lines": [{"qty": 2}],
        "buyer": {"name": "ACME", "vat": None},
        "total": 3.5,
        "unknown": 1,
    }
    shown = values_to_schema(template, stored)
    assert shown == {
        "tags": ["a", "b"],
        "lines": [{"qty": 2}],
        "buyer": {"name": "ACME", "vat": None},
        "total": 3.5,
        "unknown": 1,
    }
    assert values_from_schema(template, shown) == stored
    # what does not fit passes through unchanged, for the corrections check to name
    assert values_from_schema(template, {"tags": "a", "buyer": 3}) == {"tags": "a", "buyer": 3}
