"""Review flagging: low confidence, missing required fields, and the arithmetic checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from extractd.domain.review import (
    DUE_BEFORE_ISSUE,
    LINE_ITEMS_MISMATCH,
    LOW_CONFIDENCE,
    REQUIRED_MISSING,
    TOTALS_MISMATCH,
    parse_formatted_date,
    review_flags,
)
from extractd.domain.templates import parse_template

INVOICE = parse_template(
    {
        "name": "inv",
        "fields": [
            {"name": "invoice_number", "type": "text", "required": True},
            {"name": "invoice_date", "type": "date", "dateFormat": "DD.MM.YYYY"},
            {"name": "due_date", "type": "date", "dateFormat": "DD.MM.YYYY"},
            {"name": "subtotal", "type": "money"},
            {"name": "tax_amount", "type": "money"},
            {"name": "total_amount", "type": "money"},
            {
                "name": "line_items",
                "type": "list",
                "fields": [{"name": "description", "type": "text"}, {"name": "amount", "type": "money"}],
            },
        ],
    }
)


def _data(content: dict[str, Any], confidence: dict[str, float] | None = None) -> dict[str, Any]:
    base = {
        "invoice_number": "A-1",
        "invoice_date": "01.03.2024",
        "due_date": "31.03.2024",
        "subtotal": 100.0,
        "tax_amount": 19.0,
        "total_amount": 119.0,
        "line_items": [{"description": "a", "amount": 60.0}, {"description": "b", "amount": 40.0}],
    }
    conf = dict.fromkeys(base, 0.95) | (confidence or {})
    return {
        "documents": [
            {
                "extracted": True,
                "usedTemplateName": "inv",
                "content": base | content,
                "fieldConfidence": conf,
            }
        ]
    }


def test_consistent_confident_result_flags_nothing() -> None:
    flags = review_flags(_data({}), [INVOICE], threshold=90)
    assert flags.count == 0


def test_low_confidence_is_flagged_against_the_threshold() -> None:
    data = _data({}, {"invoice_number": 0.5, "subtotal": 0.89})
    assert review_flags(data, [INVOICE], threshold=90).by_document == {
        0: {"invoice_number": (LOW_CONFIDENCE,), "subtotal": (LOW_CONFIDENCE,)}
    }
    assert review_flags(data, [INVOICE], threshold=50).count == 0  # 0.5 × 100 is not below 50


def test_missing_required_field_is_flagged() -> None:
    flags = review_flags(_data({"invoice_number": None}, {"invoice_number": 0.0}), [INVOICE], threshold=1)
    assert flags.by_document[0]["invoice_number"] == (LOW_CONFIDENCE, REQUIRED_MISSING)


def test_totals_that_do_not_add_up_flag_all_three() -> None:
    flags = review_flags(_data({"total_amount": 129.0}), [INVOICE], threshold=10)
    assert flags.by_document[0] == {
        "subtotal": (TOTALS_MISMATCH,),
        "tax_amount": (TOTALS_MISMATCH,),
        "total_amount": (TOTALS_MISMATCH,),
    }


def test_rounding_by_a_cent_is_tolerated() -> None:
    assert review_flags(_data({"total_amount": 119.01}), [INVOICE], threshold=10).count == 0


def test_line_items_not_summing_to_the_subtotal() -> None:
    rows = [{"description": "a", "amount": 60.0}, {"description": "b", "amount": 30.0}]
    flags = review_flags(_data({"line_items": rows}), [INVOICE], threshold=10)
    assert flags.by_document[0] == {"line_items": (LINE_ITEMS_MISMATCH,)}


def test_due_date_before_invoice_date() -> None:
    flags = review_flags(_data({"due_date": "28.02.2024"}), [INVOICE], threshold=10)
    assert flags.by_document[0] == {"due_date": (DUE_BEFORE_ISSUE,)}


def test_checks_with_missing_values_are_skipped() -> None:
    data = _data({"tax_amount": None, "due_date": None}, {"tax_amount": 0.99, "due_date": 0.99})
    assert review_flags(data, [INVOICE], threshold=10).count == 0


def test_skipped_documents_are_not_reviewed() -> None:
    data = _data({}, {"invoice_number": 0.1})
    data["documents"][0]["extracted"] = False
    assert review_flags(data, [INVOICE], threshold=90).count == 0


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2024-03-01", "YYYY-MM-DD", date(2024, 3, 1)),
        ("1/3/24", "D/M/YY", date(2024, 3, 1)),
        ("March 5, 2024", "MMMM D, YYYY", date(2024, 3, 5)),
        ("05 Mar 2024", "DD MMM YYYY", date(2024, 3, 5)),
        ("2024/13/01", "YYYY/MM/DD", None),
        ("not a date", "YYYY-MM-DD", None),
    ],
)
def test_parse_formatted_date(text: str, fmt: str, expected: date | None) -> None:
    assert parse_formatted_date(text, fmt) == expected
