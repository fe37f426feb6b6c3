"""The invoice template the check and review tests share: fields the engine's checks map by concept."""

from __future__ import annotations

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
