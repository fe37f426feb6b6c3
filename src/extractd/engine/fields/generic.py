"""The fallback for fields with no Concept: find the field's label, read the value by its type.

Labels come from the template (`labels`), the field's name (`purchase_order` -> "purchase order")
and short phrases of its description. Email, phone and IBAN fields are also found by their pattern
anywhere on the page.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from extractd.domain.templates import FieldType, TemplateField
from extractd.engine.fields import confidence
from extractd.engine.fields.anchors import Spot, spots_for
from extractd.engine.fields.concepts import words_of
from extractd.engine.fields.document import DocView
from extractd.engine.fields.labels import find_labels
from extractd.engine.fields.parse import (
    match_enum,
    parse_boolean,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_email,
    parse_iban,
    parse_integer,
    parse_money,
    parse_phone,
)
from extractd.engine.types import Candidate

_PATTERN_TYPES = {FieldType.EMAIL: parse_email, FieldType.PHONE: parse_phone, FieldType.IBAN: parse_iban}
_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "for",
        "to",
        "in",
        "on",
        "by",
        "is",
        "are",
        "was",
        "which",
        "that",
        "this",
        "its",
        "it",
        "as",
        "or",
        "and",
        "with",
    ]
)


def clean_text_value(text: str) -> str | None:
    """A text value as printed, without label punctuation around it."""
    cleaned = text.strip().strip(":#|").strip()
    return cleaned or None


def read_value(field: TemplateField, text: str, doc: DocView) -> Any:
    """Parse `text` as the field's type; None when it holds no such value."""
    return read_scored(field, text, doc)[0]


def read_scored(field: TemplateField, text: str, doc: DocView) -> tuple[Any, float]:
    """The value in `text` and how closely it was named (below 1.0 only for an enum value matched
    fuzzily: the match's similarity, which the candidate's confidence carries)."""
    if field.type is FieldType.ENUM:
        match = match_enum(text, field.values)
        return match if match else (None, 0.0)
    return _read(field, text, doc), 1.0


def _read(field: TemplateField, text: str, doc: DocView) -> Any:
    kind = field.type
    if kind is FieldType.DATE:
        return parse_date(text, day_first=doc.day_first)
    if kind is FieldType.MONEY:
        money = parse_money(text)
        return money[0] if money else None
    if kind is FieldType.DECIMAL:
        return parse_decimal(text)
    if kind is FieldType.INTEGER:
        return parse_integer(text)
    if kind is FieldType.BOOLEAN:
        return parse_boolean(text)
    if kind is FieldType.CURRENCY:
        return parse_currency(text)
    if kind in _PATTERN_TYPES:
        return _PATTERN_TYPES[kind](text)
    return clean_text_value(text)


def field_labels(field: TemplateField) -> list[tuple[str, float]]:
    """Labels to look for, with how much we trust each: the user's, the name's, the description's."""
    labels: list[tuple[str, float]] = [(label, 1.0) for label in field.labels]
    name = words_of(field.name)
    if name:
        labels.append((name, 0.9))
    words = [w for w in words_of(field.description).split() if w not in _STOPWORDS]
    if 1 <= len(words) <= 4:
        labels.append((" ".join(words), 0.7))
    return labels


def candidate_from_spot(field: TemplateField, spot: Spot, doc: DocView, prior: float) -> Candidate | None:
    value, closeness = read_scored(field, spot.text, doc)
    if value is None or not field.accepts(value):
        return None
    return Candidate(
        value=value,
        score=confidence.score(spot.rule, similarity=spot.similarity, ocr=spot.ocr, prior=prior * closeness),
        page=spot.ref.page,
        bbox=spot.bbox,
        text=spot.text,
        rule=spot.rule,
    )


def user_label_candidates(field: TemplateField, doc: DocView) -> list[Candidate]:
    """Candidates found only through the labels the template gives for this field."""
    return _label_candidates(field, doc, [(label, 1.0) for label in field.labels])


def generic_candidates(field: TemplateField, doc: DocView) -> list[Candidate]:
    """Candidates for a field the engine has no special knowledge of (or whose finders found nothing):
    read from the words of its name and description, so less sure than a finder's (`generic:` rules,
    scaled by the measured "generic" factor of calibration.json)."""
    found = _label_candidates(field, doc, field_labels(field))
    if field.type in _PATTERN_TYPES:
        found.extend(_pattern_candidates(field, doc))
    factor = confidence.unfamiliar("generic")
    return [replace(c, score=confidence.clamp(c.score * factor), rule=f"generic:{c.rule}") for c in found]


def _label_candidates(field: TemplateField, doc: DocView, labels: list[tuple[str, float]]) -> list[Candidate]:
    found: list[Candidate] = []
    for label, prior in labels:
        for hit in find_labels(doc, [label]):
            for spot in spots_for(doc, hit):
                candidate = candidate_from_spot(field, spot, doc, prior)
                if candidate is not None:
                    found.append(candidate)
                    break  # the nearest readable spot is this label's answer
    return found


_PHONE_WORDS = re.compile(r"tel|phone|fon|mobil|handy|gsm|☎|cell", re.I)


def _pattern_candidates(field: TemplateField, doc: DocView) -> list[Candidate]:
    parser = _PATTERN_TYPES[field.type]
    found: list[Candidate] = []
    for ref in doc.lines:
        value = parser(ref.text)
        if (
            field.type is FieldType.PHONE
            and value
            and not (value.startswith("+") or _PHONE_WORDS.search(ref.text))
        ):
            continue  # digits with slashes are as often a tax or customer number as a phone number
        if value is not None and field.accepts(value):
            ocr = min(w.confidence for w in ref.words)
            found.append(
                Candidate(
                    value, confidence.score("pattern", ocr=ocr), ref.page, ref.bbox, ref.text, "pattern"
                )
            )
    return found


def comparable(value: Any) -> Any:
    """A key under which equal readings of a value group together."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, str):
        return " ".join(value.casefold().split())
    if isinstance(value, date):
        return value.isoformat()
    return value
