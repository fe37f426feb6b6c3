"""Shared helpers of the receipt finders: the receipt read once per document (its lines, its locale),
keyword tests that survive OCR that drops spaces, and the money amounts printed on a line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from extractd.engine.fields.document import DocView
from extractd.engine.fields.parse import CURRENCY_SYMBOLS, parse_money
from extractd.engine.locales import LocaleGuess, fold, letters_of, vocabulary
from extractd.engine.types import BBox, Line, Page

# Currency marks printed glued to an amount (`RM9.90`, `$8.20`, `€3.20`, `£2.51`, `S$5.35`).
_MARKS = "|".join(sorted({re.escape(symbol) for symbol, _ in CURRENCY_SYMBOLS}, key=lambda m: -len(m)))
# A printed money amount on a receipt always shows two decimals (`9.00`, `RM9.90`, `1,234.50`, `5.90SR`).
_MONEY_TOKEN = re.compile(
    rf"(?<![\d.,])-?(?:{_MARKS})?\s?-?(?:\d{{1,3}}(?:[,.']\d{{3}})+|\d+)[.,]\d{{2}}(?!\d)(?![.,]\d)",
    re.IGNORECASE,
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


@dataclass(frozen=True, slots=True)
class ReceiptDoc:
    """A receipt as the finders read it, built once per document."""

    lines: tuple[ReceiptLine, ...]
    locale: LocaleGuess
    day_first: bool  # numeric dates read day first (dates that read one way only, else the locale)
    date_order_sure: bool  # False: an ambiguous date's day/month order is a guess


def receipt_doc(doc: DocView) -> ReceiptDoc:
    """The receipt view of `doc`, computed on first use and kept in the document's memo."""
    key = "receipt_doc"
    if key not in doc.memo:
        doc.memo[key] = ReceiptDoc(
            tuple(receipt_lines(doc.pages)), doc.locale, doc.day_first, doc.date_order_sure
        )
    found: ReceiptDoc = doc.memo[key]
    return found


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


# Labels this long are also found glued into a line's letters (`GRANDTOTAL`); shorter ones as whole
# words, or (from _MIN_PREFIX_LABEL letters) glued at the start of the line (`TOTALRM9.00`), so `BAR`
# (cash) is not read inside `BARCODE`.
_MIN_GLUED_LABEL = 6
_MIN_PREFIX_LABEL = 4


# Cyrillic capitals a Latin-trained recogniser reads as their Latin look-alikes (`СУМА` → `CYMA`):
# labels and lines are compared with both spelt the Latin way.
_HOMOGLYPHS = str.maketrans("АВСЕНІЇЈКМОРТУХЅШ", "ABCEHIIJKMOPTYXSW")


def _latin(text: str) -> str:
    return text.translate(_HOMOGLYPHS)


@lru_cache(maxsize=4096)
def _label_forms(kind: str) -> tuple[tuple[str, str, str], ...]:
    """(whole-word form, glued letters or "", line-start letters or "") of every label of `kind`."""
    forms = []
    for phrase in vocabulary(kind):
        spaced = _latin(" ".join(re.findall(r"[^\W\d_]+", phrase)))
        glued = _latin(letters_of(phrase))
        if spaced:
            anywhere = glued if len(glued) >= _MIN_GLUED_LABEL else ""
            start = glued if len(glued) >= _MIN_PREFIX_LABEL else ""
            forms.append((f" {spaced} ", anywhere, start))
    return tuple(forms)


@lru_cache(maxsize=65536)
def label_in(text: str, kind: str) -> bool:
    """Whether a label of `kind` (locale data, any language) is printed in `text`."""
    spaced = _latin(" " + " ".join(re.findall(r"[^\W\d_]+", fold(text))) + " ")
    letters = _latin(letters_of(text))
    return any(
        word in spaced or (glued and glued in letters) or (start and letters.startswith(start))
        for word, glued, start in _label_forms(kind)
    )
