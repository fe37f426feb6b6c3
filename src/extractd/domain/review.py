"""Which fields of a result a reviewer must look at (DESIGN.md §6 "Review").

Pure: it reads the result ``data`` (the engine's output) and the templates the job ran with. A field
is flagged when

- its confidence × 100 is below the job's ``documentReview`` threshold;
- it is ``required`` and was not found;
- an arithmetic check involving it fails: subtotal + tax ≠ total, line-item amounts not summing to the
  subtotal, or a due date before the invoice date.

Which field is "the subtotal" is read from its name (``subtotal``, ``net_amount``, ``tax``, ``vat``,
``total_amount``, ``due_date``…): templates are user-written, so this is a small documented
vocabulary, and a template whose names are not in it only gets the confidence and required checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from extractd.domain.templates import FieldType, Template, TemplateField

LOW_CONFIDENCE = "low_confidence"
REQUIRED_MISSING = "required_missing"
TOTALS_MISMATCH = "totals_mismatch"
LINE_ITEMS_MISMATCH = "line_items_mismatch"
DUE_BEFORE_ISSUE = "due_before_issue"

# Field names (lower case, `_`-joined) that play each role in the arithmetic checks.
SUBTOTAL_NAMES = frozenset(
    {"subtotal", "sub_total", "net_total", "total_net", "net_amount", "amount_net", "net", "total_before_tax"}
)
TAX_NAMES = frozenset(
    {"tax", "tax_amount", "tax_total", "total_tax", "vat", "vat_amount", "vat_total", "sales_tax", "gst"}
)
TOTAL_NAMES = frozenset(
    {
        "total",
        "total_amount",
        "grand_total",
        "amount_total",
        "gross_total",
        "total_gross",
        "amount_due",
        "total_due",
        "gross_amount",
        "invoice_total",
    }
)
ISSUE_DATE_NAMES = frozenset(
    {"invoice_date", "issue_date", "date", "document_date", "receipt_date", "bill_date"}
)
DUE_DATE_NAMES = frozenset({"due_date", "payment_due_date", "payment_due", "due"})
LINE_AMOUNT_NAMES = frozenset({"amount", "total", "line_total", "total_price", "net_amount", "line_amount"})
NUMBER_TYPES = frozenset({FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER})


@dataclass(frozen=True, slots=True)
class ReviewFlags:
    """Flagged fields per document index: field name → the reasons it was flagged."""

    by_document: dict[int, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(fields) for fields in self.by_document.values())


def review_flags(data: Mapping[str, Any], templates: Iterable[Template], threshold: int) -> ReviewFlags:
    """The fields of every extracted document in ``data`` that need a human look."""
    by_name = {template.name: template for template in templates}
    flagged: dict[int, dict[str, tuple[str, ...]]] = {}
    for index, document in enumerate(data.get("documents") or []):
        if not document.get("extracted", True):
            continue
        template = by_name.get(document.get("usedTemplateName") or "")
        reasons = document_flags(document, template, threshold)
        if reasons:
            flagged[index] = {name: tuple(sorted(set(why))) for name, why in reasons.items()}
    return ReviewFlags(flagged)


def document_flags(
    document: Mapping[str, Any], template: Template | None, threshold: int
) -> dict[str, list[str]]:
    content: Mapping[str, Any] = document.get("content") or {}
    reasons: dict[str, list[str]] = {}
    for name, confidence in (document.get("fieldConfidence") or {}).items():
        if isinstance(confidence, int | float) and confidence * 100 < threshold:
            reasons.setdefault(name, []).append(LOW_CONFIDENCE)
    if template is not None:
        for spec in template.fields:
            if spec.required and _is_missing(content.get(spec.name)):
                reasons.setdefault(spec.name, []).append(REQUIRED_MISSING)
        for name, why in arithmetic_flags(content, template.fields).items():
            reasons.setdefault(name, []).append(why)
    return reasons


def arithmetic_flags(content: Mapping[str, Any], fields: Iterable[TemplateField]) -> dict[str, str]:
    """Fields in a failed arithmetic check; checks whose values were not all found are skipped."""
    specs = {spec.name: spec for spec in fields}
    subtotal = _role(specs, SUBTOTAL_NAMES, content)
    tax = _role(specs, TAX_NAMES, content)
    total = _role(specs, TOTAL_NAMES, content)
    flags: dict[str, str] = {}
    if subtotal and tax and total and not _close(subtotal[1] + tax[1], total[1]):
        flags.update({subtotal[0]: TOTALS_MISMATCH, tax[0]: TOTALS_MISMATCH, total[0]: TOTALS_MISMATCH})
    items = _line_items_sum(specs, content)
    target = subtotal or (total if tax is None else None)
    if items and target and not _close(items[1], target[1]):
        flags[items[0]] = LINE_ITEMS_MISMATCH
    issued, due = _date_role(specs, ISSUE_DATE_NAMES, content), _date_role(specs, DUE_DATE_NAMES, content)
    if issued and due and due[1] < issued[1]:
        flags[due[0]] = DUE_BEFORE_ISSUE
    return flags


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _close(left: Decimal, right: Decimal) -> bool:
    # One cent per side for rounding, or half a percent for totals rounded per line.
    return abs(left - right) <= max(Decimal("0.02"), abs(right) * Decimal("0.005"))


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _role(
    specs: Mapping[str, TemplateField], names: frozenset[str], content: Mapping[str, Any]
) -> tuple[str, Decimal] | None:
    for name, spec in specs.items():
        if name.lower() in names and spec.type in NUMBER_TYPES:
            number = _as_decimal(content.get(name))
            if number is not None:
                return name, number
    return None


def _line_items_sum(
    specs: Mapping[str, TemplateField], content: Mapping[str, Any]
) -> tuple[str, Decimal] | None:
    for name, spec in specs.items():
        if spec.type is not FieldType.LIST:
            continue
        amount_field = next(
            (
                sub.name
                for sub in spec.fields
                if sub.name.lower() in LINE_AMOUNT_NAMES and sub.type in NUMBER_TYPES
            ),
            None,
        )
        rows = content.get(name)
        if amount_field is None or not isinstance(rows, list) or not rows:
            continue
        amounts = [_as_decimal(row.get(amount_field)) if isinstance(row, dict) else None for row in rows]
        if any(amount is None for amount in amounts):
            return None  # a row without an amount: the sum says nothing
        return name, sum((amount for amount in amounts if amount is not None), Decimal(0))
    return None


def _date_role(
    specs: Mapping[str, TemplateField], names: frozenset[str], content: Mapping[str, Any]
) -> tuple[str, date] | None:
    for name, spec in specs.items():
        if name.lower() in names and spec.type is FieldType.DATE:
            value = content.get(name)
            parsed = parse_formatted_date(value, spec.date_format) if isinstance(value, str) else None
            if parsed is not None:
                return name, parsed
    return None


MONTH_NAMES = (
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


def parse_formatted_date(value: str, date_format: str) -> date | None:
    """Read back a date written in a template ``dateFormat`` (YYYY, YY, MMMM, MMM, MM, M, DD, D)."""
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
        return date(year, month, int(parts.get("day") or 1)) if month else None
    except ValueError:
        return None


def _month_number(parts: Mapping[str, str | None]) -> int | None:
    if parts.get("month"):
        return int(parts["month"] or 0)
    name = (parts.get("month_name") or parts.get("month_abbr") or "").lower()
    for number, full in enumerate(MONTH_NAMES, start=1):
        if name and (name == full or name == full[:3]):
            return number
    return None
