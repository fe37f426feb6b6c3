"""The invoice template the check and review tests share: fields the engine's checks map by concept."""

from __future__ import annotations

import copy
from typing import Any

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

# Values for INVOICE that pass every check: the totals add up, the line items sum to the subtotal.
_CONSISTENT_CONTENT: dict[str, Any] = {
    "invoice_number": "A-1",
    "invoice_date": "01.03.2024",
    "due_date": "31.03.2024",
    "subtotal": 100.0,
    "tax_amount": 19.0,
    "total_amount": 119.0,
    "line_items": [{"description": "a", "amount": 60.0}, {"description": "b", "amount": 40.0}],
}


def consistent_content() -> dict[str, Any]:
    """A fresh copy of content for INVOICE that passes every check (tests change it freely)."""
    return copy.deepcopy(_CONSISTENT_CONTENT)
