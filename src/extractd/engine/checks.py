"""Consistency checks on an extracted document: do its totals, line items and dates agree?

Pure: given the Template and the document's ``content`` (typed values: Decimal or JSON numbers for
money, date strings in the field's ``dateFormat`` or ``datetime.date``), it returns the checks that
failed, each naming the template fields involved. The pipeline puts them in every extracted document
under ``checks``; review (domain/review.py) flags the fields they name.

Which field is the net, tax or gross total, the due or issue date, or the line items is decided by
``concept_for`` (the same mapping the engine extracts with), and a line item's amount by the table
reader's ``column_role``, so the checks understand every template the engine does. Only top-level
fields take part; a check whose values were not all found is skipped (nothing to contradict).

- ``totals``: net + tax must equal gross;
- ``line_items``: the line-item amounts must sum to the net total, or to the gross (line prices that
  include tax, as on receipts), or, with no net field, to gross − tax;
- ``due_date``: the due date must not be before the issue date.

Amounts agree within 0.01 per summed term (each printed term may be rounded by half a cent).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from extractd.domain.templates import FieldType, Template, TemplateField
from extractd.engine.fields.concepts import concept_for
from extractd.engine.fields.tables import column_role
from extractd.engine.types import Concept

TOTALS = "totals"
LINE_ITEMS = "line_items"
DUE_DATE = "due_date"

_NUMERIC = frozenset({FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER})
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class FailedCheck:
    """A consistency check the document's values fail, and the template fields it involves."""

    check: str
    fields: tuple[str, ...]
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "fields": list(self.fields), "message": self.message}


@dataclass(frozen=True, slots=True)
class _Known:
    """A field playing a concept's part, with its value read."""

    name: str
    value: Any


def failed_checks(template: Template, content: Mapping[str, Any]) -> list[FailedCheck]:
    """The consistency checks ``content`` (one document extracted with ``template``) fails."""
    amounts = {
        concept: _amount(template, content, concept)
        for concept in (Concept.NET_TOTAL, Concept.TAX_TOTAL, Concept.GRAND_TOTAL)
    }
    net, tax, gross = amounts[Concept.NET_TOTAL], amounts[Concept.TAX_TOTAL], amounts[Concept.GRAND_TOTAL]
    failed = [
        _totals(net, tax, gross),
        _line_items(template, content, net, tax, gross),
        _dates(template, content),
    ]
    return [check for check in failed if check is not None]


def _totals(net: _Known | None, tax: _Known | None, gross: _Known | None) -> FailedCheck | None:
    if net is None or tax is None or gross is None or _agree([net.value, tax.value], gross.value):
        return None
    return FailedCheck(
        TOTALS,
        (net.name, tax.name, gross.name),
        f"{net.name} + {tax.name} = {net.value + tax.value}, but {gross.name} is {gross.value}",
    )


def _line_items(
    template: Template,
    content: Mapping[str, Any],
    net: _Known | None,
    tax: _Known | None,
    gross: _Known | None,
) -> FailedCheck | None:
    items = _line_item_amounts(template, content)
    if items is None:
        return None
    targets = [known for known in (net, gross) if known is not None]
    if not targets:
        return None
    if any(_agree(items.value, target.value) for target in targets):
        return None
    if net is None and tax is not None and gross is not None and _agree(items.value, gross.value - tax.value):
        return None
    compared = targets[0]
    total = sum(items.value, Decimal(0))
    message = f"the {len(items.value)} amounts of {items.name} sum to {total}"
    return FailedCheck(
        LINE_ITEMS, (items.name, compared.name), f"{message}, but {compared.name} is {compared.value}"
    )


def _dates(template: Template, content: Mapping[str, Any]) -> FailedCheck | None:
    issued, due = _date(template, content, Concept.ISSUE_DATE), _date(template, content, Concept.DUE_DATE)
    if issued is None or due is None or due.value >= issued.value:
        return None
    return FailedCheck(
        DUE_DATE,
        (issued.name, due.name),
        f"{due.name} ({due.value.isoformat()}) is before {issued.name} ({issued.value.isoformat()})",
    )


def _agree(terms: Sequence[Decimal], total: Decimal) -> bool:
    return abs(sum(terms, Decimal(0)) - total) <= _CENT * max(1, len(terms))


def _fields_of(template: Template, concept: Concept) -> list[TemplateField]:
    return [spec for spec in template.fields if concept_for(spec, template) is concept]


def _amount(template: Template, content: Mapping[str, Any], concept: Concept) -> _Known | None:
    """The first field of ``concept`` (in template order) whose value is a number."""
    for spec in _fields_of(template, concept):
        number = as_decimal(content.get(spec.name)) if spec.type in _NUMERIC else None
        if number is not None:
            return _Known(spec.name, number)
    return None


def _line_item_amounts(template: Template, content: Mapping[str, Any]) -> _Known | None:
    """The line-item list's amounts; None when any row has no amount (the sum would say nothing)."""
    for spec in _fields_of(template, Concept.LINE_ITEMS):
        amount = next(
            (sub for sub in spec.fields if column_role(sub) == "amount" and sub.type in _NUMERIC), None
        )
        rows = content.get(spec.name)
        if amount is None or not isinstance(rows, list) or not rows:
            continue
        values = [as_decimal(row.get(amount.name)) if isinstance(row, dict) else None for row in rows]
        numbers = [value for value in values if value is not None]
        return _Known(spec.name, numbers) if len(numbers) == len(values) else None
    return None


def _date(template: Template, content: Mapping[str, Any], concept: Concept) -> _Known | None:
    for spec in _fields_of(template, concept):
        value = content.get(spec.name)
        if spec.type is not FieldType.DATE or value is None:
            continue
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str):
            day = parse_formatted_date(value, spec.date_format)
        if day is not None:
            return _Known(spec.name, day)
    return None


def as_decimal(value: Any) -> Decimal | None:
    """A finite number as Decimal (floats through their shortest repr); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_TOKEN_PATTERNS = {
    "YYYY": r"(?P<year>\d{4})",
    "YY": r"(?P<year2>\d{2})",
    "MMMM": r"(?P<month_name>[A-Za-z]+)",
    "MMM": r"(?P<month_abbr>[A-Za-z]{3})",
    "MM": r"(?P<month>\d{2})",
    "M": r"(?P<month>\d{1,2})",
    "DD": r"(?P<day>\d{2})",
    "D": r"(?P<day>\d{1,2})",
}
_TOKENS = re.compile("|".join(sorted(_TOKEN_PATTERNS, key=len, reverse=True)))


def parse_formatted_date(value: str, date_format: str) -> dt.date | None:
    """Read back a date the engine wrote in a template ``dateFormat`` (YYYY YY MMMM MMM MM M DD D)."""
    pattern, position = [], 0
    for token in _TOKENS.finditer(date_format):
        pattern.append(re.escape(date_format[position : token.start()]))
        pattern.append(_TOKEN_PATTERNS[token.group()])
        position = token.end()
    pattern.append(re.escape(date_format[position:]))
    match = re.fullmatch("".join(pattern), value.strip(), flags=re.IGNORECASE)
    if match is None:
        return None
    parts = match.groupdict()
    year = int(parts["year"]) if parts.get("year") else 2000 + int(parts.get("year2") or -2000)
    month = _month_number(parts)
    try:
        return dt.date(year, month, int(parts.get("day") or 1)) if month else None
    except ValueError:
        return None


def _month_number(parts: Mapping[str, str | None]) -> int | None:
    if parts.get("month"):
        return int(parts["month"] or 0)
    name = (parts.get("month_name") or parts.get("month_abbr") or "").lower()
    for number, full in enumerate(_MONTHS, start=1):
        if name and (name == full or name == full[:3]):
            return number
    return None
