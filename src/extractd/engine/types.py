"""Plain data the engine passes between its steps. Frozen dataclasses, no behaviour beyond geometry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from extractd.domain.templates import Template

# (x0, y0, x1, y1) in page points (PDF units, 1/72 inch), origin top-left, y grows downward.
BBox = tuple[float, float, float, float]


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    """The smallest box holding every box in `boxes` (which must not be empty)."""
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    bbox: BBox
    confidence: float = 1.0  # 1.0 for a text layer; the OCR score otherwise


@dataclass(frozen=True, slots=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based page number in the source file
    width: float
    height: float
    lines: tuple[Line, ...]  # reading order
    source: str = "text"  # "text" (text layer), "ocr", "docx", "plain"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """What a loader produced: the pages, and anything else the bytes carried."""

    kind: str  # "pdf", "image", "docx", "text", "xml"
    pages: tuple[Page, ...]
    einvoice_xml: bytes | None = None  # an embedded or bare CII/UBL invoice, if any
    pdf_bytes: bytes | None = None  # the (decrypted) source PDF, to cut returned documents from


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Everything the engine needs to know from outside; the engine never reads settings itself."""

    password: str | None = None
    document_splitting: bool = False
    return_text: bool = False
    return_documents: bool = False
    einvoice: bool = True
    max_pages: int = 500
    max_pixels: int = 200_000_000  # per page, after decoding (decompression-bomb guard)
    ocr_dpi: int = 200


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One rule of a filter: documents that best match it get `template` (or are skipped)."""

    document_name: str
    description: str = ""
    extract: bool = True
    template: Template | None = None


# Called with a percentage 0-100 as the work advances.
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One extracted field: the typed value, a calibrated confidence and where it came from."""

    value: Any
    confidence: float
    page: int | None = None
    bbox: BBox | None = None
    text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"currency": "EUR"} for money
    rule: str = ""  # the rule of the winning candidate (calibration and debugging; not in the output)


class Concept(StrEnum):
    """What the engine knows how to find. Template fields are mapped onto these by name/description."""

    INVOICE_NUMBER = "invoice_number"
    ISSUE_DATE = "issue_date"  # invoice date, receipt date
    DUE_DATE = "due_date"
    ISSUE_TIME = "issue_time"
    SELLER_NAME = "seller_name"  # vendor, merchant, company that issued the document
    SELLER_ADDRESS = "seller_address"
    SELLER_TAX_ID = "seller_tax_id"
    BUYER_NAME = "buyer_name"
    BUYER_ADDRESS = "buyer_address"
    CURRENCY = "currency"
    NET_TOTAL = "net_total"  # total before tax
    TAX_TOTAL = "tax_total"
    GRAND_TOTAL = "grand_total"  # total including tax, amount paid/due
    PURCHASE_ORDER = "purchase_order"
    PAYMENT_METHOD = "payment_method"
    LINE_ITEMS = "line_items"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible value for a field, already parsed and normalised to its type."""

    value: Any  # str, int, Decimal, datetime.date, datetime.time, bool, ISO currency code, ...
    score: float  # estimated probability (0-1) that this value is right
    page: int | None = None
    bbox: BBox | None = None
    text: str = ""  # the source text the value was read from
    rule: str = ""  # which rule produced it (for calibration and debugging)


@dataclass(frozen=True, slots=True)
class EInvoiceData:
    """Values read from a CII/UBL e-invoice, keyed by Concept; exact, so confidence 1.0."""

    values: dict[Concept, Any]  # text as str, money as Decimal, dates as datetime.date, currency as ISO
    line_items: tuple[dict[str, Any], ...] = ()  # description, quantity, unit_price, amount
    syntax: str = ""  # "CII" or "UBL"
