"""Template fields → typed values: map each field to a Concept, gather candidates, rank, format.

Each field goes through the same ordered steps (`Extraction.field_value`):
1. e-invoice: a value from the document's own machine-readable invoice, when there is one;
2. finders: the finders `finders.choose_finders` picked for this document, in order (the first with
   candidates wins); invoice totals are reconciled (net + tax = gross) as they are ranked;
3. user labels: the template's own labels for the field confirm or override;
4. generic fallback: the field's labels and description matched on the page;
5. calibrate: scores mapped to the measured probabilities of this kind of document (calibration.json);
6. coerce: the value in the JSON shape of the field's type.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from typing import Any

from extractd.domain.templates import FieldType, Template, TemplateField
from extractd.engine.fields import arithmetic, confidence
from extractd.engine.fields.concepts import concept_for
from extractd.engine.fields.confidence import Ranked
from extractd.engine.fields.document import DocView
from extractd.engine.fields.finders import Finder, choose_finders
from extractd.engine.fields.generic import comparable, generic_candidates, user_label_candidates
from extractd.engine.fields.parse import (
    format_date,
    money_places,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_money,
    round_money,
)
from extractd.engine.fields.tables import column_role, extract_rows, rows_total
from extractd.engine.types import Candidate, Concept, EInvoiceData, FieldValue, Page

logger = logging.getLogger(__name__)

NOT_FOUND = 0.0


class Extraction:
    """One run of extract_fields over a document: candidate lists are computed once per concept."""

    def __init__(self, pages: Sequence[Page], template: Template, einvoice: EInvoiceData | None) -> None:
        self.pages = pages
        self.doc = DocView(pages)
        self.template = template
        self.einvoice = einvoice
        self.finders = choose_finders(template, self.doc)
        self.kind = self.finders[0].name  # the kind of document, whose calibration maps the scores
        self._ranked: dict[Concept, tuple[list[Ranked], bool]] = {}

    def concept_ranked(self, concept: Concept) -> list[Ranked]:
        return self._concept(concept)[0]

    def _concept(self, concept: Concept) -> tuple[list[Ranked], bool]:
        """A concept's candidates ranked, and whether their probabilities are calibrated already."""
        if concept not in self._ranked:
            self._ranked[concept] = self._from_finders(concept)
            # Calibrated (receipt) totals come with their own evidence (rounding lines, cash tendered...),
            # so the invoice arithmetic only reorders totals on other documents.
            if concept in arithmetic.TOTALS and not any(f.calibrated for f in self.finders):
                self._reconcile_totals()
        return self._ranked[concept]

    def _from_finders(self, concept: Concept) -> tuple[list[Ranked], bool]:
        """Step 2: the first finder with candidates. Calibrated finders give exclusive probabilities
        (kept as they are); the others' evidence is combined by rank()."""
        for finder in self.finders:
            found = self._candidates(finder, concept)
            if found:
                if finder.calibrated:
                    return confidence.rank_calibrated(found, key=comparable), True
                return confidence.rank(found, key=comparable), False
        return [], False

    def _candidates(self, finder: Finder, concept: Concept) -> list[Candidate]:
        try:
            return finder.candidates(concept, self.doc)
        except Exception:  # a bug in one finder must not lose the whole document
            logger.exception("%s finder failed for %s", finder.name, concept)
            return []

    def _reconcile_totals(self) -> None:
        for concept in arithmetic.TOTALS:
            if concept not in self._ranked:
                self._ranked[concept] = self._from_finders(concept)
        totals = {c: self._ranked[c][0] for c in arithmetic.TOTALS}
        totals.update(arithmetic.reconcile(totals))
        for concept in arithmetic.TOTALS:
            if not totals[concept]:
                extra = arithmetic.derived(concept, totals)
                if extra is not None:
                    totals[concept] = confidence.rank([extra], key=comparable)
        for concept in arithmetic.TOTALS:
            self._ranked[concept] = (totals[concept], False)

    def field_value(self, field: TemplateField) -> FieldValue:
        concept = concept_for(field, self.template)
        if field.type is FieldType.LIST:
            return self._list_value(field, concept)
        if field.type is FieldType.SECTION:
            parts = {sub.name: self.field_value(sub) for sub in field.fields}
            found = [p for p in parts.values() if p.value is not None]
            score = min((p.confidence for p in found), default=NOT_FOUND)
            return FieldValue({k: p.value for k, p in parts.items()}, score if found else NOT_FOUND)
        # 1. e-invoice
        if self.einvoice is not None and concept is not None and concept in self.einvoice.values:
            return _einvoice_value(field, self.einvoice.values[concept])
        # 2. finders (totals reconciled)
        ranked = self._concept(concept)[0] if concept is not None else []
        # 3. user labels
        if ranked and field.labels:
            ranked = _with_user_labels(ranked, user_label_candidates(field, self.doc))
        # 4. generic fallback
        if not ranked:
            ranked = confidence.rank(generic_candidates(field, self.doc), key=comparable)
        # 5. calibrate and 6. coerce
        return self._best(field, ranked)

    def _best(self, field: TemplateField, ranked: list[Ranked]) -> FieldValue:
        for item in ranked:
            value = coerce(item.value, field)
            if value is None or not field.accepts(value):
                continue
            extra = self._money_extra(item) if field.type is FieldType.MONEY else {}
            if field.type is FieldType.MONEY and isinstance(item.value, Decimal):
                value = round_money(item.value, money_places(item.best.text))
            # each kind of document's scores are mapped to the measured probabilities (calibration.json)
            probability = confidence.recalibrate(item.probability, kind=self.kind)
            best = item.best
            return FieldValue(value, round(probability, 3), best.page, best.bbox, best.text, extra, best.rule)
        return FieldValue(None, NOT_FOUND)

    def _money_extra(self, item: Ranked) -> dict[str, Any]:
        money = parse_money(item.best.text)
        currency = (money[1] if money else None) or self.doc.default_currency
        return {"currency": currency} if currency else {}

    def _list_value(self, field: TemplateField, concept: Concept | None) -> FieldValue:
        if self.einvoice is not None and concept is Concept.LINE_ITEMS and self.einvoice.line_items:
            rows = [_einvoice_row(field, item) for item in self.einvoice.line_items]
            return FieldValue(rows, 1.0)
        rows, header = extract_rows(self.doc, field)
        if not rows or header is None:
            return FieldValue(None, NOT_FOUND)
        score = 0.6
        total = rows_total(rows, field)
        net = self.concept_ranked(Concept.NET_TOTAL) if concept is Concept.LINE_ITEMS else []
        if total is not None and net and isinstance(net[0].value, Decimal):
            score = 0.92 if abs(total - net[0].value) <= Decimal("0.011") else 0.5
        typed = [{sub.name: coerce(row[sub.name], sub) for sub in field.fields} for row in rows]
        return FieldValue(typed, score, header.page, header.bbox, header.text)


def _with_user_labels(ranked: list[Ranked], found: list[Candidate]) -> list[Ranked]:
    """The template's own labels for a field: agreement confirms our reading, disagreement means the
    user knows their documents better than our general vocabulary does."""
    if not found:
        return ranked
    user = confidence.rank(found, key=comparable)
    if comparable(user[0].value) == comparable(ranked[0].value):
        agreed = 1.0 - (1.0 - ranked[0].probability) * (1.0 - 0.6 * user[0].probability)
        return [replace(ranked[0], probability=confidence.clamp(agreed)), *ranked[1:]]
    return user + [r for r in ranked if comparable(r.value) != comparable(user[0].value)]


def _einvoice_value(field: TemplateField, raw: Any) -> FieldValue:
    value = coerce(raw, field)
    if field.type is FieldType.MONEY and isinstance(raw, Decimal):
        value = round_money(raw, max(2, -int(raw.as_tuple().exponent)))
    return FieldValue(
        value, 1.0 if value is not None else NOT_FOUND, text=str(raw), extra={"source": "einvoice"}
    )


def _einvoice_row(field: TemplateField, item: dict[str, Any]) -> dict[str, Any]:
    """An e-invoice line (description, quantity, unit_price, amount) under the template's own names."""
    row: dict[str, Any] = {}
    for sub in field.fields:
        key = sub.name if sub.name in item else column_role(sub)
        row[sub.name] = coerce(item.get(key), sub) if key else None
    return row


def coerce(value: Any, field: TemplateField) -> Any:
    """A candidate's value in the JSON shape the field's type asks for; None if it cannot be."""
    if value is None:
        return None
    kind = field.type
    if kind in (FieldType.MONEY, FieldType.DECIMAL):
        number = value if isinstance(value, Decimal) else _number(value)
        return None if number is None else round_money(number, max(2, -int(number.as_tuple().exponent)))
    if kind is FieldType.INTEGER:
        number = value if isinstance(value, Decimal) else _number(value)
        return int(number) if number is not None and number == number.to_integral_value() else None
    if kind is FieldType.DATE:
        day = value if isinstance(value, date) else parse_date(str(value))
        return format_date(day, field.date_format) if day else None
    if kind is FieldType.CURRENCY:
        return parse_currency(str(value))
    if kind is FieldType.ENUM:
        return parse_enum(str(value), field.values)
    if kind is FieldType.BOOLEAN:
        return value if isinstance(value, bool) else None
    return _as_text(value)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, int | float):
        return Decimal(str(value))
    return parse_decimal(str(value))


def _as_text(value: Any) -> str | None:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value).strip()
    return text or None


def extract_fields(
    pages: Sequence[Page], template: Template, einvoice: EInvoiceData | None = None
) -> dict[str, FieldValue]:
    """Every field of `template` as a typed value with a confidence (value None, 0.0 when not found)."""
    run = Extraction(pages, template, einvoice)
    return {field.name: run.field_value(field) for field in template.fields}
