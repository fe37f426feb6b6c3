"""Shared helpers of the receipt finders: the lines of a receipt, keyword tests that survive OCR that
drops spaces, and the money amounts printed on a line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from extractd.engine.fields.parse import parse_money
from extractd.engine.types import BBox, Line, Page

# A printed money amount on a receipt always shows two decimals (`9.00`, `RM9.90`, `1,234.50`, `5.90SR`).
_MONEY_TOKEN = re.compile(
    r"(?<![\d.,])-?(?:RM|\$)?\s?-?\d{1,3}(?:,\d{3})*[.,]\d{2}(?![\d.,]\d)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of a receipt with what the finders ask of it, computed once."""

    page: int
    index: int  # position in reading order over the whole receipt
    line: Line
    text: str
    letters: str  # upper-case letters only: keyword tests ignore OCR's dropped or added spaces
    amounts: tuple[Decimal, ...]  # money amounts on the line, left to right
    top: float  # relative position on the page, 0 = top edge, 1 = bottom edge
    height: float  # median word height in points

    @property
    def bbox(self) -> BBox:
        return self.line.bbox


def letters_of(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def money_amounts(text: str) -> tuple[Decimal, ...]:
    """Two-decimal amounts on a line, left to right (quantities and codes are skipped)."""
    found = []
    for match in _MONEY_TOKEN.finditer(text):
        parsed = parse_money(match.group(0))
        if parsed is not None:
            found.append(parsed[0])
    return tuple(found)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def receipt_lines(pages: Sequence[Page]) -> list[ReceiptLine]:
    """Every line of the receipt in reading order, page after page."""
    lines: list[ReceiptLine] = []
    for page in pages:
        for line in page.lines:
            text = line.text
            lines.append(
                ReceiptLine(
                    page=page.number,
                    index=len(lines),
                    line=line,
                    text=text,
                    letters=letters_of(text),
                    amounts=money_amounts(text),
                    top=line.bbox[1] / page.height if page.height else 0.0,
                    height=_median([w.bbox[3] - w.bbox[1] for w in line.words]),
                )
            )
    return lines


def has_any(letters: str, keywords: Sequence[str]) -> bool:
    return any(keyword in letters for keyword in keywords)


def min_confidence(line: ReceiptLine) -> float:
    return min((w.confidence for w in line.line.words), default=1.0)
