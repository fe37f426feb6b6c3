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
from extractd.engine.fields.labels import LabelHit, find_labels
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


# A price column is the unit price only when its title says per unit; "Montant HT", "Betrag",
# "Gesamt"... name the line amount even when they also say price ("Prix total", "Gesamtpreis").
_PER_UNIT = re.compile(r"\bp\.?\s?u\b|unit|einzel|stück|stk|per stuk|stuk|each|pièce|piece", re.I)
_AMOUNT_WORD = re.compile(r"total|montant|betrag|gesamt|amount|bedrag|totaal|summe|line", re.I)
_PRICE_TITLES = ("Prix HT", "Prix", "Price", "Preis", "Prijs")


def _titles(field: TemplateField) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The titles a column may have: the ones tried first, and the ones tried when those are absent."""
    role = column_role(field)
    own = (*field.labels, words_of(field.name))
    if role == "unit_price":
        usual = COLUMN_TITLES[role]
        per_unit = tuple(t for t in usual if _PER_UNIT.search(t))
        return own + per_unit, tuple(t for t in usual if not _PER_UNIT.search(t))
    if role == "amount":
        return own + COLUMN_TITLES[role], _PRICE_TITLES
    return own + (COLUMN_TITLES[role] if role else ()), ()


@dataclass(frozen=True, slots=True)
class Column:
    field: TemplateField
    x0: float
    x1: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


Titles = tuple[tuple[str, ...], tuple[str, ...]]


def _header_columns(
    doc: DocView, ref: LineRef, fields: Sequence[TemplateField], titles: Sequence[Titles]
) -> list[Column]:
    """The columns a line names, each sub-field at most once and each word for one column only.

    `fields` come unit prices first: they claim their column first (a per-unit title beats a bare
    "Prix HT"), so a price column left over is the line amount.
    """
    columns: list[Column] = []
    used: set[int] = set()
    for field, (first, fallback) in zip(fields, titles, strict=True):
        hit = _column_hit(doc, ref, field, first, used) or _column_hit(doc, ref, field, fallback, used)
        if hit is None:
            continue
        used.update(range(hit.start, hit.end))
        columns.append(Column(field, hit.x0, hit.x1))
    return sorted(columns, key=lambda c: c.x0)


def _column_hit(
    doc: DocView, ref: LineRef, field: TemplateField, titles: tuple[str, ...], used: set[int]
) -> LabelHit | None:
    if not titles:
        return None
    hits = find_labels(doc, titles, [ref])
    if not hits or used.intersection(range(hits[0].start, hits[0].end)):
        return None
    hit = hits[0]
    if column_role(field) == "unit_price":
        title = _header_cell_text(ref, hit)
        if _AMOUNT_WORD.search(title) and not _PER_UNIT.search(title):
            return None  # "Prix total HT", "Gesamtpreis": the line amount, not a unit price
    return hit


def _header_cell_text(ref: LineRef, hit: LabelHit) -> str:
    """The title a label was found in, with the words set a plain space apart on either side
    ("Prix" of "Prix total HT"); headers set their columns wider apart than that."""
    words = ref.words
    start, end = hit.start, hit.end
    while start > 0 and _one_space(words[start - 1], words[start]):
        start -= 1
    while end < len(words) and _one_space(words[end - 1], words[end]):
        end += 1
    return " ".join(w.text for w in words[start:end])


def _one_space(left: Word, right: Word) -> bool:
    return right.bbox[0] - left.bbox[2] < 0.45 * max(left.bbox[3] - left.bbox[1], 1.0)


def find_header(doc: DocView, fields: Sequence[TemplateField]) -> tuple[LineRef, list[Column]] | None:
    """The line that names the most columns (at least two, one of them numeric)."""
    fields = sorted(fields, key=lambda field: column_role(field) != "unit_price")
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
    previous = ref
    span = (ref.bbox[0], ref.bbox[2])  # the table's width so far: header and rows (headers may wrap)
    for line in _row_lines(doc, ref):
        cells = _assign(line.words, columns)
        joined = {name: " ".join(w.text for w in words) for name, words in cells.items()}
        numbers = set() if _KEY_NUMBER.match(line.text) else _numeric_columns(cells, columns, doc)
        if texts and (_FOOTER.search(line.text) or (not numbers and not _continues(line, previous, span))):
            break  # a footer or a note under the table, not another row or more of the last one
        previous = line
        span = (min(span[0], line.bbox[0]), max(span[1], line.bbox[2]))
        if numbers and (not texts or numbers & filled[-1]):
            texts.append(joined)
            filled.append(numbers)
        elif texts:
            # no numbers, or numbers only in columns the row still lacks: the row continues here
            _continue_row(texts[-1], joined, columns, numbers)
            filled[-1] |= numbers
    return [_read_row(t, field.fields, doc) for t in texts], ref


_FOOTER = re.compile(
    r"\b(page|seite|pagina)\s*\d|\b(iban|bic|swift|www|siret|siren|kvk|ust-?id|registergericht|"
    r"amtsgericht|geschäftsführer|handelsregister|rcs)\b|@|https?:",
    re.I,
)


def _continues(line: LineRef, previous: LineRef, span: tuple[float, float]) -> bool:
    """Whether a line without numbers can continue the row above: descriptions wrap without a blank
    line and within the table's width (a footer runs past it). Rows with numbers may stick out."""
    height = max(previous.bbox[3] - previous.bbox[1], 1.0)
    if line.bbox[0] < span[0] - 3 * height or line.bbox[2] > span[1] + 3 * height:
        return False
    return line.bbox[1] - previous.bbox[3] <= 2.5 * height


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
