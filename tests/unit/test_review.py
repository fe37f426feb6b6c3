"""Review flagging: low confidence, missing required fields, and the fields of failed engine checks."""

from __future__ import annotations

from typing import Any

from tests.unit.invoice_template import INVOICE, consistent_content

from extractd.domain.review import LOW_CONFIDENCE, REQUIRED_MISSING, review_flags
from extractd.engine.checks import failed_checks


def _data(content: dict[str, Any], confidence: dict[str, float] | None = None) -> dict[str, Any]:
    """A result with one document, its ``checks`` computed by the engine as the pipeline does."""
    base = consistent_content()
    conf = dict.fromkeys(base, 0.95) | (confidence or {})
    merged = base | content
    return {
        "documents": [
            {
                "extracted": True,
                "usedTemplateName": "inv",
                "content": merged,
                "fieldConfidence": conf,
                "checks": [check.to_json() for check in failed_checks(INVOICE, merged)],
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
        "subtotal": ("totals",),
        "tax_amount": ("totals",),
        "total_amount": ("totals",),
    }


def test_line_items_not_summing_flag_the_list_and_the_total() -> None:
    rows = [{"description": "a", "amount": 60.0}, {"description": "b", "amount": 30.0}]
    flags = review_flags(_data({"line_items": rows}), [INVOICE], threshold=10)
    assert flags.by_document[0] == {"line_items": ("line_items",), "subtotal": ("line_items",)}


def test_due_date_before_invoice_date_flags_both_dates() -> None:
    flags = review_flags(_data({"due_date": "28.02.2024"}), [INVOICE], threshold=10)
    assert flags.by_document[0] == {"invoice_date": ("due_date",), "due_date": ("due_date",)}


def test_a_field_in_several_checks_and_below_threshold_lists_every_reason() -> None:
    rows = [{"description": "a", "amount": 1.0}]
    data = _data({"total_amount": 129.0, "line_items": rows}, {"subtotal": 0.2})
    assert review_flags(data, [INVOICE], threshold=50).by_document[0]["subtotal"] == (
        "line_items",
        LOW_CONFIDENCE,
        "totals",
    )


def test_checks_are_read_even_without_the_template() -> None:
    data = _data({"total_amount": 129.0})
    assert review_flags(data, [], threshold=10).count == 3


def test_documents_without_checks_flag_only_confidence_and_required() -> None:
    data = _data({"total_amount": 129.0})
    del data["documents"][0]["checks"]  # results stored before the engine reported checks
    assert review_flags(data, [INVOICE], threshold=10).count == 0


def test_skipped_documents_are_not_reviewed() -> None:
    data = _data({}, {"invoice_number": 0.1})
    data["documents"][0]["extracted"] = False
    assert review_flags(data, [INVOICE], threshold=90).count == 0
