"""Consistency checks: totals, line items and dates, with fields mapped by concept, not by fixed names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.invoice_template import INVOICE, consistent_content

from extractd.domain.templates import parse_template
from extractd.engine import extract
from extractd.engine.checks import (
    DUE_DATE,
    LINE_ITEMS,
    TOTALS,
    FailedCheck,
    failed_checks,
    parse_formatted_date,
)

from .conftest import make_pdf

# The same roles under names no fixed list would know: only the concept mapping finds them.
GERMAN = parse_template(
    {
        "name": "rechnung",
        "fields": [
            {"name": "Rechnungsdatum", "type": "date", "dateFormat": "YYYY-MM-DD"},
            {"name": "Zahlbar_bis", "type": "date", "dateFormat": "YYYY-MM-DD"},
            {"name": "Nettobetrag", "type": "money"},
            {"name": "Mehrwertsteuer", "type": "money"},
            {"name": "Bruttobetrag", "type": "money"},
            {
                "name": "Positionen",
                "type": "list",
                "fields": [{"name": "Bezeichnung", "type": "text"}, {"name": "Betrag", "type": "money"}],
            },
        ],
    }
)


def _content(**changes: Any) -> dict[str, Any]:
    return consistent_content() | changes


def test_consistent_document_fails_no_check() -> None:
    assert failed_checks(INVOICE, _content()) == []


def test_totals_that_do_not_add_up_name_net_tax_and_gross() -> None:
    [check] = failed_checks(INVOICE, _content(total_amount=129.0))
    assert check.check == TOTALS
    assert check.fields == ("subtotal", "tax_amount", "total_amount")
    assert "129" in check.message
    assert check.to_json() == {
        "check": "totals",
        "fields": ["subtotal", "tax_amount", "total_amount"],
        "message": check.message,
    }


@pytest.mark.parametrize(("total", "fails"), [(119.02, False), (119.03, True), (118.98, False)])
def test_totals_tolerate_a_cent_per_term(total: float, fails: bool) -> None:
    # net + tax is two terms: 0.02 of rounding is allowed, 0.03 is not
    checks = failed_checks(INVOICE, _content(total_amount=total, line_items=[]))
    assert [c.check for c in checks] == ([TOTALS] if fails else [])


def test_typed_decimal_values_are_checked_like_json_numbers() -> None:
    content = _content(
        subtotal=Decimal("100.00"), tax_amount=Decimal("19.00"), total_amount=Decimal("120.00")
    )
    assert [c.check for c in failed_checks(INVOICE, content)] == [TOTALS]


def test_line_items_not_summing_to_the_net_name_the_list_and_the_net() -> None:
    rows = [{"description": "a", "amount": 60.0}, {"description": "b", "amount": 30.0}]
    [check] = failed_checks(INVOICE, _content(line_items=rows))
    assert check == FailedCheck(LINE_ITEMS, ("line_items", "subtotal"), check.message)
    assert "90" in check.message and "100" in check.message


def test_line_items_including_tax_may_sum_to_the_gross() -> None:
    rows = [{"description": "a", "amount": 71.4}, {"description": "b", "amount": 47.6}]
    assert failed_checks(INVOICE, _content(line_items=rows)) == []


def test_without_a_net_field_line_items_are_compared_with_the_gross() -> None:
    template = parse_template(
        {
            "name": "receipt",
            "fields": [
                {"name": "total", "type": "money"},
                {"name": "items", "type": "list", "fields": [{"name": "line_total", "type": "money"}]},
            ],
        }
    )
    content = {"total": 10.0, "items": [{"line_total": 4.0}, {"line_total": 5.0}]}
    [check] = failed_checks(template, content)
    assert check.fields == ("items", "total")
    content["items"] = [{"line_total": 4.0}, {"line_total": 6.0}]
    assert failed_checks(template, content) == []


def test_a_row_without_an_amount_skips_the_line_item_check() -> None:
    rows = [{"description": "a", "amount": 60.0}, {"description": "b", "amount": None}]
    assert failed_checks(INVOICE, _content(line_items=rows)) == []


def test_due_date_before_the_issue_date_names_both() -> None:
    [check] = failed_checks(INVOICE, _content(due_date="28.02.2024"))
    assert (check.check, check.fields) == (DUE_DATE, ("invoice_date", "due_date"))
    assert "2024-02-28" in check.message


def test_checks_with_missing_values_are_skipped() -> None:
    content = _content(tax_amount=None, due_date=None, total_amount=500.0, line_items=None)
    assert failed_checks(INVOICE, content) == []


def test_fields_are_found_by_concept_whatever_their_names() -> None:
    content = {
        "Rechnungsdatum": "2024-03-10",
        "Zahlbar_bis": dt.date(2024, 3, 1),
        "Nettobetrag": 100.0,
        "Mehrwertsteuer": 19.0,
        "Bruttobetrag": 120.0,
        "Positionen": [{"Bezeichnung": "x", "Betrag": 50.0}],
    }
    assert [(c.check, c.fields) for c in failed_checks(GERMAN, content)] == [
        (TOTALS, ("Nettobetrag", "Mehrwertsteuer", "Bruttobetrag")),
        (LINE_ITEMS, ("Positionen", "Nettobetrag")),
        (DUE_DATE, ("Rechnungsdatum", "Zahlbar_bis")),
    ]


def test_text_fields_do_not_take_part_in_arithmetic() -> None:
    template = parse_template(
        {
            "name": "t",
            "fields": [
                {"name": "net_total", "type": "text"},
                {"name": "tax", "type": "money"},
                {"name": "total", "type": "money"},
            ],
        }
    )
    assert failed_checks(template, {"net_total": "100", "tax": 19.0, "total": 500.0}) == []


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2024-03-01", "YYYY-MM-DD", dt.date(2024, 3, 1)),
        ("1/3/24", "D/M/YY", dt.date(2024, 3, 1)),
        ("March 5, 2024", "MMMM D, YYYY", dt.date(2024, 3, 5)),
        ("05 Mar 2024", "DD MMM YYYY", dt.date(2024, 3, 5)),
        ("2024/13/01", "YYYY/MM/DD", None),
        ("not a date", "YYYY-MM-DD", None),
    ],
)
def test_parse_formatted_date(text: str, fmt: str, expected: dt.date | None) -> None:
    assert parse_formatted_date(text, fmt) == expected


def test_extract_reports_the_failed_checks_in_each_document() -> None:
    page = [
        "INVOICE",
        "Invoice No: INV-9",
        "Invoice Date: 2024-03-05",
        "Subtotal 100.00 EUR",
        "VAT 19.00 EUR",
        "Total 150.00 EUR",
    ]
    template = parse_template(
        {
            "name": "totals",
            "fields": [
                {"name": "subtotal", "type": "money"},
                {"name": "vat", "type": "money"},
                {"name": "total", "type": "money"},
            ],
        }
    )
    (document,) = extract(make_pdf([page]), template, filename="inv.pdf")["documents"]
    assert document["content"] == {"subtotal": 100.0, "vat": 19.0, "total": 150.0}  # as printed
    (check,) = document["checks"]
    assert (check["check"], check["fields"]) == (TOTALS, ["subtotal", "vat", "total"])
