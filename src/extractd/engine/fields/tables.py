"""List fields (line items): find the table header, cut rows, read each column by its sub-field's type.

The header is the line naming the most sub-fields (by their name, labels or the usual column titles in
EN/DE/FR/NL). Each word of a row goes to the column whose header is horizontally nearest; a line with
no number in the numeric columns continues the previous row's text (descriptions spanning two lines).
The table ends at a totals line, a large vertical gap or the end of the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from extractd.domain.templates import FieldType, TemplateField
from extractd.engine.fields.concepts import words_of
from extractd.engine.fields.document import DocView, LineRef
from extractd.engine.fields.generic import read_value
from extractd.engine.fields.labels import find_labels
from extractd.engine.fields.parse import find_amounts
from extractd.engine.types import Word

COLUMN_TITLES: dict[str, tuple[str, ...]] = {
    "description": (
        "Description",
        "Item",
        "Items",
        "Article",
        "Product",
        "Service",
        "Details",
        "Bezeichnung",
        "Beschreibung",
        "Artikel",
        "Leistung",
        "Artikelbezeichnung",
        "Désignation",
        "Libellé",
        "Description",
        "Produit",
        "Omschrijving",
        "Artikel",
        "Product",
        "Activity",
        "Name",
    ),
    "quantity": (
        "Qty",
        "Quantity",
        "Qté",
        "Quantité",
        "Menge",
        "Anzahl",
        "Anz",
        "Aantal",
        "Units",
        "Hours",
        "Stk",
        "Qte",
    ),
    "unit_price": (
        "Unit Price",
        "Price",
        "Rate",
        "Unit Cost",
        "Einzelpreis",
        "E-Preis",
        "Preis",
        "Stückpreis",
        "Nettopreis",
        "VK-Preis",
        "Prijs per stuk",
        "Prix HT",
        "Unit price excl. VAT",
        "Prix unitaire",
        "Prix",
        "PU",
        "P.U.",
        "Stukprijs",
        "Prijs",
        "Unit price excl",
    ),
    "amount": (
        "Amount",
        "Total",
        "Line Total",
        "Betrag",
        "Gesamt",
        "Gesamtpreis",
        "Summe",
        "Montant",
        "Nettobetrag",
        "Zeilenbetrag",
        "Positionsbetrag",
        "Nettowert",
        "Prijs incl. BTW",
        "Line amount",
        "Montant HT",
        "Prix total",
        "Entgelt",
        "Total HT",
        "Bedrag",
        "Totaal",
        "Net",
        "Netto",
        "Gesamtbetrag",
        "Prix total",
    ),
}
_ROLE_PATTERNS = {
    "quantity": r"qty|quant|menge|anzahl|aantal|count|units|hours|stk|qte",
    "unit_price": r"unit|price|rate|preis|prix|prijs|each",
    "amount": r"amount|total|betrag|montant|bedrag|totaal|sum|line",
    "description": r"desc|item|article|product|name|text|bezeichnung|designation|libell|omschrijving|service",
}
_TABLE_END = re.compile(
    r"^(sub\s?total|total|summe|gesamt|zwischensumme|netto|nettobetrag|montant|sous.total|totaal|subtotaal|"
    r"amount due|balance|tax|taxe|taxes|vat|mwst|tva|btw)\b",
    re.I,
)
_NUMERIC = frozenset({FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER})


def column_role(field: TemplateField) -> str | None:
    """Which usual column a sub-field is: description, quantity, unit_price or amount (None: by name)."""
    name = words_of(field.name)
    for role in ("quantity", "unit_price", "amount", "description"):
        if re.search(_ROLE_PATTERNS[role], name):
            return role
    return None


def _titles(field: TemplateField) -> tuple[str, ...]:
    role = column_role(field)
    own = (*field.labels, words_of(field.name))
    return own + (COLUMN_TITLES[role] if role else ())


@dataclass(frozen=True, slots=True)
class Column:
    field: TemplateField
    x0: float
    x1: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _header_columns(
    doc: DocView, ref: LineRef, fields: Sequence[TemplateField], titles: Sequence[tuple[str, ...]]
) -> list[Column]:
    """The columns a line names, each sub-field at most once and each word for one column only."""
    columns: list[Column] = []
    used: set[int] = set()
    for field, field_titles in zip(fields, titles, strict=True):
        hit = find_labels(doc, field_titles, [ref])
        if not hit or used.intersection(range(hit[0].start, hit[0].end)):
            continue
        used.update(range(hit[0].start, hit[0].end))
        columns.append(Column(field, hit[0].x0, hit[0].x1))
    return sorted(columns, key=lambda c: c.x0)


def find_header(doc: DocView, fields: Sequence[TemplateField]) -> tuple[LineRef, list[Column]] | None:
    """The line that names the most columns (at least two, one of them numeric)."""
    titles = [_titles(field) for field in fields]
    best: tuple[LineRef, list[Column]] | None = None
    for ref in doc.lines:
        if not 2 <= len(ref.words) <= 14 or len(find_amounts(ref.text)) > 1:
            continue
        columns = _header_columns(doc, ref, fields, titles)
        numeric = any(c.field.type in _NUMERIC for c in columns)
        if len(columns) >= 2 and numeric and (best is None or len(columns) > len(best[1])):
            best = (ref, columns)
    return best


def _assign(words: Sequence[Word], columns: Sequence[Column]) -> dict[str, list[Word]]:
    """Each word to the column whose header span is nearest (numbers are often right-aligned under it)."""
    cells: dict[str, list[Word]] = {}
    for word in words:

        def distance(column: Column, word: Word = word) -> float:
            return max(column.x0 - word.bbox[2], word.bbox[0] - column.x1, 0.0) + 0.01 * abs(
                column.centre - (word.bbox[0] + word.bbox[2]) / 2
            )

        nearest = min(columns, key=distance)
        cells.setdefault(nearest.field.name, []).append(word)
    return cells


def _numeric_columns(cells: dict[str, list[Word]], columns: Sequence[Column], doc: DocView) -> set[str]:
    """The numeric columns in which this line has a value of the column's type (a "19 %" is no amount)."""
    found: set[str] = set()
    for column in columns:
        text = " ".join(w.text for w in cells.get(column.field.name, []))
        if column.field.type in _NUMERIC and text and read_value(column.field, text, doc) is not None:
            found.add(column.field.name)
    return found


_KEY_NUMBER = re.compile(r"^[^\d:]{2,40}:\s*[-\d.,\s€$£%]+$")


def _row_lines(doc: DocView, header: LineRef) -> list[LineRef]:
    rows: list[LineRef] = []
    previous = header
    for ref in doc.lines[header.index + 1 :]:
        if ref.page != header.page:
            break
        gap = ref.bbox[1] - previous.bbox[3]
        totals_line = _TABLE_END.match(ref.text.strip()) and find_amounts(ref.text)
        height = ref.bbox[3] - ref.bbox[1]
        smaller = height < 0.75 * (header.bbox[3] - header.bbox[1])  # a footer in small print
        if totals_line or smaller or gap > 4 * max(previous.bbox[3] - previous.bbox[1], 6.0):
            break
        rows.append(ref)
        previous = ref
    return rows


def _read_row(texts: dict[str, str], fields: Sequence[TemplateField], doc: DocView) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in fields:
        text = texts.get(field.name, "").strip()
        row[field.name] = read_value(field, text, doc) if text else None
    return row


def extract_rows(doc: DocView, field: TemplateField) -> tuple[list[dict[str, Any]], LineRef | None]:
    """The rows of a list field, values parsed by type (None where a column is empty)."""
    header = find_header(doc, field.fields)
    if header is None:
        return [], None
    ref, columns = header
    texts: list[dict[str, str]] = []
    filled: list[set[str]] = []  # numeric columns each row already has
    for line in _row_lines(doc, ref):
        cells = _assign(line.words, columns)
        joined = {name: " ".join(w.text for w in words) for name, words in cells.items()}
        numbers = set() if _KEY_NUMBER.match(line.text) else _numeric_columns(cells, columns, doc)
        if numbers and (not texts or numbers & filled[-1]):
            texts.append(joined)
            filled.append(numbers)
        elif texts:
            # no numbers, or numbers only in columns the row still lacks: the row continues here
            _continue_row(texts[-1], joined, columns, numbers)
            filled[-1] |= numbers
    return [_read_row(t, field.fields, doc) for t in texts], ref


def _continue_row(
    row: dict[str, str], more: dict[str, str], columns: Sequence[Column], numbers: set[str]
) -> None:
    """A continuation line adds its text to the row's text columns and fills its missing numbers."""
    for column in columns:
        extra = more.get(column.field.name, "")
        name = column.field.name
        if extra and (column.field.type not in _NUMERIC or name in numbers):
            row[name] = extra if name in numbers else (row.get(name, "") + " " + extra).strip()


def rows_total(rows: Sequence[dict[str, Any]], field: TemplateField) -> Decimal | None:
    """The sum of the rows' amount column, to check against the net total."""
    amount = next((f for f in field.fields if column_role(f) == "amount" and f.type in _NUMERIC), None)
    if amount is None:
        return None
    values = [r[amount.name] for r in rows if isinstance(r.get(amount.name), Decimal)]
    return sum(values, Decimal(0)) if values else None
