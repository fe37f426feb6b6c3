"""A reviewer's corrections are checked against the job's template: unknown fields and wrong types are
refused naming the field; form text is read into the result's JSON types."""

from __future__ import annotations

from typing import Any

import pytest

from extractd.domain.corrections import check_value, date_pattern, from_form_text, validate_corrections
from extractd.domain.errors import InvalidCorrection
from extractd.domain.templates import parse_template

TEMPLATE = parse_template(
    {
        "name": "t",
        "fields": [
            {"name": "number", "type": "text", "pattern": "^INV-\\d+$"},
            {"name": "count", "type": "integer"},
            {"name": "total", "type": "money"},
            {"name": "rate", "type": "decimal"},
            {"name": "paid", "type": "boolean"},
            {"name": "issued", "type": "date", "dateFormat": "DD.MM.YYYY"},
            {"name": "kind", "type": "enum", "values": ["invoice", "credit note"]},
            {"name": "currency", "type": "currency"},
            {"name": "contact", "type": "email"},
            {
                "name": "buyer",
                "type": "section",
                "fields": [{"name": "name"}, {"name": "vat", "type": "text"}],
            },
            {
                "name": "lines",
                "type": "list",
                "fields": [{"name": "description"}, {"name": "amount", "type": "money"}],
            },
        ],
    }
)
SPECS = {spec.name: spec for spec in TEMPLATE.fields}


def test_fitting_corrections_pass_in_the_result_shape() -> None:
    corrections = {
        "number": "INV-7",
        "count": 3,
        "total": 12.5,
        "rate": 19,
        "paid": False,
        "issued": "16.03.2024",
        "kind": "credit note",
        "currency": "eur",
        "contact": "ap@example.com",
        "buyer": {"name": "Contoso"},
        "lines": [{"description": "Work", "amount": 10}],
    }
    checked = validate_corrections(TEMPLATE, corrections)
    assert checked["currency"] == "EUR"
    assert checked["buyer"] == {"name": "Contoso", "vat": None}  # a section shows every sub-field
    assert checked["lines"] == [{"description": "Work", "amount": 10}]
    assert validate_corrections(TEMPLATE, {"total": None}) == {"total": None}  # null clears a field


@pytest.mark.parametrize(
    ("corrections", "named"),
    [
        ({"nope": 1}, "`nope`"),
        ({"number": 7}, "`number`"),
        ({"number": "X-1"}, "`number`"),  # does not match the field's pattern
        ({"count": 2.5}, "`count`"),
        ({"count": True}, "`count`"),
        ({"total": "12,50"}, "`total`"),
        ({"paid": "yes"}, "`paid`"),
        ({"issued": "2024-03-16"}, "`issued`"),  # not DD.MM.YYYY
        ({"kind": "receipt"}, "`kind`"),
        ({"currency": "euro"}, "`currency`"),
        ({"contact": "nobody"}, "`contact`"),
        ({"buyer": {"name": "x", "iban": "y"}}, "`buyer.iban`"),
        ({"lines": [{"amount": 1}, {"amount": "ten"}]}, "`lines[1].amount`"),
        ({"lines": {"amount": 1}}, "`lines`"),
    ],
)
def test_a_misfit_is_refused_naming_the_field(corrections: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidCorrection) as raised:
        validate_corrections(TEMPLATE, corrections)
    assert named in raised.value.message
    assert raised.value.code == "INVALID_CORRECTION"


def test_corrections_must_be_an_object() -> None:
    with pytest.raises(InvalidCorrection):
        validate_corrections(TEMPLATE, ["total"])


def test_date_pattern_follows_the_format_tokens() -> None:
    assert date_pattern("YYYY-MM-DD").fullmatch("2024-03-16")
    assert not date_pattern("YYYY-MM-DD").fullmatch("16.03.2024")
    assert date_pattern("D MMMM YYYY").fullmatch("6 March 2024")
    assert date_pattern("MM/DD/YY").fullmatch("03/16/24")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("total", "1190.50", 1190.5),
        ("total", "1.190,50", 1190.5),
        ("total", "1,190.50", 1190.5),
        ("count", "3", 3),
        ("total", "", None),
        ("paid", "false", False),
        ("paid", "Yes", True),
        ("number", "  INV-7 ", "INV-7"),
        ("lines", '[{"description": "Work", "amount": 10}]', [{"description": "Work", "amount": 10}]),
        ("total", "ten", "ten"),  # left as text, so the check names the field
    ],
)
def test_form_text_is_read_as_the_field_type(name: str, text: str, value: Any) -> None:
    assert from_form_text(SPECS[name], text) == value


def test_unreadable_form_text_is_then_refused() -> None:
    with pytest.raises(InvalidCorrection, match="`total`"):
        check_value(SPECS["total"], from_form_text(SPECS["total"], "ten"), "total")
